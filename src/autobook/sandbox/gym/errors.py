"""How the gym answers errors: JSON `{"message", "code"}` under `/api`, pages elsewhere, and a
redirect to the login page when a web session is missing or expired."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from autobook.sandbox.gym.model import GymError
from autobook.sandbox.gym.templating import TEMPLATES

HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


class LoginRequired(Exception):
    """A page needs a logged-in member; `expired` says the session existed but timed out."""

    def __init__(self, next_url: str, expired: bool) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


def gym_json(exc: GymError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GymError)
    async def on_gym_error(request: Request, exc: GymError) -> Response:
        return gym_json(exc)

    @app.exception_handler(LoginRequired)
    async def on_login_required(request: Request, exc: LoginRequired) -> Response:
        query = {"next": exc.next_url, **({"expired": "1"} if exc.expired else {})}
        return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _is_api(request):
            return await request_validation_exception_handler(request, exc)
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            field, problem = "body", "is not valid JSON"
        else:
            where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "header")]
            field, problem = ".".join(where) or "body", str(first.get("msg", "is invalid"))
        return gym_json(GymError(422, "invalid_request", f"{field}: {problem}", field=field))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/_sandbox"):
            return await http_exception_handler(request, exc)
        code = HTTP_CODES.get(exc.status_code, "error")
        if _is_api(request):
            return JSONResponse({"message": str(exc.detail), "code": code}, exc.status_code)
        return TEMPLATES.TemplateResponse(
            request, "error.html", {"title": str(exc.detail), "member": None}, exc.status_code
        )
