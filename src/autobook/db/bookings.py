"""Bookings for the API and the pages: the history with seed 002's filters (account, date,
status, location), upcoming bookings, and cancelling.

Dates are the sites' local dates. All four sites are in the UK, so "the bookings of 15 March"
are those starting between midnight and midnight in Europe/London, summer time included.
Cancelling here only marks the booking cancelled in our database: telling the site is the
engine's part (`engine.cancel`), done first by the API and the page where the site allows it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from autobook.db.models import Booking, utcnow
from autobook.domain.errors import Conflict, NotFound
from autobook.domain.release import LONDON
from autobook.domain.statuses import BookingStatus

SITE_ZONE: ZoneInfo = LONDON
MAX_LIST = 500
CANCELLABLE = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})  # seed 002's rule


def day_bounds(day: date, zone: ZoneInfo = SITE_ZONE) -> tuple[datetime, datetime]:
    """The UTC instants where the local `day` starts and the next one starts (23 or 25 hours
    apart on the days the clocks change)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_date(instant: datetime, zone: ZoneInfo = SITE_ZONE) -> date:
    return instant.astimezone(zone).date()


def _filtered(
    query: Select[tuple[Booking]],
    *,
    account_id: int | None,
    day: date | None,
    status: BookingStatus | None,
    location: str | None,
    task_id: int | None,
) -> Select[tuple[Booking]]:
    if account_id is not None:
        query = query.where(Booking.account_id == account_id)
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Booking.starts_at >= start, Booking.starts_at < end)
    if status is not None:
        query = query.where(Booking.status == status.value)
    if location:  # seed 002's location is our venue; match it regardless of case
        query = query.where(func.lower(Booking.venue) == location.strip().lower())
    if task_id is not None:
        query = query.where(Booking.task_id == task_id)
    return query


def list_bookings(
    session: Session,
    *,
    account_id: int | None = None,
    day: date | None = None,
    status: BookingStatus | None = None,
    location: str | None = None,
    task_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Booking]:
    """The booking history, latest slot first, filtered as seed 002's `GET /api/bookings`."""
    query = select(Booking).order_by(Booking.starts_at.desc(), Booking.id.desc())
    query = _filtered(
        query, account_id=account_id, day=day, status=status, location=location, task_id=task_id
    )
    return list(session.scalars(query.limit(min(limit, MAX_LIST)).offset(offset)))


def get_booking(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"booking {booking_id} not found")
    return booking


def upcoming_bookings(
    session: Session, *, now: datetime | None = None, limit: int = 50
) -> list[Booking]:
    """Pending and confirmed bookings that have not started yet, soonest first."""
    query = (
        select(Booking)
        .where(
            Booking.starts_at >= (now or utcnow()),
            Booking.status.in_([s.value for s in CANCELLABLE]),
        )
        .order_by(Booking.starts_at, Booking.id)
        .limit(min(limit, MAX_LIST))
    )
    return list(session.scalars(query))


def cancellable(session: Session, *, booking_id: int) -> Booking:
    """The booking if it may be cancelled; `NotFound` or `Conflict` (before asking a site)."""
    booking = get_booking(session, booking_id)
    if booking.status not in {s.value for s in CANCELLABLE}:
        raise Conflict(f"status: a {booking.status} booking cannot be cancelled")
    return booking


def cancel_booking(session: Session, *, booking_id: int) -> Booking:
    """Mark a pending or confirmed booking cancelled in our records (the site is told first by
    `engine.cancel` where it can be); `Conflict` if it is failed or already cancelled."""
    booking = get_booking(session, booking_id)
    result = session.execute(
        update(Booking)
        .where(Booking.id == booking_id, Booking.status.in_([s.value for s in CANCELLABLE]))
        .values(status=BookingStatus.CANCELLED.value, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(booking)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"status: a {booking.status} booking cannot be cancelled")
    return booking
