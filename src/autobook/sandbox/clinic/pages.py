"""The clinic's home page and steps 1–3 of the widget: service, provider, date and time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from autobook.sandbox.clinic.catalog import (
    ANY_PROVIDER,
    SERVICE_BY_ID,
    SERVICES,
    TZ,
    providers_for,
)
from autobook.sandbox.clinic.desk import FrontDesk, SlotRefused
from autobook.sandbox.clinic.sessions import WidgetSession, parse_day
from autobook.sandbox.clinic.web import (
    DeskDep,
    SessionDep,
    guard,
    message_page,
    render,
    see_other,
    step_url,
)

STRIP_DAYS = 7  # the date picker shows a week at a time


router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html", services=SERVICES)


@router.get("/book")
def start(desk: DeskDep) -> Response:
    return see_other(step_url(desk.new_session().id, 1))


@router.get("/book/s/{sid}/step/1")
def service_page(request: Request, session: SessionDep) -> Response:
    return guard(session, 1) or _service(request, session)


@router.post("/book/s/{sid}/step/1")
def choose_service(
    request: Request, desk: DeskDep, session: SessionDep, service: Annotated[str, Form()] = ""
) -> Response:
    if redirect := guard(session, 1):
        return redirect
    try:
        desk.choose_service(session, service)
    except ValueError as exc:
        return _service(request, session, error=str(exc), status=422)
    return see_other(step_url(session.id, 2))


@router.get("/book/s/{sid}/step/2")
def provider_page(request: Request, session: SessionDep) -> Response:
    return guard(session, 2) or _provider(request, session)


@router.post("/book/s/{sid}/step/2")
def choose_provider(
    request: Request, desk: DeskDep, session: SessionDep, provider: Annotated[str, Form()] = ""
) -> Response:
    if redirect := guard(session, 2):
        return redirect
    try:
        desk.choose_provider(session, provider)
    except ValueError as exc:
        return _provider(request, session, error=str(exc), status=422)
    return see_other(step_url(session.id, 3))


@router.get("/book/s/{sid}/step/3")
def datetime_page(request: Request, desk: DeskDep, session: SessionDep, date: str = "") -> Response:
    if redirect := guard(session, 3):
        return redirect
    try:
        day = parse_day(date) if date else _default_day(desk, session)
    except ValueError:
        return message_page(request, 400, "Invalid Date", "That date isn't valid.")
    return render(request, "step_datetime.html", **_datetime_context(desk, session, day))


@router.post("/book/s/{sid}/step/3")
def choose_time(
    request: Request,
    desk: DeskDep,
    session: SessionDep,
    date: Annotated[str, Form()] = "",
    time: Annotated[str, Form()] = "",
) -> Response:
    if redirect := guard(session, 3):
        return redirect
    day = _safe_day(date, desk, session)
    start = _start_at(day, time)
    if start is None:
        ctx = _datetime_context(desk, session, day)
        msg = "Please select a time to continue."
        return render(request, "step_datetime.html", status=422, error=msg, **ctx)
    try:
        desk.hold(session, start)
    except SlotRefused as exc:
        ctx = _datetime_context(desk, session, day)
        return render(request, "step_datetime.html", status=409, error=str(exc), **ctx)
    return see_other(step_url(session.id, 4))


def _service(
    request: Request, session: WidgetSession, *, error: str = "", status: int = 200
) -> Response:
    categories: dict[str, list[Any]] = {}
    for service in SERVICES:
        categories.setdefault(service.category, []).append(service)
    return render(
        request, "step_service.html", status=status, session=session, step=1,
        categories=categories, error=error,
    )  # fmt: skip


def _provider(
    request: Request, session: WidgetSession, *, error: str = "", status: int = 200
) -> Response:
    return render(
        request, "step_provider.html", status=status, session=session, step=2,
        service=SERVICE_BY_ID[session.service_id],
        providers=providers_for(session.service_id), any_provider=ANY_PROVIDER, error=error,
    )  # fmt: skip


def _start_at(day: date, time_text: str) -> datetime | None:
    """The local start chosen at step 3 (`HH:MM`), or None when missing or malformed."""
    try:
        return datetime.combine(day, time.fromisoformat(time_text), TZ)
    except ValueError:
        return None


def _safe_day(text: str, desk: FrontDesk, session: WidgetSession) -> date:
    try:
        return parse_day(text)
    except ValueError:
        return _default_day(desk, session)


def _default_day(desk: FrontDesk, session: WidgetSession) -> date:
    """The held slot's day, else the first day with a free time, else today."""
    if session.start is not None:
        return session.start.astimezone(TZ).date()
    today = desk.today()
    for offset in range(desk.window_days + 1):
        day = today + timedelta(days=offset)
        if desk.times_on(session, day):
            return day
    return today


def _datetime_context(desk: FrontDesk, session: WidgetSession, day: date) -> dict[str, Any]:
    """The week strip around `day`, its free times and what to say when there are none."""
    today, last = desk.today(), desk.last_open_day()
    page = max((day - today).days, 0) // STRIP_DAYS
    first = today + timedelta(days=page * STRIP_DAYS)
    strip = []
    for i in range(STRIP_DAYS):
        d = first + timedelta(days=i)
        strip.append({"date": d, "open": d <= last, "free": bool(desk.times_on(session, d))})
    return {
        "session": session, "step": 3, "service": SERVICE_BY_ID[session.service_id],
        "day": day, "strip": strip, "times": desk.times_on(session, day),
        "not_yet_open": day > last, "opens_at": desk.opens_at(day), "past": day < today,
        "prev_day": first - timedelta(days=STRIP_DAYS) if page > 0 else None,
        "next_day": first + timedelta(days=STRIP_DAYS)
        if first + timedelta(days=STRIP_DAYS) <= last else None,
        "selected": session.start, "window_days": desk.window_days,
    }  # fmt: skip
