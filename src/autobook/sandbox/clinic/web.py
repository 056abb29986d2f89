"""What every widget page shares: the templates, URLs of the steps, the step guard and the
HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from autobook.sandbox.clinic.catalog import CLINIC_NAME, day_label, money, time_label
from autobook.sandbox.clinic.desk import FrontDesk, SessionGone
from autobook.sandbox.clinic.sessions import STEPS, WidgetSession
from autobook.sandbox.core import ADMIN_PREFIX

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(
    clinic_name=CLINIC_NAME, steps=STEPS, money=money, time_label=time_label, day_label=day_label
)


def get_desk(request: Request) -> FrontDesk:
    return request.app.state.desk


DeskDep = Annotated[FrontDesk, Depends(get_desk)]


def current_session(sid: str, desk: DeskDep) -> WidgetSession:
    """The live session named in the URL path (its idle timer restarted), else SessionGone."""
    return desk.open_session(sid)


SessionDep = Annotated[WidgetSession, Depends(current_session)]


def step_url(session_id: str, step: int) -> str:
    return f"/book/s/{session_id}/step/{step}"


def confirmation_url(session_id: str) -> str:
    return f"/book/s/{session_id}/confirmation"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def guard(session: WidgetSession, step: int) -> Response | None:
    """Send a finished booking to its confirmation, and a skipped step to the first open one."""
    if session.status == "completed":
        return see_other(confirmation_url(session.id))
    if step > session.next_step():
        return see_other(step_url(session.id, session.next_step()))
    return None


def render(request: Request, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    # faults.site_changed: templates render the "redesigned" markup (renamed key elements).
    context.setdefault("site_changed", get_desk(request).site.faults.site_changed)
    return templates.TemplateResponse(request, name, context, status_code=status)


def message_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "message.html", status=status, title=title, message=message)


async def session_gone(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SessionGone)
    title = "Session Expired" if exc.status == 410 else "Page Not Found"
    return message_page(request, exc.status, title, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    """HTML error pages for the widget; the admin API keeps FastAPI's JSON errors."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(ADMIN_PREFIX):
        return await http_exception_handler(request, exc)
    title = "Page Not Found" if exc.status_code == 404 else "Something Went Wrong"
    message = "We couldn't find that page." if exc.status_code == 404 else str(exc.detail)
    return message_page(request, exc.status_code, title, message)
