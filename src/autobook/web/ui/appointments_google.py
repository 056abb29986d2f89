"""Connecting Google Calendar (seed 003): `/admin/google/authorize` sends the admin to
Google's consent page, `/admin/google/callback` takes the code back, trades it for a refresh
token and stores that encrypted in the vault. The OAuth `state` is the admin's CSRF token,
so a callback started by anyone else is refused."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from autobook.appointments.calendars import CalendarError
from autobook.appointments.calendars.google import authorize_url, exchange_code
from autobook.db import calendars as stored
from autobook.db.models import CalendarConnection
from autobook.db.session import transaction
from autobook.web.csrf import csrf_token
from autobook.web.deps import CurrentAdmin, RuntimeDep, SettingsDep

router = APIRouter(prefix="/admin/google", include_in_schema=False)


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("google_callback"))


@router.get("/authorize")
def google_authorize(request: Request, settings: SettingsDep, admin: CurrentAdmin) -> Response:
    if not settings.google_client_id:
        raise HTTPException(409, "google: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET first")
    target = authorize_url(settings, redirect_uri=_redirect_uri(request), state=csrf_token(request))
    return RedirectResponse(target, status_code=303)


@router.get("/callback", name="google_callback")
async def google_callback(
    request: Request, runtime: RuntimeDep, admin: CurrentAdmin, code: str = "", state: str = ""
) -> Response:
    if not secrets.compare_digest(state.encode(), csrf_token(request).encode()):
        raise HTTPException(403, "state: this sign-in was not started from this browser")
    if not code or len(code) > 2000:
        raise HTTPException(422, "code: Google sent no authorization code")
    try:
        token = await run_in_threadpool(
            exchange_code, runtime.settings, code=code, redirect_uri=_redirect_uri(request)
        )
    except CalendarError as exc:
        raise HTTPException(502, f"google: {exc}") from None
    with transaction(runtime.sessions) as session:
        writes = stored.event_writer(session) is None
        session.add(CalendarConnection(kind="google", name="Google Calendar", calendar_id="primary",
                                       secret_enc=runtime.vault.encrypt(token),
                                       writes_events=writes))  # fmt: skip
    return RedirectResponse("/appointments/settings#calendars", status_code=303)
