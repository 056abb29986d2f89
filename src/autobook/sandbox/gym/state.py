"""The gym's in-memory state and its rules: members, sessions, bookings per slot, the unlock
rule, the daily limit and capacity. Every method takes `now` (the site clock) from its caller,
so the rules are plain functions of the state and the instant."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random
from typing import Any

from autobook.sandbox.gym.model import (
    FIRST_HOUR,
    LAST_HOUR,
    ZONE,
    Booking,
    GymError,
    Member,
    Rules,
    SlotRef,
    all_areas,
    local_instant,
)

REFERENCE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "O0I1")


@dataclass
class Session:
    token: str
    member: str  # member email
    kind: str  # api | web
    expires_at: datetime


class GymState:
    def __init__(self) -> None:
        self.rules = Rules()
        self.members: dict[str, Member] = {}  # lower-cased email → member
        self.sessions: dict[str, Session] = {}
        self.bookings: dict[str, Booking] = {}  # reference → booking (cancelled ones kept)
        self.by_slot: dict[SlotRef, set[str]] = {}  # confirmed references per slot

    # --- members and sessions -------------------------------------------------------------
    def add_member(self, email: str, password: str, name: str) -> Member:
        member = Member(1001 + len(self.members), email, password, name)
        self.members[email.lower()] = member
        return member

    def check_password(self, email: str, password: str) -> Member | None:
        member = self.members.get(email.strip().lower())
        if member and secrets.compare_digest(member.password, password):
            return member
        return None

    def open_session(self, member: Member, kind: str, now: datetime) -> Session:
        ttl = timedelta(minutes=self.rules.session_ttl_minutes)
        session = Session(secrets.token_urlsafe(24), member.email, kind, now + ttl)
        self.sessions[session.token] = session
        return session

    def resolve(self, token: str | None, kind: str, now: datetime, expire_all: bool) -> Member:
        """The member behind a token, or 401: unknown token vs expired (by time or fault)."""
        session = self.sessions.get(token or "")
        if session is None or session.kind != kind:
            raise GymError(401, "not_authenticated", "Not logged in")
        if expire_all or now >= session.expires_at:
            raise GymError(401, "session_expired", "Session expired. Please log in again.")
        return self.members[session.member.lower()]

    def close_session(self, token: str | None) -> None:
        self.sessions.pop(token or "", None)

    # --- slots ----------------------------------------------------------------------------
    def unlocks_at(self, slot: SlotRef) -> datetime:
        """Local wall time of the start minus the lead: a 07:00 slot opens at 07:00 two days
        earlier even when a DST change lies between (the gym's rule is on the wall clock)."""
        return local_instant(slot.wall_start - timedelta(hours=self.rules.unlock_hours))

    def capacity(self, slot: SlotRef) -> int:
        return self.rules.capacities[slot.area]

    def booked(self, slot: SlotRef) -> int:
        return len(self.by_slot.get(slot, ()))

    def available(self, slot: SlotRef) -> int:
        return max(self.capacity(slot) - self.booked(slot), 0)

    def status(self, slot: SlotRef, now: datetime) -> str:
        if now >= slot.starts_at:
            return "past"
        if now < self.unlocks_at(slot):
            return "locked"
        return "full" if self.available(slot) == 0 else "open"

    def day_slots(self, day: date, location: str, sub: str | None) -> list[SlotRef]:
        return [SlotRef(day, h, location, sub) for h in range(FIRST_HOUR, LAST_HOUR + 1)]

    def slot_view(self, slot: SlotRef, now: datetime, member: str | None) -> dict[str, Any]:
        mine = self.member_booking(member, slot) if member else None
        return {
            "time": slot.time,
            "end_time": slot.end_time,
            "starts_at": slot.starts_at.isoformat(),
            "capacity": self.capacity(slot),
            "booked": self.booked(slot),
            "available": self.available(slot),
            "status": self.status(slot, now),
            "unlocks_at": self.unlocks_at(slot).isoformat(),
            "booked_by_me": mine is not None,
            "my_reference": mine.reference if mine else None,
        }

    def next_unlock_after(self, after: datetime) -> datetime:
        """The first unlock instant strictly after `after`; every hourly slot unlocks on its own,
        and some slot starts every hour of opening time, so one lies within a day."""
        lead = timedelta(hours=self.rules.unlock_hours)
        around = (after.astimezone(ZONE).replace(tzinfo=None) + lead).date()
        candidates = (
            self.unlocks_at(SlotRef(around + timedelta(days=d), h, "Fitness"))
            for d in range(-1, 3)
            for h in range(FIRST_HOUR, LAST_HOUR + 1)
        )
        return min(t for t in candidates if t > after)

    def released_slots(self, now: datetime) -> list[SlotRef]:
        """Every slot unlocked and not started yet, most recently unlocked first."""
        today = now.astimezone(ZONE).date()
        horizon = int(self.rules.unlock_hours // 24) + 2
        slots = [
            SlotRef(today + timedelta(days=d), h, loc, sub)
            for d in range(horizon)
            for h in range(FIRST_HOUR, LAST_HOUR + 1)
            for loc, sub in all_areas()
        ]
        released = [s for s in slots if self.status(s, now) in ("open", "full")]
        return sorted(released, key=self.unlocks_at, reverse=True)

    # --- bookings -------------------------------------------------------------------------
    def member_booking(self, member: str, slot: SlotRef) -> Booking | None:
        for ref in self.by_slot.get(slot, ()):
            if self.bookings[ref].member == member:
                return self.bookings[ref]
        return None

    def bookings_on(self, member: str, day: date) -> int:
        return sum(
            1
            for b in self.bookings.values()
            if b.member == member and b.status == "confirmed" and b.slot.day == day
        )

    def check_bookable(self, member: str, slot: SlotRef, now: datetime) -> None:
        """Raise the site's refusal if `member` may not book `slot` now."""
        status = self.status(slot, now)
        if status == "past":
            raise GymError(409, "slot_past", "This slot has already started.")
        if status == "locked":
            opens = self.unlocks_at(slot)
            raise GymError(
                423,
                "slot_locked",
                f"This slot opens for booking on {opens:%a %d %b at %H:%M}.",
                unlocks_at=opens.isoformat(),
            )
        if self.member_booking(member, slot):
            raise GymError(409, "already_booked", "You already have a booking for this slot.")
        if status == "full":
            raise GymError(409, "slot_full", "This slot is full.")
        limit = self.rules.daily_limit
        if self.bookings_on(member, slot.day) >= limit:
            raise GymError(
                403,
                "daily_limit_reached",
                f"Daily booking limit reached: you can book {limit} slots per day.",
                limit=limit,
            )

    def add_booking(
        self, member: str, slot: SlotRef, now: datetime, via: str, rng: Random
    ) -> Booking:
        booking = Booking(self.new_reference(rng), member, slot, now, via)
        self.bookings[booking.reference] = booking
        self.by_slot.setdefault(slot, set()).add(booking.reference)
        return booking

    def new_reference(self, rng: Random) -> str:
        while True:
            ref = "GYM-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(6))
            if ref not in self.bookings:
                return ref

    def find_booking(self, member: str, reference: str) -> Booking:
        booking = self.bookings.get(reference.strip().upper())
        if booking is None or booking.member != member:
            raise GymError(404, "booking_not_found", f"Booking {reference} not found.")
        return booking

    def cancel(self, booking: Booking, now: datetime) -> Booking:
        if booking.status == "cancelled":
            raise GymError(409, "already_cancelled", "This booking is already cancelled.")
        if now >= booking.slot.starts_at:
            raise GymError(
                409, "cancel_too_late", "This slot has already started and cannot be cancelled."
            )
        booking.status, booking.cancelled_at = "cancelled", now
        self.by_slot.get(booking.slot, set()).discard(booking.reference)
        return booking

    def member_bookings(self, member: str) -> list[Booking]:
        mine = [b for b in self.bookings.values() if b.member == member]
        return sorted(mine, key=lambda b: (b.slot.starts_at, b.slot.area))
