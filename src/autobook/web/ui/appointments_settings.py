"""/appointments/settings: the public page's settings (time zone, notice, window, cutoff,
owner, addresses, notifications), how mail leaves (SMTP or Resend; secrets to the vault),
the calendars with their connection status, and the private ICS feed's secret URL."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from autobook.appointments import admin
from autobook.appointments.feed import new_feed_token
from autobook.db import appointments as repo
from autobook.db import calendars as stored
from autobook.db.models import CalendarConnection
from autobook.domain.errors import NotFound
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.errors import error_entry
from autobook.web.ui.appointments_admin import parse
from autobook.web.ui.common import ErrorList, back_to, errors_by_field, form_errors, render

router = APIRouter(prefix="/appointments", include_in_schema=False)
Checked = [CsrfChecked]
SECURITY = ("starttls", "ssl", "none")


def settings_page(request: Request, session: Session, admin_user: Any, *, status_code: int = 200,
                  errors: ErrorList | None = None, feed_url: str = "") -> Response:  # fmt: skip
    return render(request, "appt_settings.html", status_code=status_code, user=admin_user,
                  active="appointments", s=repo.page_settings(session),
                  calendars=stored.connections(session), errors=errors or [],
                  fe=errors_by_field(errors or []), feed_url=feed_url,
                  google_ready=bool(request.app.state.runtime.settings.google_client_id),
                  base_url=str(request.base_url).rstrip("/"))  # fmt: skip


@router.get("/settings")
def page(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    return settings_page(request, session, admin_user)


@router.post("/settings", dependencies=Checked)
async def save(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    data: dict[str, Any] = {k: form.get(k, "") for k in admin.PageSettingsIn.model_fields}
    data["notifications_enabled"] = "notifications_enabled" in form
    try:
        admin.save_settings(session, parse(admin.PageSettingsIn, data))
    except (ValidationError, ValueError) as exc:
        return settings_page(request, session, admin_user, status_code=422, errors=form_errors(exc))
    return back_to("/appointments/settings")


@router.post("/mail", dependencies=Checked)
def save_mail(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin_user: CurrentAdmin,
    mail_transport: Annotated[str, Form()] = "",
    smtp_host: Annotated[str, Form(max_length=255)] = "",
    smtp_port: Annotated[str, Form()] = "587",
    smtp_security: Annotated[str, Form()] = "starttls",
    smtp_username: Annotated[str, Form(max_length=255)] = "",
    smtp_password: Annotated[str, Form(max_length=500)] = "",
    resend_api_key: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Empty secret fields keep the stored secret (the page never shows it back)."""
    errors = []
    if mail_transport not in ("", "smtp", "resend"):
        errors.append(error_entry("mail_transport", "choose SMTP, Resend or none"))
    if smtp_security not in SECURITY:
        errors.append(error_entry("smtp_security", "choose starttls, ssl or none"))
    if not smtp_port.isdigit() or not 1 <= int(smtp_port) <= 65535:
        errors.append(error_entry("smtp_port", "must be a port number from 1 to 65535"))
    if mail_transport == "smtp" and not smtp_host.strip():
        errors.append(error_entry("smtp_host", "is required for SMTP"))
    if errors:
        return settings_page(request, session, admin_user, status_code=422, errors=errors)
    s = repo.page_settings(session)
    s.mail_transport, s.smtp_host, s.smtp_port = mail_transport, smtp_host.strip(), int(smtp_port)
    s.smtp_security, s.smtp_username = smtp_security, smtp_username.strip()
    if smtp_password:
        s.smtp_password_enc = runtime.vault.encrypt(smtp_password)
    if resend_api_key:
        s.resend_api_key_enc = runtime.vault.encrypt(resend_api_key)
    return back_to("/appointments/settings#mail")


@router.post("/calendars", dependencies=Checked)
def add_calendar(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin_user: CurrentAdmin,
    kind: Annotated[str, Form()] = "",
    url: Annotated[str, Form(max_length=500)] = "",
    username: Annotated[str, Form(max_length=255)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    writes_events: Annotated[str, Form()] = "",
) -> Response:
    url = url.strip()
    if kind not in ("caldav", "ics"):
        errors = [error_entry("kind", "choose CalDAV or an ICS feed")]
    elif not url.startswith(("https://", "http://")):
        errors = [error_entry("url", "must be an http(s) URL")]
    else:
        errors = []
    if errors:
        return settings_page(request, session, admin_user, status_code=422, errors=errors)
    writes = kind == "caldav" and bool(writes_events) and stored.event_writer(session) is None
    session.add(CalendarConnection(kind=kind, name=kind, url=url, username=username.strip(),
                                   secret_enc=runtime.vault.encrypt(password) if password else None,
                                   writes_events=writes))  # fmt: skip
    return back_to("/appointments/settings#calendars")


@router.post("/calendars/{connection_id}/delete", dependencies=Checked)
def remove_calendar(session: SessionDep, admin_user: CurrentAdmin, connection_id: int) -> Response:
    with contextlib.suppress(NotFound):
        admin.remove(session, CalendarConnection, connection_id, "connection_id")
    return back_to("/appointments/settings#calendars")


@router.post("/feed", dependencies=Checked)
def new_feed(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    """A new secret feed URL, shown once (only its hash is kept)."""
    token = new_feed_token(session)
    feed_url = f"{str(request.base_url).rstrip('/')}/calendar/{token}.ics"
    return settings_page(request, session, admin_user, feed_url=feed_url)
