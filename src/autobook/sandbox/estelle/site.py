"""Estelle Manor padel: the members' site at home.estellemanor.com, simulated on one origin.

Log in at /page/login, then click home → Book Now → Padel Courts → a month or "BOOK - 1Hr" →
pick a date → Show Availability → a court card → Confirm. A date opens 14 days ahead at 00:00
Europe/London. Opening a booking page by URL instead of clicking through sends you home.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from autobook.sandbox.core import ADMIN_PREFIX, SimSite
from autobook.sandbox.estelle import schedule
from autobook.sandbox.estelle.admin import admin_routes
from autobook.sandbox.estelle.club import BookingError, Club
from autobook.sandbox.estelle.model import Slot
from autobook.sandbox.estelle.web_auth import auth_router
from autobook.sandbox.estelle.web_checkout import checkout_router
from autobook.sandbox.estelle.web_common import STATIC_DIR, render
from autobook.sandbox.estelle.web_funnel import funnel_router

DEMO_USERS: list[tuple[str, str]] = [
    ("alex.member@example.com", "padel-demo-1"),
    ("sam.member@example.com", "padel-demo-2"),
]
DEMO_NAMES = ("Alex Morgan", "Sam Carter")
PRIME_FROM_HOUR = 17  # evenings fill first, at the club and among competitors
DEMO_FILL = {"prime": 0.5, "day": 0.2}  # share of open court-hours already taken by the demo


class EstelleSim(SimSite):
    name = "estelle"
    origins = ("web",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.club = Club(self.clock, self.events, self.rng)

    def reset(self) -> None:
        with self.lock:
            self.club = Club(self.clock, self.events, self.rng)

    def seed(self, name: str) -> None:
        if name != "demo":
            raise KeyError(name)
        with self.lock:
            self.reset()
            for (email, password), full_name in zip(DEMO_USERS, DEMO_NAMES, strict=True):
                self.club.add_member(email, password, full_name)
            if self.background:
                self._fill_demo_bookings(random.Random(1001))

    def _fill_demo_bookings(self, rng: random.Random) -> None:
        """Other members already hold some of the open court-hours (more in the evenings)."""
        now, rules = self.clock.now(), self.club.rules
        day, last = schedule.today(now), schedule.last_open_day(now, rules)
        while day <= last:
            for slot in self.club.open_slots(day):
                share = DEMO_FILL["prime" if slot.hour >= PRIME_FROM_HOUR else "day"]
                if rng.random() < share:
                    actor = f"member-{rng.randrange(1000, 9999)}@example.com"
                    self.club.book(slot, actor, "seed", record=False)
            day += timedelta(days=1)

    def competitor_grab(self, actor: str, targets: list[str]) -> str | None:
        with self.lock:
            free = [s for s in self._candidates(targets) if self._bookable(s, actor)]
            if not free:
                return None
            prime = [s for s in free if s.hour >= PRIME_FROM_HOUR]
            slot = self.rng.choice(prime or free)
            self.club.book(slot, actor, "competitor")
            return slot.key

    def _candidates(self, targets: list[str]) -> list[Slot]:
        """The target slots, or every slot of the date released last (what competitors chase)."""
        if not targets:
            return self.club.open_slots(schedule.last_open_day(self.clock.now(), self.club.rules))
        slots = []
        for key in targets:
            try:
                slots.append(Slot.parse(key))
            except ValueError:
                continue
        return slots

    def _bookable(self, slot: Slot, actor: str) -> bool:
        try:
            self.club.check(slot, actor)
        except BookingError:
            return False
        return True

    def free_at(self, day: date, start: time) -> int:
        freed = 0
        with self.lock:
            for booking in list(self.club.bookings.values()):
                slot, others = booking.slot, booking.member not in self.club.members
                if slot.day == day and slot.hour == start.hour and others:
                    freed += self.club.cancel(booking.reference, "sandbox") is not None
        return freed

    def cancel_random(self) -> str | None:
        with self.lock:
            now = self.clock.now()
            live = [
                b
                for b in self.club.bookings.values()
                if b.status == "confirmed" and b.slot.start > now
            ]
            if not live:
                return None
            booking = self.rng.choice(sorted(live, key=lambda b: b.reference))
            self.club.cancel(booking.reference, "canceller")
            return booking.reference

    def next_release_after(self, after: datetime) -> datetime | None:
        return schedule.next_release_after(after, self.club.rules)

    def build_apps(self) -> dict[str, FastAPI]:
        app = self.new_app("Estelle Manor")
        app.mount("/assets", StaticFiles(directory=str(STATIC_DIR)), name="assets")
        for router in (auth_router, funnel_router, checkout_router, admin_routes):
            app.include_router(router(self))
        app.add_exception_handler(StarletteHTTPException, _error_page)  # type: ignore[arg-type]
        return {"web": app}

    def state_summary(self) -> dict[str, Any]:
        now, rules = self.clock.now(), self.club.rules
        return {
            "now": now.isoformat(),
            "rules": rules.model_dump(),
            "open_until": schedule.last_open_day(now, rules).isoformat(),
            "next_release": schedule.next_release_after(now, rules).isoformat(),
            "members": sorted(self.club.members),
            "sessions": len(self.club.sessions),
            "bookings": [
                {
                    "reference": b.reference,
                    "slot": b.slot.key,
                    "court": b.slot.court_name,
                    "member": b.member,
                    "method": b.method,
                    "status": b.status,
                }
                for b in sorted(self.club.bookings.values(), key=lambda b: b.slot)
            ],
        }


async def _error_page(request: Request, exc: StarletteHTTPException) -> Response:
    """The site's own HTML error page; the admin API keeps FastAPI's JSON errors."""
    if request.url.path.startswith(ADMIN_PREFIX):
        return await http_exception_handler(request, exc)
    return render(request, "error.html", {"code": exc.status_code}, exc.status_code)
