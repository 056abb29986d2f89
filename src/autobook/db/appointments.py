"""The public page's records: its settings row, appointment types, the weekly rules and date
overrides, what makes the owner busy, guests' 30-second reservations and appointments.

Every booking first takes the settings row's lock (`lock_for_booking`), so two submissions
are checked and written one after the other on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from sqlalchemy import CompoundSelect, String, bindparam, delete, func, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from autobook.db.models import (
    Appointment,
    AppointmentSettings,
    AppointmentType,
    AvailabilityOverride,
    AvailabilityRule,
    BlockedPeriod,
    Booking,
    CalendarBusy,
    SlotReservation,
)
from autobook.db.session import transaction
from autobook.domain.errors import NotFound
from autobook.domain.statuses import BookingStatus

SETTINGS_ID = 1
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
# A booking autobook made with no end time known: the owner is taken for this long.
DEFAULT_BOOKING_LENGTH = timedelta(hours=1)
OWNER_BUSY_BOOKINGS = (BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value)


def token_hash(token: str) -> str:
    """Tokens given to guests are stored only as their sha256."""
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_settings(sessions: sessionmaker[Session]) -> None:
    """Create the settings row if it is missing (two processes may race: one insert wins)."""
    with transaction(sessions) as session:
        if session.get(AppointmentSettings, SETTINGS_ID) is not None:
            return
    try:
        with transaction(sessions) as session:
            session.add(AppointmentSettings(id=SETTINGS_ID))
    except IntegrityError:
        pass  # the other process made it


def page_settings(session: Session) -> AppointmentSettings:
    # Kept in the session's info: its identity map holds rows only weakly, so a page that asks
    # for the settings three times would otherwise read them three times.
    found = session.info.get("page_settings")
    if found is None or found not in session:
        found = session.get(AppointmentSettings, SETTINGS_ID)
    if found is None:
        found = AppointmentSettings(id=SETTINGS_ID)
        session.add(found)
        session.flush()
    session.info["page_settings"] = found
    return found


def lock_for_booking(session: Session) -> None:
    """The first statement of a booking's transaction: a write to the one settings row. The
    next booking waits here until this one commits (PostgreSQL: the row lock; SQLite: the
    database's single writer), then sees its appointment."""
    done = session.execute(
        update(AppointmentSettings)
        .where(AppointmentSettings.id == SETTINGS_ID)
        .values(lock_seq=AppointmentSettings.lock_seq + 1)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise RuntimeError("the appointment settings row is missing: call ensure_settings")


def active_types(session: Session) -> list[AppointmentType]:
    query = select(AppointmentType).where(AppointmentType.active.is_(True))
    return list(session.scalars(query.order_by(AppointmentType.name, AppointmentType.id)))


def active_type(session: Session, type_id: int) -> AppointmentType:
    found = session.get(AppointmentType, type_id)
    if found is None or not found.active:
        raise NotFound(f"type_id: no appointment type {type_id}")
    return found


def weekly_rules(session: Session) -> list[AvailabilityRule]:
    query = select(AvailabilityRule).where(AvailabilityRule.active.is_(True))
    return list(session.scalars(query.order_by(AvailabilityRule.day_of_week)))


# The slot calculation's reads, built once (as BUSY below): /book/slots runs them on every
# date a guest picks, and building a statement costs about as much as running it.
WEEKLY = select(
    AvailabilityRule.day_of_week, AvailabilityRule.start_time, AvailabilityRule.end_time
).where(AvailabilityRule.active.is_(True))
OVERRIDES = select(
    AvailabilityOverride.day, AvailabilityOverride.start_time, AvailabilityOverride.end_time
).where(
    AvailabilityOverride.day >= bindparam("first"), AvailabilityOverride.day <= bindparam("last")
)


def weekly_windows(session: Session) -> list[tuple[int, time, time]]:
    """The active weekly rules as (weekday, start, end), as rows rather than objects."""
    return [(day, start, end) for day, start, end in session.execute(WEEKLY)]


def overrides_between(
    session: Session, first: date, last: date
) -> dict[date, list[tuple[time, time]]]:
    """Date → its windows; a date with only a closing row maps to no window."""
    found: dict[date, list[tuple[time, time]]] = {}
    for day, start, end in session.execute(OVERRIDES, {"first": first, "last": last}):
        windows = found.setdefault(day, [])
        if start is not None and end is not None:
            windows.append((start, end))
    return found


def _busy_query() -> CompoundSelect:
    """What makes the owner busy in [:start, :end) (see `busy_between`), built once: /book/slots
    asks it on every date a guest picks, and building it cost more than running it."""
    start, end = bindparam("start"), bindparam("end")
    blocked = select(BlockedPeriod.start_datetime, BlockedPeriod.end_datetime).where(
        BlockedPeriod.start_datetime < end, BlockedPeriod.end_datetime > start
    )
    taken = select(Appointment.busy_start, Appointment.busy_end).where(
        Appointment.status == CONFIRMED,
        Appointment.busy_start < end,
        Appointment.busy_end > start,
    )
    bookings = select(Booking.starts_at, Booking.ends_at).where(
        Booking.status.in_(OWNER_BUSY_BOOKINGS),
        Booking.starts_at < end,
        Booking.starts_at > bindparam("day_before"),  # no booking is a day long
    )
    calendars = select(CalendarBusy.start_datetime, CalendarBusy.end_datetime).where(
        CalendarBusy.start_datetime < end, CalendarBusy.end_datetime > start
    )
    held = select(SlotReservation.busy_start, SlotReservation.busy_end).where(
        SlotReservation.expires_at > bindparam("now"),
        SlotReservation.busy_start < end,
        SlotReservation.busy_end > start,
        # No holder is '': every reservation counts (a holder is a sha256, never empty).
        SlotReservation.holder_hash != func.coalesce(bindparam("holder", type_=String), ""),
    )
    return union_all(blocked, taken, bookings, calendars, held)


BUSY = _busy_query()


def busy_between(
    session: Session, start: datetime, end: datetime, *, now: datetime, holder: str | None = None
) -> list[tuple[datetime, datetime]]:
    """What makes the owner busy in [start, end): blocked periods, confirmed appointments
    with their buffers, autobook's own pending and confirmed bookings on other sites, the
    connected calendars' busy times (as last read), and the live reservations of guests other
    than `holder` (a token hash). One round trip."""
    params = {"start": start, "end": end, "day_before": start - timedelta(days=1), "now": now,
              "holder": holder}  # fmt: skip
    rows = session.execute(BUSY, params)
    return [(begins, ends or begins + DEFAULT_BOOKING_LENGTH) for begins, ends in rows]


def reserve(
    session: Session,
    *,
    holder: str,
    type_id: int,
    start: datetime,
    busy: tuple[datetime, datetime],
    expires_at: datetime,
    now: datetime,
) -> None:
    """Hold a slot for one guest (a token hash), replacing what they held before; expired
    reservations are swept on the way."""
    session.execute(
        delete(SlotReservation).where(
            (SlotReservation.expires_at <= now) | (SlotReservation.holder_hash == holder)
        )
    )
    session.add(
        SlotReservation(
            holder_hash=holder,
            appointment_type_id=type_id,
            start_datetime=start,
            busy_start=busy[0],
            busy_end=busy[1],
            expires_at=expires_at,
        )
    )
    session.flush()


def release(session: Session, holder: str) -> None:
    session.execute(delete(SlotReservation).where(SlotReservation.holder_hash == holder))


def appointment_by_token(session: Session, token: str) -> Appointment:
    found = session.scalars(
        select(Appointment).where(Appointment.cancel_token == token_hash(token))
    ).first()
    if found is None:
        raise NotFound("token: this link does not name an appointment")
    return found


def upcoming_appointments(session: Session, *, now: datetime, limit: int = 5) -> list[Appointment]:
    query = (
        select(Appointment)
        .where(Appointment.status == CONFIRMED, Appointment.start_datetime >= now)
        .order_by(Appointment.start_datetime)
        .limit(limit)
    )
    return list(session.scalars(query))


def all_types(session: Session) -> list[AppointmentType]:
    return list(session.scalars(select(AppointmentType).order_by(AppointmentType.id)))


def all_overrides(session: Session) -> list[AvailabilityOverride]:
    query = select(AvailabilityOverride).order_by(AvailabilityOverride.day)
    return list(session.scalars(query))


def all_blocked(session: Session) -> list[BlockedPeriod]:
    return list(session.scalars(select(BlockedPeriod).order_by(BlockedPeriod.start_datetime)))
