"""Seed 004's booking sessions: their states, outcomes and the one table of allowed moves.

A session is created by the API, driven through the clinic's steps up to payment, handed to a
person, watched, and ends completed, failed, abandoned or cancelled. Every move goes through
`db.handoffs.transition`, a compare-and-set on the state like a task's.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import Any


class SessionState(StrEnum):
    CREATED = "created"  # waiting for a free browser (the queue)
    NAVIGATING = "navigating"  # the browser is doing the steps before payment
    READY_FOR_HANDOFF = "ready_for_handoff"  # at the payment page, nobody has opened it yet
    MONITORING = "monitoring"  # the handoff URL was fetched: watching for the outcome
    COMPLETED = "completed"
    FAILED = "failed"
    ABANDONED = "abandoned"
    CANCELLED = "cancelled"


class SessionOutcome(StrEnum):
    SUCCESS = "success"
    PAYMENT_FAILED = "payment_failed"  # declined, expired card
    SLOT_UNAVAILABLE = "slot_unavailable"  # the time went; nothing charged
    TIMEOUT = "timeout"  # nobody finished in time
    CANCELLED = "cancelled"
    ERROR = "error"  # the steps failed, or the page showed something unrecognised
    UNKNOWN = "unknown"  # the page shows neither a confirmation nor an error: check by hand


class HandoffMode(StrEnum):
    URL = "url"  # the payment page's own URL carries the session: any browser continues it
    LIVE = "live"  # the held tab itself, shown on autobook's /handoff/{token} page


St = SessionState

TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    St.CREATED: frozenset({St.NAVIGATING, St.FAILED, St.CANCELLED}),
    St.NAVIGATING: frozenset({St.READY_FOR_HANDOFF, St.FAILED, St.CANCELLED}),
    St.READY_FOR_HANDOFF: frozenset(
        {St.MONITORING, St.COMPLETED, St.FAILED, St.ABANDONED, St.CANCELLED}
    ),
    St.MONITORING: frozenset({St.COMPLETED, St.FAILED, St.ABANDONED, St.CANCELLED}),
    St.COMPLETED: frozenset(),
    St.FAILED: frozenset(),
    St.ABANDONED: frozenset(),
    St.CANCELLED: frozenset(),
}

FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
LIVE_BROWSER = frozenset({St.NAVIGATING, St.READY_FOR_HANDOFF, St.MONITORING})
# The states a callback is sent for (seed 004: "when outcome detected", plus the handoff URL).
CALLBACK_STATES = frozenset({St.READY_FOR_HANDOFF, *FINAL})


class SessionTransitionError(ValueError):
    """A move the table does not allow."""


def check_session_transition(current: SessionState, target: SessionState) -> None:
    if target not in TRANSITIONS[current]:
        raise SessionTransitionError(
            f"a booking session cannot go from {current.value} to {target.value}"
        )


def sources_of(target: SessionState) -> frozenset[SessionState]:
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


@dataclass(frozen=True)
class Lead:
    """The person the appointment is for (seed 004's `lead`)."""

    first_name: str
    last_name: str
    phone: str
    email: str
    notes: str = ""


@dataclass(frozen=True)
class SessionRequest:
    """What a caller asked for, checked: stored with the session as JSON."""

    booking_url: str
    day: date
    at: time  # local to the clinic
    lead: Lead
    service: str | None = None  # None: the first the clinic lists
    provider: str | None = None  # None: the first available
    callback_url: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "bookingUrl": self.booking_url,
            "date": self.day.isoformat(),
            "time": self.at.strftime("%H:%M"),
            "lead": {
                "firstName": self.lead.first_name,
                "lastName": self.lead.last_name,
                "phone": self.lead.phone,
                "email": self.lead.email,
                "notes": self.lead.notes,
            },
            "service": self.service,
            "provider": self.provider,
            "callbackUrl": self.callback_url,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionRequest:
        lead = data["lead"]
        return cls(
            booking_url=data["bookingUrl"],
            day=date.fromisoformat(data["date"]),
            at=time.fromisoformat(data["time"]),
            lead=Lead(
                lead["firstName"],
                lead["lastName"],
                lead["phone"],
                lead["email"],
                lead.get("notes") or "",
            ),
            service=data.get("service"),
            provider=data.get("provider"),
            callback_url=data.get("callbackUrl"),
        )


LIVE_PATH = "/handoff/"  # autobook's own page showing a held tab (web/handoff_live.py)


def token_digest(token: str) -> str:
    """What is stored of a live handoff's token: its SHA-256 (the token itself never is)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_live_link() -> tuple[str, str]:
    """A fresh live handoff link: (the token's digest, to store; the path, to give the
    person, encrypted if kept)."""
    token = secrets.token_urlsafe(24)
    return token_digest(token), f"{LIVE_PATH}{token}"
