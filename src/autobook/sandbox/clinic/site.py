"""`ClinicSim`: a Moxie-style med-spa booking widget on one origin ("web").

Origin "web", the five-step widget: `/` (clinic home), `/book` (starts a widget session),
`/book/s/{id}/step/1..5`, `/book/s/{id}/confirmation`, `/static/…`; sandbox controls under
`/_sandbox/clinic/…`. Origin "moxie", the six-step one-page widget (see `moxie.py`):
`/booking/lumen-skin-clinic`, its `/_next/data/…json`, `/v1/graphql` and the thank-you page.
Both book into the same diary.
Days open for online booking `BOOKING_WINDOW_DAYS` ahead at local midnight (Europe/London).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from autobook.sandbox.clinic import admin, checkout, moxie, pages
from autobook.sandbox.clinic.catalog import (
    CLINIC_NAME,
    PROVIDERS,
    SERVICE_BY_ID,
    TZ,
    Provider,
    shortest_service,
)
from autobook.sandbox.clinic.desk import FrontDesk, SessionGone
from autobook.sandbox.clinic.schedule import Appointment, parse_slot_key, slot_key
from autobook.sandbox.clinic.web import STATIC_DIR, http_error, session_gone
from autobook.sandbox.core import ADMIN_PREFIX, SimSite, SiteClock

# The widget books guests: there are no member accounts to log in with.
DEMO_USERS: list[tuple[str, str]] = []

DEMO_DAYS = 21  # the demo diary has other patients' appointments this many days ahead
DEMO_FILL = 0.35  # share of half-hour starts already taken in the demo diary
DEMO_PATIENTS = ("olivia", "amelia", "isla", "ava", "mia", "sophia", "grace", "lily")


class ClinicSim(SimSite):
    name = "clinic"
    # "web": the five-step widget of seed 004; "moxie": the six-step one after the real widget.
    origins = ("web", "moxie")

    def __init__(self, *, clock: SiteClock | None = None, seed: int | None = None) -> None:
        super().__init__(clock=clock, seed=seed)
        self.desk = FrontDesk(self)

    # --- SimSite hooks --------------------------------------------------------------------
    def reset(self) -> None:
        self.desk.clear()

    def seed(self, name: str) -> None:
        seeders = {"demo": self._seed_demo, "empty": lambda: None}
        if name not in seeders:
            raise KeyError(name)
        with self.lock:
            self.reset()
            seeders[name]()

    def competitor_grab(self, actor: str, targets: list[str]) -> str | None:
        with self.lock:
            self.desk.sweep()
            choice = self._pick_free(targets)
            if choice is None:
                return None
            provider, start = choice
            self.desk.book(provider, shortest_service(provider), start, actor, "card")
            return slot_key(provider.id, start)

    def free_at(self, day: date, start: time) -> int:
        at = datetime.combine(day, start, tzinfo=TZ)
        until = at + max(s.duration for s in SERVICE_BY_ID.values())
        freed = 0
        with self.lock:
            for appt in list(self.desk.schedule.appointments.values()):
                if appt.status == "booked" and appt.start < until and appt.end > at:
                    self.desk.cancel(appt, "sandbox")
                    freed += 1
        return freed

    def cancel_random(self) -> str | None:
        with self.lock:
            now = self.desk.now()
            future = [a for a in self.desk.schedule.booked() if a.start > now]
            if not future:
                return None
            appt = self.rng.choice(future)
            self.desk.cancel(appt, "canceller")
            return appt.reference

    def next_release_after(self, after: datetime) -> datetime | None:
        """The next local midnight: each one opens one more day for online booking."""
        day = after.astimezone(TZ).date() + timedelta(days=1)
        return datetime.combine(day, datetime.min.time(), TZ)

    def build_apps(self) -> dict[str, FastAPI]:
        app = self.new_app(f"{CLINIC_NAME} online booking")
        app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
        app.state.desk = self.desk
        app.include_router(pages.router)
        app.include_router(checkout.router)
        app.include_router(admin.router, prefix=f"{ADMIN_PREFIX}/clinic")
        app.add_exception_handler(SessionGone, session_gone)
        app.add_exception_handler(StarletteHTTPException, http_error)
        return {"web": app, "moxie": self._moxie_app()}

    def _moxie_app(self) -> FastAPI:
        app = self.new_app(f"{CLINIC_NAME} booking (Moxie)")
        app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
        app.state.desk = self.desk
        app.include_router(moxie.router)
        return app

    def state_summary(self) -> dict[str, Any]:
        desk = self.desk
        desk.sweep()
        statuses: dict[str, int] = {}
        for session in desk.sessions.values():
            statuses[session.status] = statuses.get(session.status, 0) + 1
        return {
            "today": desk.today().isoformat(),
            "bookable_until": desk.last_open_day().isoformat(),
            "booking_window_days": desk.window_days,
            "appointments": len(desk.schedule.booked()),
            "sessions": statuses,
            "holds": sorted(h.slot for h in desk.schedule.holds.values()),
        }

    # --- helpers --------------------------------------------------------------------------
    def _pick_free(self, targets: list[str]) -> tuple[Provider, datetime] | None:
        """A random free released slot among `targets`; without targets, on the newest day."""
        desk = self.desk
        if targets:
            free = [c for c in map(self._target_if_free, targets) if c is not None]
        else:
            free = desk.free_slots(desk.last_open_day())
            day = desk.today()
            while not free and day < desk.last_open_day():
                free, day = desk.free_slots(day), day + timedelta(days=1)
        return self.rng.choice(free) if free else None

    def _target_if_free(self, key: str) -> tuple[Provider, datetime] | None:
        try:
            provider, start = parse_slot_key(key)
        except ValueError:
            return None
        if not self.desk.is_bookable_day(start.date()) or start <= self.desk.now():
            return None
        free = self.desk.schedule.is_free(provider, shortest_service(provider), start)
        return (provider, start) if free else None

    def _seed_demo(self) -> None:
        """Other patients' appointments over the next `DEMO_DAYS` days; the rest stays free."""
        if not self.background:
            return
        rng = random.Random(4)  # the same diary every time for a given site clock
        now, schedule = self.desk.now(), self.desk.schedule
        for offset in range(DEMO_DAYS):
            day = now.date() + timedelta(days=offset)
            for provider in PROVIDERS:
                for start in schedule.day_starts(provider, day, shortest_service(provider)):
                    if start <= now or rng.random() >= DEMO_FILL:
                        continue
                    service = SERVICE_BY_ID[rng.choice(provider.services)]
                    if not schedule.is_free(provider, service, start):
                        continue
                    ref = self.desk.new_reference()
                    patient = f"{rng.choice(DEMO_PATIENTS)}.{rng.randint(10, 99)}@example.com"
                    schedule.appointments[ref] = Appointment(
                        ref, provider.id, service.id, start, start + service.duration, patient,
                        service.price_pence,
                    )  # fmt: skip
