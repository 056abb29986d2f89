"""Pick a card → confirm → confirmation. Members are billed to their account: no card step."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from autobook.sandbox.estelle.club import BookingError
from autobook.sandbox.estelle.model import SERVICE_ID, Booking, Slot
from autobook.sandbox.estelle.sessions import PATHS, Session, came_through, fetched_from
from autobook.sandbox.estelle.web_common import member_session, render, to_home, to_login

if TYPE_CHECKING:
    from autobook.sandbox.estelle.site import EstelleSim

MSG_BAD_SLOT = "Sorry, we couldn't find that time slot. Please go back and choose another."
MSG_DROPPED = "Sorry, this slot is no longer available. Please choose another time."
MSG_TOO_FAST = (
    "We were unable to process your booking. Please return to the home page and try again."
)


def checkout_router(sim: EstelleSim) -> APIRouter:
    r = APIRouter()

    @r.get(PATHS["confirm"])
    def confirm_page(request: Request, slot: str = "") -> Response:
        session = member_session(sim, request)
        if session is None:
            return to_login()
        with sim.lock:
            if sim.club.rules.bot_detection and not came_through(session, "confirm", request):
                sim.events.record("bot_redirect", actor=session.email, path=request.url.path)
                return to_home()
            session.trail.add("confirm")
            context, status = confirm_context(sim, session, slot)
        # The page itself loads fine when the slot can't be booked; only a bad link is an error.
        return render(request, "confirm.html", context, 400 if status == 400 else 200)

    @r.post(f"/spa/{SERVICE_ID}/book")
    async def book(request: Request) -> Response:
        form = await request.form()
        session = member_session(sim, request)
        if session is None:
            return RedirectResponse("/page/login", status_code=303)
        key, view = str(form.get("slot") or ""), str(form.get("view") or "")
        with sim.lock:
            if sim.club.rules.bot_detection and not fetched_from(session, "confirm", request):
                sim.events.record("bot_redirect", actor=session.email, path=request.url.path)
                return to_home(303)
            try:
                booking = place(sim, session, key, view)
            except BookingError as error:
                sim.club.reject(session.email, key, error)
                context, _ = confirm_context(sim, session, key)
                context["error"] = error.message
                return render(request, "confirm.html", context, error.status)
        return RedirectResponse(f"/spa/booking/{booking.reference}", status_code=303)

    @r.get("/spa/booking/{reference}")
    def confirmation(request: Request, reference: str) -> Response:
        session = member_session(sim, request)
        if session is None:
            return to_login()
        with sim.lock:
            booking = sim.club.bookings.get(reference)
            if booking is None or booking.member != session.email:
                return render(request, "error.html", {"code": 404}, 404)
        return render(request, "confirmation.html", {"booking": booking})

    return r


def confirm_context(sim: EstelleSim, session: Session, key: str) -> tuple[dict[str, Any], int]:
    """What the confirm page shows for `key`; an error instead of the button when not bookable."""
    try:
        slot = Slot.parse(key)
    except ValueError:
        return {"slot": None, "error": MSG_BAD_SLOT}, 400
    context: dict[str, Any] = {"slot": slot, "price": sim.club.rules.price_gbp, "error": ""}
    try:
        sim.club.check(slot, session.email)
    except BookingError as error:
        return {**context, "error": error.message, "blocked": True}, error.status
    return {**context, "view": session.new_view()}, 200


def place(sim: EstelleSim, session: Session, key: str, view: str) -> Booking:
    """Book `key` for the session's member, or raise BookingError with the site's message."""
    try:
        slot = Slot.parse(key)
    except ValueError as exc:
        raise BookingError("bad_slot", MSG_BAD_SLOT, 400) from exc
    loaded = session.views.get(view)
    min_s = sim.club.rules.min_confirm_ms / 1000
    if min_s and (loaded is None or time.monotonic() - loaded < min_s):
        raise BookingError("too_fast", MSG_TOO_FAST, 403)
    if sim.roll(sim.faults.drop_cart_rate):
        sim.events.record("fault", slot=key, detail={"fault": "drop_cart"})
        raise BookingError("dropped", MSG_DROPPED, 409)
    return sim.club.book(slot, session.email, "web")
