"""The clinic's front desk: widget sessions moving through the 5 steps, held slots, payments
and appointments, with the site's events recorded as they happen.

Every public method takes the site lock, so request threads and competitors see one state.
"""

from __future__ import annotations

import string
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from autobook.sandbox.clinic.catalog import (
    ANY_PROVIDER,
    BOOKING_WINDOW_DAYS,
    DEPOSIT_PENCE,
    PROVIDER_BY_ID,
    PROVIDERS,
    SERVICE_BY_ID,
    SESSION_TTL,
    TZ,
    Provider,
    Service,
    day_label,
    providers_for,
    shortest_service,
)
from autobook.sandbox.clinic.payments import SUCCESS, Card, charge
from autobook.sandbox.clinic.schedule import Appointment, Hold, Schedule, slot_key
from autobook.sandbox.clinic.sessions import Contact, WidgetSession, new_session_id

if TYPE_CHECKING:
    from autobook.sandbox.clinic.site import ClinicSim

SLOT_UNAVAILABLE = "slot_unavailable"
TIMES_DELAY_MS = 1500  # the six-step widget shows a day's times this long after its click
# after_payment "blank" (a sandbox setting): a paid five-step session answers with a page that
# says nothing, as a payment provider's page that never came back, so the outcome is unknown.
REF_CHARS = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1I")


class SessionGone(Exception):
    """A widget URL whose session is unknown (404) or expired (410)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SlotRefused(Exception):
    """A time chosen at step 3 that cannot be held; the message is shown on the page."""


class FrontDesk:
    def __init__(self, site: ClinicSim) -> None:
        self.site = site
        self.schedule = Schedule()
        self.sessions: dict[str, WidgetSession] = {}
        self.window_days = BOOKING_WINDOW_DAYS
        self.session_ttl = SESSION_TTL
        self.times_delay_ms = TIMES_DELAY_MS
        self.after_payment = "normal"

    def clear(self) -> None:
        with self.site.lock:
            self.schedule.clear()
            self.sessions.clear()
            # Knobs a test turns on must not leak into the next one.
            self.times_delay_ms, self.after_payment = TIMES_DELAY_MS, "normal"

    # --- time and releases ----------------------------------------------------------------
    def now(self) -> datetime:
        return self.site.clock.now().astimezone(TZ)

    def today(self) -> date:
        return self.now().date()

    def last_open_day(self) -> date:
        return self.today() + timedelta(days=self.window_days)

    def opens_at(self, day: date) -> datetime:
        """When `day` opens for online booking: local midnight, `window_days` before."""
        return datetime.combine(day - timedelta(days=self.window_days), datetime.min.time(), TZ)

    def is_bookable_day(self, day: date) -> bool:
        return self.today() <= day <= self.last_open_day()

    # --- sessions -------------------------------------------------------------------------
    def new_session(self) -> WidgetSession:
        with self.site.lock:
            self.sweep()
            now = self.now()
            session = WidgetSession(new_session_id(), now, now, ttl=self.session_ttl)
            self.sessions[session.id] = session
            return session

    def open_session(self, session_id: str) -> WidgetSession:
        """The live session of a widget URL, its idle timer restarted; SessionGone otherwise."""
        with self.site.lock:
            self.sweep()
            session = self.sessions.get(session_id)
            if session is None:
                raise SessionGone(404, "Booking session not found.")
            if session.status == "open" and self.site.faults.expire_sessions:
                self._expire(session)
            if session.status == "expired":
                raise SessionGone(410, "This booking session has expired.")
            session.last_activity = self.now()
            return session

    def sweep(self) -> None:
        """Expire idle sessions, releasing what they held."""
        now = self.now()
        for session in self.sessions.values():
            if session.status == "open" and session.expires_at <= now:
                self._expire(session)

    def _expire(self, session: WidgetSession) -> None:
        session.status = "expired"
        self.release_hold(session, "session_expired")

    def release_hold(self, session: WidgetSession, reason: str) -> None:
        hold = self.schedule.holds.pop(session.id, None)
        if hold is not None:
            self.site.events.record(
                "release_hold", actor="guest", slot=hold.slot, reference=session.id,
                detail={"reason": reason},
            )  # fmt: skip

    # --- steps 1 to 4 ---------------------------------------------------------------------
    def choose_service(self, session: WidgetSession, service_id: str) -> None:
        with self.site.lock:
            if service_id not in SERVICE_BY_ID:
                raise ValueError("Please select a service to continue.")
            if service_id != session.service_id:
                self.release_hold(session, "changed_service")
                session.clear_from(2)
            session.service_id = service_id

    def choose_provider(self, session: WidgetSession, choice: str) -> None:
        with self.site.lock:
            offered = {p.id for p in providers_for(session.service_id)}
            if choice != ANY_PROVIDER and choice not in offered:
                raise ValueError("Please select a provider to continue.")
            if choice != session.provider_choice:
                self.release_hold(session, "changed_provider")
                session.clear_from(3)
            session.provider_choice = choice

    def candidates(self, session: WidgetSession) -> list[Provider]:
        if session.provider_choice == ANY_PROVIDER:
            return providers_for(session.service_id)
        return [PROVIDER_BY_ID[session.provider_choice]]

    def times_on(self, session: WidgetSession, day: date) -> list[datetime]:
        """Free start times of the session's service on `day` (merged for First Available)."""
        with self.site.lock:
            if not self.is_bookable_day(day):
                return []
            service, now = SERVICE_BY_ID[session.service_id], self.now()
            starts: set[datetime] = set()
            for provider in self.candidates(session):
                starts.update(
                    self.schedule.free_starts(
                        provider, service, day, after=now, ignore_session=session.id
                    )
                )
            return sorted(starts)

    def hold(self, session: WidgetSession, start: datetime) -> None:
        """Hold `start` for the session with the first free candidate; SlotRefused if not."""
        with self.site.lock:
            service = SERVICE_BY_ID[session.service_id]
            provider = self._free_provider(session, service, start)
            self.release_hold(session, "changed_time")
            hold = Hold(session.id, provider.id, service.id, start, start + service.duration)
            session.provider_id, session.start = provider.id, start
            self.site.events.record(
                "hold", actor="guest", slot=hold.slot, reference=session.id,
                detail={"service": service.name, "provider": provider.name,
                        "start": start.isoformat()},
            )  # fmt: skip
            if self.site.roll(self.site.faults.drop_cart_rate):
                self.site.events.record(
                    "release_hold", actor="guest", slot=hold.slot, reference=session.id,
                    detail={"reason": "dropped"},
                )  # fmt: skip
                return  # the site forgets the hold but the page carries on as if held
            self.schedule.holds[session.id] = hold

    def _free_provider(self, session: WidgetSession, service: Service, start: datetime) -> Provider:
        day = start.date()
        if not self.is_bookable_day(day) and day > self.today():
            self._refuse(session, start, "not_released")
            opens = self.opens_at(day)
            raise SlotRefused(
                f"Online booking for {day_label(day)} opens on {day_label(opens)} at midnight."
            )
        if start > self.now():
            for provider in self.candidates(session):
                if self.schedule.is_free(provider, service, start, ignore_session=session.id):
                    return provider
        self._refuse(session, start, "slot_taken")
        raise SlotRefused("Sorry, that time is no longer available. Please choose another time.")

    def _refuse(self, session: WidgetSession, start: datetime, reason: str) -> None:
        key = slot_key(session.provider_choice, start)
        self.site.events.record(
            "rejected", actor="guest", slot=key, reference=session.id, detail={"reason": reason}
        )

    def set_contact(self, session: WidgetSession, contact: Contact) -> None:
        with self.site.lock:
            session.contact = contact

    # --- step 5 ---------------------------------------------------------------------------
    def pay(self, session: WidgetSession, card: Card) -> str:
        """Charge the deposit and book: success, declined, expired_card or slot_unavailable."""
        with self.site.lock:
            if session.status == "completed":
                return SUCCESS  # a second submit never pays twice
            assert session.contact is not None and session.start is not None
            service = SERVICE_BY_ID[session.service_id]
            provider = PROVIDER_BY_ID[session.provider_id]
            key, actor = slot_key(provider.id, session.start), session.contact.email
            if not self._still_ours(session, provider, service):
                self.release_hold(session, SLOT_UNAVAILABLE)
                session.clear_from(3)
                session.last_payment = SLOT_UNAVAILABLE
                self.site.events.record(
                    "rejected", actor=actor, slot=key, reference=session.id,
                    detail={"reason": SLOT_UNAVAILABLE},
                )  # fmt: skip
                return SLOT_UNAVAILABLE
            outcome = self._charge(card, actor, key, session.id)
            session.last_payment = outcome
            if outcome != SUCCESS:
                return outcome
            self._confirm(session, provider, service, card.last4)
            return SUCCESS

    def pay_and_book(
        self, service: Service, choice: str, start: datetime, contact: Contact, card: Card
    ) -> tuple[str, str]:
        """The six-step widget's one call: charge and book `start` with the provider chosen
        (or the first free one for ANY_PROVIDER). (outcome, reference or "")."""
        with self.site.lock:
            self.sweep()
            offered = providers_for(service.id)
            candidates = offered if choice == ANY_PROVIDER else [PROVIDER_BY_ID[choice]]
            free = [p for p in candidates if self.schedule.is_free(p, service, start)]
            actor = contact.email
            key = slot_key(candidates[0].id if len(candidates) == 1 else ANY_PROVIDER, start)
            if start <= self.now() or not self.is_bookable_day(start.date()) or not free:
                self.site.events.record(
                    "rejected", actor=actor, slot=key, detail={"reason": SLOT_UNAVAILABLE}
                )
                return SLOT_UNAVAILABLE, ""
            provider = free[0]
            key = slot_key(provider.id, start)
            outcome = self._charge(card, actor, key, "")
            if outcome != SUCCESS:
                return outcome, ""
            return SUCCESS, self.book(provider, service, start, actor, "card", card.last4).reference

    def _charge(self, card: Card, actor: str, key: str, reference: str) -> str:
        """Charge the deposit, recording the payment (and a refusal) in the event log."""
        outcome = charge(card, decline_all=self.site.faults.decline_payments)
        self.site.events.record(
            "payment", actor=actor, slot=key, reference=reference,
            detail={"outcome": outcome, "amount": DEPOSIT_PENCE / 100, "currency": "GBP",
                    "card_last4": card.last4},
        )  # fmt: skip
        if outcome != SUCCESS:
            self.site.events.record(
                "rejected", actor=actor, slot=key, reference=reference,
                detail={"reason": outcome, "card_last4": card.last4},
            )  # fmt: skip
        return outcome

    def _still_ours(self, session: WidgetSession, provider: Provider, service: Service) -> bool:
        """Held by this session, or (hold lost) still free and still in the future."""
        assert session.start is not None
        if session.start <= self.now():
            return False
        hold = self.schedule.holds.get(session.id)
        if hold is not None and hold.start == session.start and hold.provider_id == provider.id:
            return True
        return self.schedule.is_free(provider, service, session.start, ignore_session=session.id)

    def _confirm(
        self, session: WidgetSession, provider: Provider, service: Service, last4: str
    ) -> None:
        assert session.contact is not None and session.start is not None
        self.schedule.holds.pop(session.id, None)
        appt = self.book(provider, service, session.start, session.contact.email, "card", last4)
        appt.session_id = session.id
        session.status, session.reference, session.card_last4 = "completed", appt.reference, last4

    def book(
        self,
        provider: Provider,
        service: Service,
        start: datetime,
        patient: str,
        method: str,
        last4: str = "",
    ) -> Appointment:
        """Write the appointment and record the one `booking` event it gets."""
        appt = Appointment(
            self.new_reference(), provider.id, service.id, start, start + service.duration,
            patient, service.price_pence, last4,
        )  # fmt: skip
        self.schedule.appointments[appt.reference] = appt
        detail: dict[str, object] = {
            "service": service.name, "provider": provider.name, "price": service.price_pence / 100,
            "currency": "GBP", "method": method, "start": start.isoformat(),
        }  # fmt: skip
        if last4:
            detail |= {"card_last4": last4, "deposit": DEPOSIT_PENCE / 100}
        self.site.events.record(
            "booking", actor=patient, slot=appt.slot, reference=appt.reference, detail=detail
        )
        return appt

    def new_reference(self) -> str:
        while True:
            ref = "MX-" + "".join(self.site.rng.choice(REF_CHARS) for _ in range(6))
            if ref not in self.schedule.appointments:
                return ref

    # --- the rest of the appointment book -------------------------------------------------
    def free_slots(
        self, day: date, *, released_only: bool = True
    ) -> list[tuple[Provider, datetime]]:
        """Free future starts on `day` for each provider's shortest service."""
        if released_only and not self.is_bookable_day(day):
            return []
        now, slots = self.now(), []
        for provider in PROVIDERS:
            service = shortest_service(provider)
            starts = self.schedule.free_starts(provider, service, day, after=now)
            slots += [(provider, s) for s in starts]
        return slots

    def cancel(self, appt: Appointment, actor: str) -> None:
        appt.status = "cancelled"
        self.site.events.record(
            "cancel", actor=actor, slot=appt.slot, reference=appt.reference,
            detail={"service": SERVICE_BY_ID[appt.service_id].name, "patient": appt.patient},
        )  # fmt: skip
