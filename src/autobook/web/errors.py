"""One error shape for every 4xx: `{"detail": [{"field": "card_number", "message": "..."}]}`.
The message is plain words (`web.messages`), never pydantic's own wording.

API paths answer JSON; page paths render `error.html` with the same entries. No message ever
repeats the submitted value: pydantic's own errors carry it in `input`, which would leak a
password or a card number, so only the field and the message are kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from autobook.domain.errors import Conflict, NotFound
from autobook.web.deps import LoginRequired
from autobook.web.messages import plain
from autobook.web.templating import TEMPLATES

_SOURCES = {"body", "query", "path", "header", "cookie"}
_PREFIXES = ("Value error, ", "Assertion failed, ")
_QUOTED = re.compile(r"'([^']*)'")
_FIELD_MESSAGE = re.compile(r"^([a-z_][a-zA-Z0-9_.]*): (.+)$", re.DOTALL)  # camelCase: seed 004


def error_entry(field: str | None, message: str) -> dict[str, str | None]:
    return {"field": field, "message": message}


def _field(loc: Sequence[Any]) -> str:
    if len(loc) == 2 and loc[0] == "body" and isinstance(loc[1], int):
        return "body"  # a JSON decode error, located by character position
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(parts)


def _message(err: dict[str, Any]) -> str:
    message = str(err.get("msg", "invalid value"))
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    if err.get("type") == "json_invalid":
        message = f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'parse error')})"
    value = err.get("input")
    # A list's validator (e.g. of times) may quote one of its items.
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, str) and item:
            message = _scrub(message, item, quoted_only=err.get("type") != "value_error")
    return message


def _scrub(message: str, value: str, *, quoted_only: bool) -> str:
    """Never echo what was sent: drop the value, and in our own validators' messages (which
    may quote a piece of it, like int()'s) any quoted piece of it."""
    if len(value) >= 3:
        message = message.replace(value, "…")
    if quoted_only:
        return message
    return _QUOTED.sub(lambda m: "'…'" if m.group(1) in value else m.group(0), message)


def _entry(err: dict[str, Any]) -> dict[str, str | None]:
    field = _field(err.get("loc", ("body",)))
    message = plain(field, err, _message(err))
    if field == "body":  # a rule over several fields names the one at fault in its message
        named, rest = split_field(message)
        field, message = (named, rest) if named else (field, message)
    return error_entry(field, message)


def validation_entries(exc: RequestValidationError) -> list[dict[str, str | None]]:
    return [_entry(err) for err in exc.errors()]


def split_field(message: str) -> tuple[str | None, str]:
    """`"login: an account exists"` → `("login", "an account exists")`, as the repositories
    and validators phrase their messages."""
    match = _FIELD_MESSAGE.match(message)
    return (match.group(1), match.group(2)) if match else (None, message)


SEED_004_PREFIX = "/api/v1/booking/"


def _one_line(entries: list[dict[str, str | None]]) -> str:
    return "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"])
                     for e in entries)  # fmt: skip


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request,
    status_code: int,
    entries: list[dict[str, str | None]],
    headers: dict[str, str] | None = None,
) -> Response:
    if is_api(request) or request.url.path in ("/health", "/openapi.json"):
        body: dict[str, object] = {"detail": entries}
        if request.url.path.startswith(SEED_004_PREFIX):  # seed 004's shape: success, error
            body = {"success": False, "error": _one_line(entries), **body}
        return JSONResponse(body, status_code=status_code, headers=headers)
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {"status_code": status_code, "errors": entries},
        status_code=status_code,
        headers=headers,
    )


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 422, validation_entries(exc))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    field, message = split_field(str(exc.detail))
    return error_response(request, exc.status_code, [error_entry(field, message)], exc.headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    field = next(iter(request.path_params), None)  # the id in the path that names nothing
    return error_response(request, 404, [error_entry(field, str(exc))])


async def _conflict(request: Request, exc: Exception) -> Response:
    field, message = split_field(str(exc))
    return error_response(request, 409, [error_entry(field, message)])


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = "/setup" if exc.setup else "/login"
    if request.headers.get("HX-Request"):  # htmx swaps responses; make it navigate instead
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(LoginRequired, _login_required)
