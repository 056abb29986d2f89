"""What every page of the members' site shares: templates, the member's session, redirects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from autobook.sandbox.estelle.sessions import COOKIE, Session

if TYPE_CHECKING:
    from autobook.sandbox.estelle.site import EstelleSim

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
STATIC_DIR = HERE / "static"
LOGIN_PATH = "/page/login"


def member_session(sim: EstelleSim, request: Request) -> Session | None:
    """The logged-in session of this request; with `expire_sessions` every session is dead."""
    with sim.lock:
        session = sim.club.sessions.get(request.cookies.get(COOKIE))
        if session is not None and sim.faults.expire_sessions:
            sim.club.sessions.drop(session.sid)
            sim.events.record("fault", path=request.url.path, detail={"fault": "expire_session"})
            return None
        return session


def to_login() -> RedirectResponse:
    return RedirectResponse(LOGIN_PATH, status_code=302)


def to_home(status_code: int = 302) -> RedirectResponse:
    """Where the real site sends a browser that skipped the click-through."""
    return RedirectResponse("/", status_code=status_code)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    return TEMPLATES.TemplateResponse(request, name, context or {}, status_code=status_code)
