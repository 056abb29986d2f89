"""The public booking page, `/book`: three htmx steps with no full reload — the appointment
types, a date and its free slots (`GET /book/slots`, a partial), the contact form — then the
confirmation. Answers a step can't take (a bad date, a taken slot, the rate limit) come back
as partials with 404/409/422/429, which the page's htmx config swaps in like any other."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from autobook.appointments import booking
from autobook.db import appointments as repo
from autobook.db.models import AppointmentType
from autobook.db.session import transaction
from autobook.domain.errors import NotFound
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import RuntimeDep
from autobook.web.public.book_submit import submit_booking
from autobook.web.public.book_views import (
    Now,
    date_step,
    form_partial,
    partial,
    problem,
    slot_list,
    taken_partial,
    type_id_of,
)

router = APIRouter(prefix="/book", include_in_schema=False)


@router.get("")
def book_page(request: Request, runtime: RuntimeDep, now: Now, replaces: str = "") -> Response:
    repo.ensure_settings(runtime.sessions)
    with transaction(runtime.sessions) as session:
        settings = repo.page_settings(session)
        types = repo.active_types(session)
        context = {"types": types, "owner_name": settings.owner_name, "replaces": ""}
        if replaces:
            context.update(_rescheduling(session, replaces, now))
    return partial(request, "book_page.html", **context)


def _rescheduling(session: Session, token: str, now: datetime) -> dict[str, Any]:
    """A reschedule link offers only the appointment's own type."""
    try:
        appointment = repo.appointment_by_token(session, token)
        booking.check_changeable(session, appointment, now=now)
    except (NotFound, booking.TooLate) as exc:
        return {"types": [], "manage_error": str(exc).partition(": ")[2]}
    kind = session.get(AppointmentType, appointment.appointment_type_id)
    return {"types": [kind] if kind and kind.active else [], "replaces": token}


@router.get("/types/{type_id}")
def choose_type(
    request: Request, runtime: RuntimeDep, type_id: str, now: Now, replaces: str = ""
) -> Response:
    with transaction(runtime.sessions) as session:
        try:
            kind = repo.active_type(session, type_id_of(type_id))
        except (NotFound, ValueError) as exc:
            return problem(request, 404, "type_id", str(exc).partition(": ")[2])
        return date_step(request, session, kind, now=now, replaces=replaces)


@router.get("/slots")
def slots(
    request: Request,
    runtime: RuntimeDep,
    now: Now,
    type_id: Annotated[str, Query()] = "",
    date_: Annotated[str, Query(alias="date")] = "",
    tz: Annotated[str, Query()] = "",
) -> Response:
    """The free slots of one day for one type, as buttons (an htmx partial)."""
    with transaction(runtime.sessions) as session:
        try:
            kind = repo.active_type(session, type_id_of(type_id))
        except (NotFound, ValueError) as exc:
            return problem(request, 404, "type_id", str(exc).partition(": ")[2])
        try:
            day = date.fromisoformat(date_)
        except ValueError:
            return problem(request, 422, "date", "pick a date (YYYY-MM-DD)")
        first, last = booking.date_range(session, now)
        if not first <= day <= last:
            return problem(
                request, 422, "date", f"pick a date from {first:%d %B %Y} to {last:%d %B %Y}"
            )
        return slot_list(request, session, kind, day, now=now, tz=tz)


@router.post("/reserve", dependencies=[CsrfChecked])
def reserve(
    request: Request,
    runtime: RuntimeDep,
    now: Now,
    type_id: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    tz: Annotated[str, Form()] = "",
    replaces: Annotated[str, Form()] = "",
) -> Response:
    """Picking a slot holds it for this guest for a short while and shows the contact form."""
    repo.ensure_settings(runtime.sessions)
    with transaction(runtime.sessions) as session:
        try:
            kind = repo.active_type(session, type_id_of(type_id))
            when = booking.parse_start(start)
        except NotFound as exc:
            return problem(request, 404, "type_id", str(exc).partition(": ")[2])
        except ValueError as exc:
            return problem(request, 422, "start", str(exc).partition(": ")[2])
        try:
            with session.begin_nested():
                holder = booking.reserve_slot(session, kind, when, now=now)
        except booking.SlotTaken:
            return taken_partial(request, session, kind, when, now=now, tz=tz, replaces=replaces)
        return form_partial(request, session, kind, when, holder=holder, tz=tz, replaces=replaces)


@router.post("/submit", dependencies=[CsrfChecked])
async def submit(request: Request, runtime: RuntimeDep, now: Now) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await submit_booking(request, runtime, form, now=now)
