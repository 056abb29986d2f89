"""What the /book steps render: partials, problems, slot buttons, the contact form."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from autobook.appointments import booking
from autobook.appointments.details import local_labels
from autobook.db import appointments as repo
from autobook.db.models import AppointmentType
from autobook.web.templating import TEMPLATES


async def request_time() -> datetime:
    """The request's "now" (async: FastAPI would run a plain function in its thread pool)."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(request_time)]


def partial(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def problem(request: Request, status_code: int, field: str | None, message: str) -> Response:
    errors = [{"field": field, "message": message}]
    return partial(request, "book_problem.html", status_code, errors=errors)


def guest_zone(name: str) -> ZoneInfo | None:
    """The guest's browser zone, when it names a real one."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def slot_views(starts: list[datetime], zone: ZoneInfo, guest: ZoneInfo | None) -> list[dict]:
    views = []
    for start in starts:
        view = {"value": start.isoformat(), "label": local_labels(start, zone)[1]}
        if guest is not None and guest.key != zone.key:
            theirs = start.astimezone(guest)
            if theirs.utcoffset() != start.astimezone(zone).utcoffset():
                view["guest_label"] = f"{theirs:%H:%M}"
        views.append(view)
    return views


def type_id_of(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 9:
        raise ValueError("type_id: choose one of the appointment types shown")
    return int(raw)


def slot_context(
    session: Session, kind: AppointmentType, day: date, *, now: datetime, tz: str
) -> dict[str, Any]:
    """What book_slots.html shows: the day's free slots in the owner's zone (and the guest's)."""
    zone = ZoneInfo(repo.page_settings(session).timezone)
    starts = booking.day_slots(session, kind, day, now=now)
    noon = datetime.combine(day, datetime.min.time(), zone)
    return {
        "kind": kind,
        "day": day,
        "day_label": local_labels(noon, zone)[0],
        "slots": slot_views(starts, zone, guest_zone(tz)),
        "zone": zone.key,
        "guest_zone": (guest_zone(tz) or zone).key,
    }


def slot_list(
    request: Request, session: Session, kind: AppointmentType, day: date, *, now: datetime,
    tz: str,
) -> Response:  # fmt: skip
    return partial(request, "book_slots.html", **slot_context(session, kind, day, now=now, tz=tz))


def form_partial(
    request: Request,
    session: Session,
    kind: AppointmentType,
    start: datetime,
    *,
    holder: str,
    tz: str,
    replaces: str,
    errors: list[dict[str, str | None]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    settings = repo.page_settings(session)
    zone = ZoneInfo(settings.timezone)
    day_label, time_label = local_labels(start, zone)
    return partial(
        request,
        "book_form.html",
        status_code,
        kind=kind,
        start=start.isoformat(),
        day_label=day_label,
        time_label=time_label,
        zone=zone.key,
        holder=holder,
        hold_seconds=settings.hold_seconds,
        tz=tz,
        replaces=replaces,
        errors=errors or [],
        by_field={e["field"]: e["message"] for e in errors or []},
        values=values or {},
    )


def date_step(
    request: Request, session: Session, kind: AppointmentType, *, now: datetime, tz: str = "",
    replaces: str = "", day: date | None = None, status_code: int = 200, taken: bool = False,
) -> Response:  # fmt: skip
    """Step 2: the date picker, and the slots of `day` when one is chosen."""
    first, last = booking.date_range(session, now)
    ctx: dict[str, Any] = {"kind": kind, "first": first, "last": last, "replaces": replaces}
    if day is not None:
        ctx |= slot_context(session, kind, day, now=now, tz=tz) | {"taken": taken}
    return partial(request, "book_date.html", status_code, **ctx)


def taken_partial(
    request: Request, session: Session, kind: AppointmentType, start: datetime, *,
    now: datetime, tz: str, replaces: str = "",
) -> Response:  # fmt: skip
    """409: "that time was just taken", with the date picker and the day's slots as they are."""
    day = start.astimezone(ZoneInfo(repo.page_settings(session).timezone)).date()
    return date_step(request, session, kind, now=now, tz=tz, replaces=replaces, day=day,
                     status_code=409, taken=True)  # fmt: skip
