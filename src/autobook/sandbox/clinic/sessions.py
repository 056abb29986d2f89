"""Booking-widget sessions: one per visit to `/book`, identified by an id in the URL (not a
cookie), so any browser that opens `/book/s/{id}/step/5` continues the same booking.

A session dies after `SESSION_TTL` of site-clock time without a request; its held slot is then
released by the site.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from autobook.sandbox.clinic.catalog import SESSION_TTL

STEPS = ("Service", "Provider", "Date & Time", "Your Details", "Payment")
PHONE_RE = re.compile(r"^\+?\d{7,15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_MAX, NOTES_MAX = 50, 500


@dataclass
class Contact:
    first_name: str
    last_name: str
    phone: str
    email: str
    notes: str = ""


@dataclass
class WidgetSession:
    id: str
    created_at: datetime
    last_activity: datetime
    service_id: str = ""
    provider_choice: str = ""  # a provider id or ANY_PROVIDER
    provider_id: str = ""  # who the held slot is with (resolves "First Available")
    start: datetime | None = None
    contact: Contact | None = None
    status: str = "open"  # open | completed | expired
    reference: str = ""  # confirmation number once paid
    card_last4: str = ""
    last_payment: str = ""  # outcome of the latest payment attempt
    ttl: timedelta = field(default=SESSION_TTL)

    @property
    def expires_at(self) -> datetime:
        return self.last_activity + self.ttl

    def next_step(self) -> int:
        """The first step still to complete (6 when everything up to payment is filled in)."""
        if not self.service_id:
            return 1
        if not self.provider_choice:
            return 2
        if self.start is None:
            return 3
        if self.contact is None:
            return 4
        return 5

    def clear_from(self, step: int) -> None:
        """Forget choices made at `step` and later (a change earlier invalidates them)."""
        if step <= 2:
            self.provider_choice = ""
        if step <= 3:
            self.provider_id, self.start = "", None

    def public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "step": self.next_step(),
            "service": self.service_id,
            "provider_choice": self.provider_choice,
            "provider": self.provider_id,
            "start": self.start.isoformat() if self.start else None,
            "contact": self.contact.__dict__ if self.contact else None,
            "reference": self.reference,
            "last_payment": self.last_payment,
            "expires_at": self.expires_at.isoformat(),
        }


def new_session_id() -> str:
    return secrets.token_urlsafe(12)


def parse_contact(form: dict[str, str]) -> tuple[Contact | None, dict[str, str]]:
    """The contact details of step 4, or the error message of each bad field."""
    values = {k: (form.get(k) or "").strip() for k in ("first_name", "last_name", "email")}
    phone = re.sub(r"[\s\-().]", "", form.get("phone") or "")
    notes = (form.get("notes") or "").strip()
    errors: dict[str, str] = {}
    for key, label in (("first_name", "First name"), ("last_name", "Last name")):
        if not values[key]:
            errors[key] = f"{label} is required."
        elif len(values[key]) > NAME_MAX:
            errors[key] = f"{label} must be {NAME_MAX} characters or fewer."
    if not phone:
        errors["phone"] = "Phone number is required."
    elif not PHONE_RE.match(phone):
        errors["phone"] = "Enter a valid phone number, e.g. 07700 900123 or +447700900123."
    if not values["email"]:
        errors["email"] = "Email address is required."
    elif not EMAIL_RE.match(values["email"]):
        errors["email"] = "Enter a valid email address, e.g. name@example.com."
    if len(notes) > NOTES_MAX:
        errors["notes"] = f"Notes must be {NOTES_MAX} characters or fewer."
    if errors:
        return None, errors
    return Contact(values["first_name"], values["last_name"], phone, values["email"], notes), {}


def parse_day(text: str) -> date:
    """A `YYYY-MM-DD` date from the query string; ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"invalid date {text!r}")
    return date.fromisoformat(text)
