"""Guests booking the owner's time: the free slots of a day, the 30-second reservation of a
picked slot, the booking itself, and cancelling by the link.

A booking runs in one transaction that first takes the booking lock (`db.appointments.
lock_for_booking`), then checks the slot against everything that makes the owner busy, then
writes the appointment (a partial unique index on confirmed starts backs the lock up). Two
guests submitting one slot at once therefore give exactly one appointment; the other gets
`SlotTaken`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autobook.appointments.availability import (
    Interval,
    Policy,
    Shape,
    WeeklyRule,
    Window,
    bookable_dates,
    day_bounds,
    free_slots,
)
from autobook.appointments.guest_form import GuestDetails
from autobook.db import appointments as repo
from autobook.db.models import Appointment, AppointmentSettings, AppointmentType


class SlotTaken(Exception):
    """The slot was just taken (or held) by someone else, or is no longer offered."""


class TooLate(Exception):
    """A guest change inside the cutoff before the start."""


def policy_of(settings: AppointmentSettings) -> Policy:
    return Policy(
        zone=ZoneInfo(settings.timezone),
        min_notice=timedelta(hours=settings.min_advance_hours),
        max_future_days=settings.max_future_days,
    )


def shape_of(kind: AppointmentType) -> Shape:
    return Shape(
        duration=timedelta(minutes=kind.duration_minutes),
        buffer_before=timedelta(minutes=kind.buffer_before_minutes),
        buffer_after=timedelta(minutes=kind.buffer_after_minutes),
        interval=timedelta(minutes=kind.slot_interval_minutes)
        if kind.slot_interval_minutes
        else None,
    )


def date_range(session: Session, now: datetime) -> tuple[date, date]:
    return bookable_dates(now, policy_of(repo.page_settings(session)))


def day_slots(
    session: Session,
    kind: AppointmentType,
    day: date,
    *,
    now: datetime,
    holder: str | None = None,
    calendar_busy: Sequence[Interval] = (),
) -> list[datetime]:
    """The free starts of `day` for `kind`; `holder` (a token hash) ignores the guest's own
    reservation, `calendar_busy` adds the connected calendars' busy times."""
    policy = policy_of(repo.page_settings(session))
    bounds = day_bounds(day, policy.zone)
    # Buffers reach past midnight: look a day either side.
    start, end = bounds.start - timedelta(days=1), bounds.end + timedelta(days=1)
    busy = [
        Interval(a, b) for a, b in repo.busy_between(session, start, end, now=now, holder=holder)
    ]
    rules = [WeeklyRule(day, Window(a, b)) for day, a, b in repo.weekly_windows(session)]
    overrides = {
        d: [Window(a, b) for a, b in windows]
        for d, windows in repo.overrides_between(session, day, day).items()
    }
    return free_slots(
        day,
        shape_of(kind),
        rules=rules,
        overrides=overrides,
        busy=[*busy, *calendar_busy],
        now=now,
        policy=policy,
    )


def _check_free(
    session: Session,
    kind: AppointmentType,
    start: datetime,
    *,
    now: datetime,
    holder: str | None,
    calendar_busy: Sequence[Interval],
) -> None:
    zone = ZoneInfo(repo.page_settings(session).timezone)
    day = start.astimezone(zone).date()
    free = day_slots(session, kind, day, now=now, holder=holder, calendar_busy=calendar_busy)
    if start not in free:
        raise SlotTaken("start: that time was just taken")


def reserve_slot(
    session: Session,
    kind: AppointmentType,
    start: datetime,
    *,
    now: datetime,
    calendar_busy: Sequence[Interval] = (),
) -> str:
    """Hold `start` for this guest for the page's hold time; the guest's token. Takes the
    booking lock too: two guests picking one time at once must not both get a hold (each
    would then see the other's and neither could book)."""
    repo.lock_for_booking(session)
    _check_free(session, kind, start, now=now, holder=None, calendar_busy=calendar_busy)
    token = secrets.token_urlsafe(24)
    occupied = shape_of(kind).occupies(start)
    hold = timedelta(seconds=repo.page_settings(session).hold_seconds)
    repo.reserve(
        session,
        holder=repo.token_hash(token),
        type_id=kind.id,
        start=start,
        busy=(occupied.start, occupied.end),
        expires_at=now + hold,
        now=now,
    )
    return token


def book(
    session: Session,
    kind: AppointmentType,
    start: datetime,
    details: GuestDetails,
    *,
    holder_token: str,
    now: datetime,
    guest_timezone: str = "",
    calendar_busy: Sequence[Interval] = (),
    replaces: str | None = None,
) -> tuple[Appointment, str]:
    """The appointment and the guest's manage token (for the cancel and reschedule links).
    Must run in its own transaction: it takes the booking lock first. `replaces` (a manage
    token) reschedules: that appointment is cancelled in the same transaction."""
    repo.lock_for_booking(session)
    if replaces:
        cancel_by_guest(session, replaces, now=now, reason="rescheduled by the guest")
        session.flush()
    holder = repo.token_hash(holder_token) if holder_token else None
    _check_free(session, kind, start, now=now, holder=holder, calendar_busy=calendar_busy)
    token = secrets.token_urlsafe(32)
    occupied = shape_of(kind).occupies(start)
    appointment = Appointment(
        appointment_type_id=kind.id,
        start_datetime=start,
        end_datetime=start + timedelta(minutes=kind.duration_minutes),
        busy_start=occupied.start,
        busy_end=occupied.end,
        guest_name=details.name,
        guest_email=details.email,
        guest_phone=details.phone,
        guest_timezone=guest_timezone,
        notes=details.notes,
        custom_field_values=details.answers,
        cancel_token=repo.token_hash(token),
    )
    session.add(appointment)
    try:
        session.flush()
    except IntegrityError:
        raise SlotTaken("start: that time was just taken") from None
    if holder is not None:
        repo.release(session, holder)
    return appointment, token


def cancel_by_guest(
    session: Session, token: str, *, now: datetime, reason: str = ""
) -> Appointment:
    """Cancel by the guest's link, unless inside the cutoff before the start."""
    appointment = repo.appointment_by_token(session, token)
    check_changeable(session, appointment, now=now)
    appointment.status = repo.CANCELLED
    appointment.cancel_reason = reason or "cancelled by the guest"
    appointment.cancelled_at = now
    return appointment


def check_changeable(session: Session, appointment: Appointment, *, now: datetime) -> None:
    if appointment.status != repo.CONFIRMED:
        raise TooLate("token: this appointment is already cancelled")
    cutoff = timedelta(hours=repo.page_settings(session).cancel_cutoff_hours)
    if appointment.start_datetime - now < cutoff:
        hours = int(cutoff.total_seconds() // 3600)
        raise TooLate(f"token: changes are not possible within {hours} hours of the start")


def parse_start(value: str) -> datetime:
    """A slot start as sent by the page (ISO, with offset); ValueError naming `start`."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("start: not a time the page offered") from None
    if parsed.tzinfo is None:
        raise ValueError("start: not a time the page offered")
    return parsed
