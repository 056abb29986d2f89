"""The owner's private ICS feed: the one calendar of everything — confirmed appointments and
the bookings autobook made or holds on other sites — to subscribe to from a phone. Its URL
holds a random token; only the token's sha256 is stored."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from autobook.appointments.details import as_event
from autobook.appointments.ics import Event, calendar
from autobook.db import appointments as repo
from autobook.db.models import Appointment, AppointmentType, Booking

HISTORY = timedelta(days=30)  # how far back the feed reaches


def new_feed_token(session: Session) -> str:
    """A new secret feed URL token (the old one stops working)."""
    token = secrets.token_urlsafe(32)
    repo.page_settings(session).feed_token_hash = repo.token_hash(token)
    return token


def feed_allowed(session: Session, token: str) -> bool:
    stored = repo.page_settings(session).feed_token_hash
    return bool(stored) and secrets.compare_digest(stored, repo.token_hash(token))


def _booking_event(booking: Booking) -> Event:
    what = " ".join(p for p in (booking.venue, booking.court) if p) or booking.site
    return Event(uid=f"booking-{booking.id}@autobook", start=booking.starts_at,
                 end=booking.ends_at or booking.starts_at + repo.DEFAULT_BOOKING_LENGTH,
                 summary=f"{booking.site}: {what}",
                 description=f"Booked by autobook. Reference: {booking.reference or '—'}",
                 location=booking.venue)  # fmt: skip


def feed_text(session: Session, *, now: datetime) -> str:
    since = now - HISTORY
    types = {t.id: t for t in session.scalars(select(AppointmentType))}
    appointments = session.scalars(select(Appointment).where(
        Appointment.status == repo.CONFIRMED, Appointment.start_datetime >= since))  # fmt: skip
    bookings = session.scalars(select(Booking).where(
        Booking.status.in_(repo.OWNER_BUSY_BOOKINGS), Booking.starts_at >= since))  # fmt: skip
    events = [as_event(a, types[a.appointment_type_id]) for a in appointments]
    events += [_booking_event(b) for b in bookings]
    owner = repo.page_settings(session).owner_name
    return calendar(sorted(events, key=lambda e: e.start), now=now,
                    name=f"{owner or 'autobook'}: appointments and bookings")  # fmt: skip
