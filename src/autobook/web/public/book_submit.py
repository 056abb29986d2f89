"""Step 3 of /book: the contact form submitted. Counted against the client's hourly limit
(in the database, so it holds across processes; the client is the address the trusted-proxy
middleware settled on), checked, then booked in one transaction (`appointments.booking.book`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from autobook.appointments import booking
from autobook.appointments.details import local_labels
from autobook.appointments.guest_form import FormErrors, read_guest_form
from autobook.appointments.notices import queue_booking_mails
from autobook.db import appointments as repo
from autobook.db.rate_limits import hit_and_count
from autobook.db.session import transaction
from autobook.domain.errors import NotFound
from autobook.runtime import Runtime
from autobook.web.public.book_views import (
    form_partial,
    partial,
    problem,
    taken_partial,
    type_id_of,
)

SUBMISSIONS_PER_HOUR = 10
RATE_BUCKET = "book_submit"
FORM_KEYS = ("name", "email", "phone", "notes")


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def submit_booking(
    request: Request, runtime: Runtime, form: dict[str, str], *, now: datetime
) -> Response:
    return await run_in_threadpool(_submit, request, runtime, form, now)


def _submit(request: Request, runtime: Runtime, form: dict[str, str], now: datetime) -> Response:
    with transaction(runtime.sessions) as session:  # committed even if the booking fails
        count = hit_and_count(
            session, bucket=RATE_BUCKET, client=client_of(request), now=now,
            period=timedelta(hours=1),
        )  # fmt: skip
    if count > SUBMISSIONS_PER_HOUR:
        return problem(
            request, 429, None,
            f"too many bookings from your network: at most {SUBMISSIONS_PER_HOUR} an hour; "
            "try again later",
        )  # fmt: skip
    tz, replaces, holder = form.get("tz", ""), form.get("replaces", ""), form.get("holder", "")
    with transaction(runtime.sessions) as session:
        try:
            kind = repo.active_type(session, type_id_of(form.get("type_id", "")))
            start = booking.parse_start(form.get("start", ""))
        except NotFound as exc:
            return problem(request, 404, "type_id", str(exc).partition(": ")[2])
        except ValueError as exc:
            return problem(request, 422, "start", str(exc).partition(": ")[2])
        try:
            details = read_guest_form(form, kind.custom_fields or [])
        except FormErrors as exc:
            errors = [{"field": f, "message": m} for f, m in exc.errors]
            values = {k: v for k, v in form.items() if k in FORM_KEYS or k.startswith("field_")}
            return form_partial(
                request, session, kind, start, holder=holder, tz=tz, replaces=replaces,
                errors=errors, values=values, status_code=422,
            )  # fmt: skip
    repo.ensure_settings(runtime.sessions)
    try:
        with transaction(runtime.sessions) as session:
            appointment, token = booking.book(
                session, kind, start, details, holder_token=holder, now=now,
                guest_timezone=tz[:64], replaces=replaces or None,
            )  # fmt: skip
            settings = repo.page_settings(session)
            queue_booking_mails(session, appointment, kind, settings, token=token,
                                base_url=str(request.base_url), now=now)  # fmt: skip
    except booking.SlotTaken:
        with transaction(runtime.sessions) as session:
            return taken_partial(request, session, kind, start, now=now, tz=tz, replaces=replaces)
    except (booking.TooLate, NotFound) as exc:
        return problem(request, 409, "replaces", str(exc).partition(": ")[2])
    day_label, time_label = local_labels(start, ZoneInfo(settings.timezone))
    return partial(
        request, "book_done.html", appointment=appointment, kind=kind, token=token,
        day_label=day_label, time_label=time_label, zone=settings.timezone,
        owner_name=settings.owner_name,
    )  # fmt: skip
