"""The club's state and its booking rules: members, bookings, who holds which court-hour."""

from __future__ import annotations

import hmac
import random
from dataclasses import dataclass
from datetime import date

from autobook.sandbox.core import EventLog, SiteClock
from autobook.sandbox.estelle import schedule
from autobook.sandbox.estelle.model import Booking, Member, Rules, Slot
from autobook.sandbox.estelle.sessions import SessionStore

CAPACITY = 1  # one booking fills a court for its hour (`span.totalSlots`)

MSG_NOT_RELEASED = (
    "This date is not yet available to book. Padel courts can be booked up to {days} days in "
    "advance, from midnight."
)
MSG_PAST = "This time has already passed. Please choose another time."
MSG_CLOSED = "This court is not available at the selected time."
MSG_FULL = "Sorry, this time slot is fully booked. Please choose another time."
MSG_LIMIT = "You already have a booking at this time. Members may book one court per time slot."


@dataclass
class BookingError(Exception):
    reason: str  # not_released | past | closed | full | limit | dropped | too_fast
    message: str
    status: int = 409


class Club:
    def __init__(self, clock: SiteClock, events: EventLog, rng: random.Random) -> None:
        self.clock, self.events, self.rng = clock, events, rng
        self.rules = Rules()
        self.members: dict[str, Member] = {}
        self.bookings: dict[str, Booking] = {}
        self.taken: dict[str, str] = {}  # slot key → reference of its confirmed booking
        self.sessions = SessionStore()

    # --- members ---------------------------------------------------------------------------
    def add_member(self, email: str, password: str, name: str) -> Member:
        member_no = f"EM{100000 + len(self.members) + 1}"
        member = Member(email.strip().lower(), password, name, member_no)
        self.members[member.email] = member
        return member

    def authenticate(self, email: str, password: str) -> Member | None:
        member = self.members.get(email.strip().lower())
        return member if member and secrets_equal(member.password, password) else None

    # --- availability ----------------------------------------------------------------------
    def booked_count(self, slot: Slot) -> int:
        return 1 if slot.key in self.taken else 0

    def open_slots(self, day: date) -> list[Slot]:
        """Slots of `day` still in the future (past hours are not shown)."""
        now = self.clock.now()
        return [s for s in schedule.slots_of(day, self.rules) if s.start > now]

    def member_slots_at(self, email: str, slot: Slot) -> list[Booking]:
        return [
            b
            for b in self.bookings.values()
            if b.status == "confirmed" and b.member == email and b.slot.start == slot.start
        ]

    # --- booking ---------------------------------------------------------------------------
    def check(self, slot: Slot, member: str | None) -> None:
        """Raise BookingError unless `member` may book `slot` now."""
        now, rules = self.clock.now(), self.rules
        if not schedule.in_hours(slot, rules):
            raise BookingError("closed", MSG_CLOSED, 404)
        if slot.start <= now:
            raise BookingError("past", MSG_PAST, 409)
        if not schedule.is_released(slot.day, now, rules):
            raise BookingError("not_released", MSG_NOT_RELEASED.format(days=rules.days_ahead), 403)
        if self.booked_count(slot) >= CAPACITY:
            raise BookingError("full", MSG_FULL, 409)
        if member and self.member_slots_at(member, slot):
            raise BookingError("limit", MSG_LIMIT, 409)

    def book(self, slot: Slot, actor: str, method: str, *, record: bool = True) -> Booking:
        """Check and confirm; one `booking` event per confirmed booking (none for seed data)."""
        self.check(slot, actor)
        booking = Booking(
            self.new_reference(), slot, actor, self.clock.now(), method, self.rules.price_gbp
        )
        self.bookings[booking.reference] = booking
        self.taken[slot.key] = booking.reference
        if record:
            self.events.record(
                "booking",
                actor=actor,
                slot=slot.key,
                reference=booking.reference,
                status=200,
                detail={"court": slot.court_name, "price": booking.price_gbp, "method": method},
            )
        return booking

    def reject(self, actor: str, slot: str, error: BookingError) -> None:
        self.events.record(
            "rejected",
            actor=actor,
            slot=slot,
            status=error.status,
            detail={"reason": error.reason, "message": error.message},
        )

    def cancel(self, reference: str, actor: str) -> Booking | None:
        booking = self.bookings.get(reference)
        if booking is None or booking.status != "confirmed":
            return None
        booking.status = "cancelled"
        self.taken.pop(booking.slot.key, None)
        self.events.record(
            "cancel",
            actor=actor,
            slot=booking.slot.key,
            reference=reference,
            detail={"member": booking.member, "court": booking.slot.court_name},
        )
        return booking

    def new_reference(self) -> str:
        while True:
            reference = f"EMP{self.rng.randrange(10**6, 10**7)}"
            if reference not in self.bookings:
                return reference


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
