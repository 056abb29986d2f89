"""The click-through to availability: Book Now → Padel Courts → month / BOOK - 1Hr → dates.

Each page answers only a browser that clicked its way here in this session (see sessions.py);
anyone else is sent to the home page, as the real site did.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from autobook.sandbox.estelle import schedule
from autobook.sandbox.estelle.club import CAPACITY, MSG_NOT_RELEASED
from autobook.sandbox.estelle.model import SERVICE_ID, parse_uk_date
from autobook.sandbox.estelle.sessions import PATHS, came_through, fetched_from
from autobook.sandbox.estelle.web_common import member_session, render, to_home, to_login

if TYPE_CHECKING:
    from autobook.sandbox.estelle.site import EstelleSim

MSG_BAD_DATE = "Please enter a valid date in the format DD/MM/YYYY."
MSG_PAST_DATE = "Please select a date from today onwards."
MSG_NONE_LEFT = "There is no availability for the selected date. Please try another date."


def funnel_router(sim: EstelleSim) -> APIRouter:
    r = APIRouter()

    def enter(request: Request, page: str, template: str, context: dict[str, Any]) -> Response:
        session = member_session(sim, request)
        if session is None:
            return to_login()
        with sim.lock:
            if sim.club.rules.bot_detection and not came_through(session, page, request):
                sim.events.record("bot_redirect", actor=session.email, path=request.url.path)
                return to_home()
            session.trail.add(page)
        return render(request, template, context)

    @r.get(PATHS["book"])
    def book_now(request: Request) -> Response:
        return enter(request, "book", "book.html", {})

    @r.get(PATHS["padel"])
    def padel(request: Request) -> Response:
        with sim.lock:
            months = schedule.bookable_months(sim.clock.now(), sim.club.rules)
        return enter(request, "padel", "padel.html", {"months": months, "service": SERVICE_ID})

    @r.get(PATHS["availability"])
    def availability_page(request: Request, month: str = "") -> Response:
        with sim.lock:
            start = first_day(sim, month)
        context = {"from_date": start.strftime("%d/%m/%Y"), "service": SERVICE_ID}
        return enter(request, "availability", "availability.html", context)

    @r.get(f"/spa/{SERVICE_ID}/availability")
    def availability(request: Request, from_date: str = "") -> Response:
        session = member_session(sim, request)
        if session is None:
            return to_login()
        with sim.lock:
            if sim.club.rules.bot_detection and not fetched_from(session, "availability", request):
                sim.events.record("bot_redirect", actor=session.email, path=request.url.path)
                return to_home()
            context, status = slot_cards(sim, from_date)
        return render(request, "_slots.html", context, status)

    return r


def first_day(sim: EstelleSim, month: str) -> date:
    """Today, or the first bookable date of `month` ("YYYY-MM") when a month button was used."""
    now = sim.clock.now()
    for _name, day in schedule.bookable_months(now, sim.club.rules):
        if day.strftime("%Y-%m") == month:
            return day
    return schedule.today(now)


def slot_cards(sim: EstelleSim, from_date: str) -> tuple[dict[str, Any], int]:
    """The cards (or the message) for one date, and the status code to answer with."""
    club, now = sim.club, sim.clock.now()
    try:
        day = parse_uk_date(from_date)
    except ValueError:
        return {"message": MSG_BAD_DATE, "cards": []}, 400
    shown = {"day": day.strftime("%d/%m/%Y"), "cards": []}
    if day < schedule.today(now):
        return {**shown, "message": MSG_PAST_DATE}, 200
    if not schedule.is_released(day, now, club.rules):
        message = MSG_NOT_RELEASED.format(days=club.rules.days_ahead)
        return {**shown, "message": message}, 200
    cards = [
        {"slot": s, "booked": club.booked_count(s), "total": CAPACITY} for s in club.open_slots(day)
    ]
    if not cards:
        return {**shown, "message": MSG_NONE_LEFT}, 200
    # A redesign renames the cards' class: what the engine's SiteChanged path must notice.
    redesign = sim.faults.site_changed
    if redesign:
        detail = {"fault": "site_changed", "renamed": "div.cardBtn-bd"}
        sim.events.record("fault", path=f"/spa/{SERVICE_ID}/availability", detail=detail)
    return {**shown, "cards": cards, "message": "", "redesign": redesign}, 200
