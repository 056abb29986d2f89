"""The Better simulator's one in-memory state, shared by the API, web and payment origins.

Sessions are materialised lazily from the catalog, so the site always covers any date relative
to its (skewable) clock. A session materialised after its release starts with some courts booked
by members of the public (deterministic per key); one materialised before starts empty.
"""

from __future__ import annotations

import itertools
import random
import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from autobook.sandbox.better import catalog
from autobook.sandbox.better.catalog import Activity, Venue
from autobook.sandbox.better.errors import NOT_VIEWABLE, UNAUTHENTICATED, BetterError
from autobook.sandbox.better.knobs import BotDetection, Holds, LoadShedding, Variation, WeekGate
from autobook.sandbox.better.models import (
    Booking,
    CardIdentifier,
    Cart,
    CheckoutSession,
    Place,
    Session,
    Transaction,
    User,
)
from autobook.sandbox.better.release import LONDON, ReleaseRule, local_today
from autobook.sandbox.core import SiteClock

PUBLIC = "public"  # actor of the bookings a materialised session starts with


class BetterState:
    def __init__(self, clock: SiteClock, background: Callable[[], bool] = lambda: True) -> None:
        self.clock = clock
        self.background = background  # whether released sessions start part-booked
        self.venues: dict[str, Venue] = {}
        self.release = ReleaseRule()
        self.holds = Holds()
        self.load = LoadShedding()
        self.bots = BotDetection()
        self.week_gate = WeekGate()
        self.variation = Variation()
        self.release_overrides: dict[str, datetime] = {}
        self.sessions: dict[str, Session] = {}
        self.session_ids: dict[str, str] = {}  # v2 slot id → session key
        self.place_ids: dict[int, str] = {}  # per-court slot id → session key
        self.users: dict[int, User] = {}
        self.tokens: dict[str, int] = {}
        self.carts: dict[int, Cart] = {}
        self.bookings: dict[int, Booking] = {}
        self.checkouts: dict[str, CheckoutSession] = {}
        self.cards: dict[str, CardIdentifier] = {}
        self.transactions: dict[str, Transaction] = {}
        self._ids = itertools.count(5_000_001)

    def reset(self) -> None:
        """Forget everything, keeping this object (the routers hold a reference to it)."""
        self.__init__(self.clock, self.background)  # type: ignore[misc]

    def next_id(self) -> int:
        return next(self._ids)

    def now(self) -> datetime:
        return self.clock.now()

    def today_zone(self) -> ZoneInfo:
        return LONDON

    def today(self) -> date:
        return local_today(self.now())

    # --- catalog lookups ------------------------------------------------------------------
    def venue(self, slug: str) -> Venue:
        venue = self.venues.get(slug)
        if venue is None:
            raise BetterError(404, "Not Found")
        return venue

    def activity(self, venue: str, slug: str) -> Activity:
        activity = self.venue(venue).activities.get(slug)
        if activity is None:
            raise BetterError(404, "Not Found")
        return activity

    # --- release --------------------------------------------------------------------------
    def release_of(self, session: Session) -> datetime:
        override = self.release_overrides.get(session.key)
        return override or self.release.rule_release(session.venue.slug, session.day)

    def released(self, session: Session) -> bool:
        return self.now() >= self.release_of(session)

    def started(self, session: Session) -> bool:
        return self.now() >= self.starts_at(session)

    def starts_at(self, session: Session) -> datetime:
        return datetime.combine(session.day, session.start, tzinfo=LONDON)

    def day_listed(self, venue: str, activity: str, day: date) -> bool:
        """Whether `/times` answers for `day` (else the generic 422): today up to the day that
        releases next, listed `preview_hours` before its release."""
        if day < self.today():
            return False
        preview = timedelta(hours=self.release.preview_hours)
        opens = [self.release.rule_release(venue, day)]
        prefix = f"{venue}/{activity}/{day.isoformat()}/"
        opens += [at for key, at in self.release_overrides.items() if key.startswith(prefix)]
        return self.now() >= min(opens) - preview

    def check_listed(self, venue: str, activity: str, day: date) -> None:
        if not self.day_listed(venue, activity, day):
            raise BetterError(422, NOT_VIEWABLE)

    # --- sessions -------------------------------------------------------------------------
    def day_sessions(self, venue: str, activity: str, day: date) -> list[Session]:
        act = self.activity(venue, activity)
        return [self.session(catalog.session_key(venue, activity, day, t)) for t in act.starts()]

    def session(self, key: str) -> Session:
        found = self.sessions.get(key)
        if found is not None:
            return found
        try:
            venue_slug, activity_slug, day, start = catalog.parse_key(key)
        except ValueError as exc:
            raise BetterError(404, "Not Found") from exc
        venue = self.venue(venue_slug)
        act = self.activity(venue_slug, activity_slug)
        if start not in act.starts():
            raise BetterError(404, "Not Found")
        return self._materialise(key, venue, act, day, start)

    def _materialise(
        self, key: str, venue: Venue, act: Activity, day: date, start: time
    ) -> Session:
        end = (datetime.combine(day, start) + timedelta(minutes=act.duration_min)).time()
        places = [Place(catalog.place_id(key, n), n) for n in range(1, act.places + 1)]
        s = Session(
            key, venue, act, day, start, end, catalog.session_id(key),
            catalog.composite_key(key), places,
        )  # fmt: skip
        self.sessions[key] = s
        self.session_ids[s.id] = key
        for p in places:
            self.place_ids[p.slot_id] = key
        if self.released(s) and self.background():
            self._prefill(s)
        return s

    def _prefill(self, s: Session) -> None:
        """Courts already taken by the public; court 1 is the most popular one."""
        rng = random.Random(catalog.place_id(s.key, 0))
        full = rng.random() < 0.12
        for place in s.places:
            share = 0.5 if place.number == 1 else 0.25
            if s.activity.kind == "ticketed":
                share = 0.3
            if full or rng.random() < share:
                self.book_place(s, place, actor=PUBLIC, user_id=None, price=0, method="seed")

    def book_place(
        self, s: Session, place: Place, *, actor: str, user_id: int | None, price: int,
        method: str, order_id: int | None = None,
    ) -> Booking:  # fmt: skip
        booking = Booking(
            self.next_id(), order_id, user_id, actor, s.key, place.slot_id, s.place_name(place),
            price, method, self.now(),
        )  # fmt: skip
        self.bookings[booking.id] = booking
        place.booking_id = booking.id
        place.hold_item_id = None
        return booking

    def place(self, slot_id: int) -> tuple[Session, Place]:
        key = self.place_ids.get(slot_id)
        if key is None:
            raise KeyError(slot_id)
        s = self.session(key)
        return s, next(p for p in s.places if p.slot_id == slot_id)

    def session_by_id(self, sid: str) -> Session:
        key = self.session_ids.get(sid)
        if key is None:
            raise KeyError(sid)
        return self.session(key)

    # --- users and tokens -----------------------------------------------------------------
    def find_user(self, username: str) -> User | None:
        wanted = username.strip().lower()
        for user in self.users.values():
            if wanted in (user.email.lower(), user.customer_id.lower()):
                return user
        return None

    def issue_token(self, user: User) -> str:
        token = "v4.local." + secrets.token_urlsafe(96)
        self.tokens[token] = user.id
        return token

    def user_for_token(self, token: str | None, *, expired: bool) -> User:
        """The token's user; 401 Unauthenticated when missing, unknown or sessions expired."""
        user_id = self.tokens.get(token or "")
        if user_id is None or expired:
            raise BetterError(401, UNAUTHENTICATED)
        return self.users[user_id]

    def cart_of(self, user: User) -> Cart:
        cart = self.carts.get(user.id)
        if cart is None:
            cart = self.carts[user.id] = Cart(self.next_id(), user.id)
        return cart
