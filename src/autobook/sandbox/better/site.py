"""`BetterSim`: the Better (GLL) simulator — API, booking web site and card-payment origin."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from autobook.sandbox.better import admin, api, catalog, checkout, pay, web
from autobook.sandbox.better.errors import BetterError
from autobook.sandbox.better.knobs import NewUser
from autobook.sandbox.better.models import SavedCard, Session, User
from autobook.sandbox.better.state import BetterState
from autobook.sandbox.core import SimSite, SiteClock

# (login, password) of the accounts the "demo" seed creates.
DEMO_USERS: list[tuple[str, str]] = [
    ("member@example.com", "Member-pass-1"),  # membership benefit: badminton courts at £0
    ("credit@example.com", "Credit-pass-1"),  # £60.00 account credit
    ("card@example.com", "Card-pass-1"),  # saved Visa ending 0006, CVV 123
]
DEMO_CARD_CVV = "123"
DEMO_CARD_LAST4 = "0006"


class BetterSim(SimSite):
    name = "better"
    origins = ("api", "web", "pay")

    def __init__(self, *, clock: SiteClock | None = None, seed: int | None = None) -> None:
        super().__init__(clock=clock, seed=seed)
        self.state = BetterState(self.clock, lambda: self.background)

    # --- SimSite hooks --------------------------------------------------------------------
    def reset(self) -> None:
        self.state.reset()

    def seed(self, name: str) -> None:
        if name != "demo":
            raise KeyError(name)
        with self.lock:
            self.reset()
            self.state.venues = catalog.demo_venues()
            member, credit, card = DEMO_USERS
            self.add_user(NewUser(email=member[0], password=member[1], first_name="Maya",
                                  last_name="Member", benefit=True))  # fmt: skip
            self.add_user(NewUser(email=credit[0], password=credit[1], first_name="Chris",
                                  last_name="Credit", credit_pence=6000))  # fmt: skip
            self.add_user(NewUser(email=card[0], password=card[1], first_name="Cara",
                                  last_name="Card", saved_card_last4=DEMO_CARD_LAST4,
                                  saved_card_cvv=DEMO_CARD_CVV))  # fmt: skip

    def free_at(self, day: date, start: time) -> int:
        freed = 0
        with self.lock:
            for venue in self.state.venues.values():
                for act in venue.activities.values():
                    if start not in act.starts():
                        continue
                    s = self.state.session(catalog.session_key(venue.slug, act.slug, day, start))
                    for place in s.places:
                        booking = self.state.bookings.get(place.booking_id or -1)
                        if booking is not None and booking.user_id is None:
                            booking.status = "CANCELLED"
                            place.booking_id = None
                            freed += 1
        return freed

    def add_user(self, spec: NewUser) -> User:
        state = self.state
        uid = state.next_id()
        card = None
        if spec.saved_card_last4:
            card = SavedCard(
                identifier=f"SAVED-{uid}-{spec.saved_card_last4}",
                last4=spec.saved_card_last4,
                expiry=spec.saved_card_expiry,
                card_type="Visa",
                cvv=spec.saved_card_cvv or "123",
            )
        user = User(
            id=uid,
            email=spec.email,
            customer_id=spec.customer_id or f"1{uid:08d}",
            password=spec.password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            membership_user_id=state.next_id() if spec.member else None,
            benefit=spec.benefit,
            credit_pence=spec.credit_pence,
            saved_card=card,
        )
        state.users[uid] = user
        return user

    def competitor_grab(self, actor: str, targets: list[str]) -> str | None:
        state = self.state
        candidates = [s for s in self._contested(targets) if s.free_places()]
        if not candidates:
            return None
        s = self.rng.choice(candidates)
        place = self.rng.choice(s.free_places())
        price = s.activity.price_at(s.start)
        booking = state.book_place(
            s, place, actor=actor, user_id=None, price=price, method="competitor"
        )
        self.events.record(
            "booking", actor=actor, slot=s.key, reference=str(booking.id),
            detail={"court": booking.court, "price": price, "method": "competitor",
                    "booking_id": booking.id},
        )  # fmt: skip
        return s.key

    def _contested(self, targets: list[str]) -> list[Session]:
        """Released, not started sessions: the targets, else those of the latest release."""
        state = self.state
        if targets:
            found = []
            for key in targets:
                try:
                    found.append(state.session(key))
                except BetterError:
                    continue
        else:
            now = state.now()
            found = [
                state.session(k) for k, at in state.release_overrides.items()
                if now - timedelta(minutes=10) <= at <= now
            ]  # fmt: skip
            for v in state.venues.values():
                day = state.release.released_day(v.slug, now)
                for a in v.activities:
                    found += state.day_sessions(v.slug, a, day)
        return [s for s in found if state.released(s) and not state.started(s)]

    def cancel_random(self) -> str | None:
        state = self.state
        live = [
            b for b in state.bookings.values()
            if b.status == "BOOKED" and not state.started(state.session(b.session_key))
        ]  # fmt: skip
        if not live:
            return None
        booking = self.rng.choice(live)
        checkout.cancel(self, None, [booking.id], actor="canceller")
        return str(booking.order_id or booking.id)

    def next_release_after(self, after: datetime) -> datetime | None:
        state = self.state
        instants = [state.release.next_rule_release(v, after) for v in state.venues]
        instants += [at for at in state.release_overrides.values() if at > after]
        return min(instants) if instants else None

    def build_apps(self) -> dict[str, FastAPI]:
        api_app = self._app("Better API")
        api_app.include_router(api.build_router(self), prefix="/api")
        web_app = self._app("Better bookings")
        web.mount(web_app, self)
        pay_app = self._app("Better card payments")
        pay.mount(pay_app, self)
        return {"api": api_app, "web": web_app, "pay": pay_app}

    def _app(self, title: str) -> FastAPI:
        app = self.new_app(title)
        app.include_router(admin.build_router(self))
        app.add_exception_handler(BetterError, _better_error)  # type: ignore[arg-type]
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=".*",
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=True,
        )
        return app

    def actor_of(self, request: Request) -> str:
        user_id = self.state.tokens.get(api.bearer(request) or "")
        user = self.state.users.get(user_id) if user_id is not None else None
        return user.email if user is not None else ""

    def state_summary(self) -> dict[str, Any]:
        state = self.state
        return {
            "venues": list(state.venues),
            "users": [u.email for u in state.users.values()],
            "sessions": len(state.sessions),
            "bookings": sum(1 for b in state.bookings.values() if b.status == "BOOKED"),
            "holds": sum(len(c.items) for c in state.carts.values()),
            "release": state.release.model_dump(),
            "holds_minutes": state.holds.minutes,
            "load_shedding": state.load.model_dump(),
            "bot_detection": state.bots.model_dump(),
            "release_overrides": {k: v.isoformat() for k, v in state.release_overrides.items()},
        }


async def _better_error(request: Request, exc: BetterError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)
