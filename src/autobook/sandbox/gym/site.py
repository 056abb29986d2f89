"""Simulator of the members-only gym of seed 002 (vendor unknown): locations Fitness, X1 and X3
(X1/X3 with sub-locations A and B), hourly slots that unlock a fixed time before they start,
a per-member daily booking limit, a members' web UI and the JSON API its front end uses.

One origin ("web") serves the pages (`/login`, `/book`, `/bookings`), the JSON API (`/api/…`,
documented in `api.py`) and the sandbox admin (`/_sandbox/…`, `/_sandbox/gym/…`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from autobook.sandbox.core import SimSite
from autobook.sandbox.gym.admin import gym_admin_router
from autobook.sandbox.gym.api import api_router
from autobook.sandbox.gym.errors import install_error_handlers
from autobook.sandbox.gym.model import Booking, GymError, Member, SlotRef, parse_key
from autobook.sandbox.gym.seeds import DEMO_MEMBERS, add_demo_members, fill_released
from autobook.sandbox.gym.state import GymState, Session
from autobook.sandbox.gym.web import web_router

DEMO_USERS: list[tuple[str, str]] = [(email, password) for email, password, _ in DEMO_MEMBERS]
SEEDS = ("demo", "quiet")  # quiet: the demo members and an empty timetable
STATIC_DIR = Path(__file__).parent / "static"


class GymSim(SimSite):
    name = "gym"
    origins = ("web",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = GymState()

    # --- SimSite hooks --------------------------------------------------------------------
    def reset(self) -> None:
        self.state = GymState()

    def seed(self, name: str) -> None:
        if name not in SEEDS:
            raise KeyError(name)
        self.reset()
        add_demo_members(self.state)
        if name == "demo" and self.background:
            fill_released(self.state, self.clock.now(), self.rng)

    def competitor_grab(self, actor: str, targets: list[str]) -> str | None:
        now = self.clock.now()
        if targets:
            wanted = [s for s in map(parse_key, targets) if s is not None]
        else:
            wanted = self.state.released_slots(now)
        for slot in wanted:
            try:
                self.state.check_bookable(actor, slot, now)
            except GymError:
                continue
            self._confirm(actor, slot, "competitor")
            return slot.key
        return None

    def free_at(self, day: date, start: time) -> int:
        now, freed = self.clock.now(), 0
        with self.lock:
            for booking in list(self.state.bookings.values()):
                slot, live = booking.slot, booking.status == "confirmed"
                others = booking.member not in self.state.members
                at = slot.day == day and slot.time == f"{start:%H:%M}" and now < slot.starts_at
                if at and live and others:
                    self.state.cancel(booking, now)
                    freed += 1
        return freed

    def cancel_random(self) -> str | None:
        """Another member cancels: frees a place held by someone who is not a managed member."""
        now = self.clock.now()
        candidates = [
            b
            for b in self.state.bookings.values()
            if b.status == "confirmed"
            and b.member.lower() not in self.state.members
            and b.slot.starts_at > now
        ]
        if not candidates:
            return None
        booking = self.state.cancel(
            self.rng.choice(sorted(candidates, key=lambda b: b.reference)), now
        )
        self._record_cancel(booking, "canceller")
        return booking.reference

    def next_release_after(self, after: datetime) -> datetime | None:
        with self.lock:
            return self.state.next_unlock_after(after)

    def build_apps(self) -> dict[str, FastAPI]:
        app = self.new_app("Gym members")
        install_error_handlers(app)
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
        app.include_router(gym_admin_router(self), prefix="/_sandbox/gym")
        app.include_router(api_router(self), prefix="/api")
        app.include_router(web_router(self))
        return {"web": app}

    def state_summary(self) -> dict[str, Any]:
        s = self.state
        confirmed = [b for b in s.bookings.values() if b.status == "confirmed"]
        return {
            "rules": s.rules.model_dump(),
            "members": [m.email for m in s.members.values()],
            "sessions": len(s.sessions),
            "confirmed": len(confirmed),
            "background_places": sum(1 for b in confirmed if b.via == "seed"),
            "bookings": [_summary(b) for b in s.bookings.values() if b.via != "seed"],
        }

    # --- what the site's endpoints do, with their events ------------------------------------
    def login(self, email: str, password: str, kind: str) -> tuple[Member, Session]:
        with self.lock:
            member = self.state.check_password(email, password)
            self.events.record("login", actor=email, detail={"ok": member is not None, "via": kind})
            if member is None:
                raise GymError(401, "invalid_credentials", "Invalid email or password.")
            return member, self.state.open_session(member, kind, self.clock.now())

    def member_for(self, token: str | None, kind: str) -> Member:
        with self.lock:
            return self.state.resolve(token, kind, self.clock.now(), self.faults.expire_sessions)

    def book(self, member: Member, slot: SlotRef, via: str) -> Booking:
        with self.lock:
            try:
                self.state.check_bookable(member.email, slot, self.clock.now())
                if self.roll(self.faults.drop_cart_rate):
                    # The booking was accepted and then lost by the back end: a transient failure.
                    raise GymError(503, "try_again", "Something went wrong. Please try again.")
            except GymError as exc:
                self.events.record(
                    "rejected",
                    actor=member.email,
                    slot=slot.key,
                    status=exc.status,
                    detail={"reason": exc.code, "message": exc.message, "via": via},
                )
                raise
            return self._confirm(member.email, slot, via)

    def cancel(self, member: Member, reference: str) -> Booking:
        with self.lock:
            booking = self.state.find_booking(member.email, reference)
            self.state.cancel(booking, self.clock.now())
            self._record_cancel(booking, member.email)
            return booking

    def _confirm(self, who: str, slot: SlotRef, via: str) -> Booking:
        booking = self.state.add_booking(who, slot, self.clock.now(), via, self.rng)
        self.events.record(
            "booking",
            actor=who,
            slot=slot.key,
            reference=booking.reference,
            detail={
                "location": slot.location,
                "sub_location": slot.sub_location,
                "court": slot.area,
                "price": 0,
                "method": "membership",
                "via": via,
            },
        )
        return booking

    def _record_cancel(self, booking: Booking, actor: str) -> None:
        self.events.record(
            "cancel",
            actor=actor,
            slot=booking.slot.key,
            reference=booking.reference,
            detail={"member": booking.member},
        )


def _summary(b: Booking) -> dict[str, Any]:
    return {
        "reference": b.reference,
        "member": b.member,
        "slot": b.slot.key,
        "status": b.status,
        "via": b.via,
    }
