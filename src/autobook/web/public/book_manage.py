"""The guest's own links: `/book/manage/{token}` shows the appointment with cancel and
reschedule, `/book/manage/{token}/event.ics` adds it to a calendar. The token is the only key
(32 random bytes; only its sha256 is stored); the cutoff before the start is enforced."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from autobook.appointments import booking
from autobook.appointments.details import guest_ics, local_labels
from autobook.appointments.notices import queue_cancellation_mail
from autobook.db import appointments as repo
from autobook.db.models import AppointmentType
from autobook.db.session import transaction
from autobook.domain.errors import NotFound
from autobook.domain.text import text_error
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import RuntimeDep
from autobook.web.public.book_views import Now, partial

router = APIRouter(prefix="/book/manage", include_in_schema=False)
MAX_REASON = 500


def _page(
    request: Request, runtime: RuntimeDep, token: str, now: datetime, **extra: Any
) -> Response:
    with transaction(runtime.sessions) as session:
        try:
            appointment = repo.appointment_by_token(session, token)
        except NotFound:
            return partial(request, "book_manage.html", 404, missing=True)
        kind = session.get(AppointmentType, appointment.appointment_type_id)
        settings = repo.page_settings(session)
        try:
            booking.check_changeable(session, appointment, now=now)
            locked = ""
        except booking.TooLate as exc:
            locked = str(exc).partition(": ")[2]
        day_label, time_label = local_labels(
            appointment.start_datetime, ZoneInfo(settings.timezone)
        )
        return partial(
            request, "book_manage.html", extra.pop("status_code", 200), appointment=appointment,
            kind=kind, token=token, day_label=day_label, time_label=time_label,
            zone=settings.timezone, locked=locked, owner_name=settings.owner_name, **extra,
        )  # fmt: skip


@router.get("/{token}")
def manage(request: Request, runtime: RuntimeDep, token: str, now: Now) -> Response:
    return _page(request, runtime, token, now)


@router.post("/{token}/cancel", dependencies=[CsrfChecked])
def cancel(
    request: Request,
    runtime: RuntimeDep,
    token: str,
    now: Now,
    reason: Annotated[str, Form()] = "",
) -> Response:
    reason = reason.strip()
    if len(reason) > MAX_REASON or text_error(reason):
        message = f"must be at most {MAX_REASON} characters, without control characters"
        return _page(request, runtime, token, now, status_code=422,
                     errors=[{"field": "reason", "message": message}])  # fmt: skip
    try:
        with transaction(runtime.sessions) as session:
            appointment = booking.cancel_by_guest(session, token, now=now, reason=reason)
            kind = session.get(AppointmentType, appointment.appointment_type_id)
            assert kind is not None
            queue_cancellation_mail(session, appointment, kind, repo.page_settings(session),
                                    base_url=str(request.base_url), now=now)  # fmt: skip
    except NotFound:
        return partial(request, "book_manage.html", 404, missing=True)
    except booking.TooLate as exc:
        errors = [{"field": None, "message": str(exc).partition(": ")[2]}]
        return _page(request, runtime, token, now, status_code=409, errors=errors)
    return _page(request, runtime, token, now, just_cancelled=True)


@router.get("/{token}/event.ics")
def event_ics(request: Request, runtime: RuntimeDep, token: str, now: Now) -> Response:
    with transaction(runtime.sessions) as session:
        try:
            appointment = repo.appointment_by_token(session, token)
        except NotFound:
            return partial(request, "book_manage.html", 404, missing=True)
        kind = session.get(AppointmentType, appointment.appointment_type_id)
        assert kind is not None
        owner = repo.page_settings(session).owner_name
        body = guest_ics(appointment, kind, now=now, owner_name=owner)
    return Response(
        body,
        media_type="text/calendar",
        headers={"content-disposition": 'attachment; filename="appointment.ics"'},
    )
