"""Statistics for the dashboard and `GET /api/v1/stats`: seed 001's (success rate, attempts,
bookings by day) and seed 002's booking statistics (by status, location and account).

"Live" bookings are pending or confirmed ones: cancelled and failed bookings are counted by
status but not as bookings of a day. Days are local to the sites (see `db.bookings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autobook.db.bookings import CANCELLABLE, day_bounds, local_date
from autobook.db.models import Attempt, Booking, SiteAccount, Task, utcnow
from autobook.domain.statuses import ACTIVE, TaskStatus

LIVE = [s.value for s in CANCELLABLE]
# A task counts towards the success rate once it has ended by itself; a user's cancel does not.
ENDED = (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.EXPIRED)
MAX_WINDOW_DAYS = 366


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class AccountCount:
    account_id: int | None  # None: the account was removed since
    display_name: str
    count: int


@dataclass(frozen=True)
class Stats:
    tasks_total: int
    tasks_by_status: dict[str, int]
    active_tasks: int
    next_run_at: datetime | None  # the soonest planned action of an active task
    success_rate: float | None  # succeeded / ended tasks; None while none has ended
    attempts_total: int
    attempts_by_outcome: dict[str, int]
    bookings_total: int
    bookings_by_status: dict[str, int]
    bookings_by_location: dict[str, int]
    bookings_by_account: list[AccountCount]
    bookings_today: int
    upcoming_bookings: int
    bookings_by_day: list[DayCount]  # live bookings per slot date, every day of the window


def _counts(session: Session, column: Any, *where: Any) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)
    for clause in where:
        query = query.where(clause)
    return {str(key) if key is not None else "none": n for key, n in session.execute(query)}


def _success_rate(by_status: dict[str, int]) -> float | None:
    ended = sum(by_status.get(s.value, 0) for s in ENDED)
    return round(by_status.get(TaskStatus.SUCCEEDED.value, 0) / ended, 4) if ended else None


def _by_account(session: Session) -> list[AccountCount]:
    query = (
        select(Booking.account_id, SiteAccount.display_name, func.count())
        .outerjoin(SiteAccount, SiteAccount.id == Booking.account_id)
        .where(Booking.status.in_(LIVE))
        .group_by(Booking.account_id, SiteAccount.display_name)
        .order_by(func.count().desc())
    )
    return [AccountCount(a, name or "(removed)", n) for a, name, n in session.execute(query)]


def _by_day(session: Session, first: date, last: date) -> list[DayCount]:
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    starts = session.scalars(
        select(Booking.starts_at).where(
            Booking.status.in_(LIVE), Booking.starts_at >= start, Booking.starts_at < end
        )
    )
    per_day: dict[date, int] = {}
    for instant in starts:  # grouped here: SQLite and PostgreSQL disagree on zone functions
        day = local_date(instant)
        per_day[day] = per_day.get(day, 0) + 1
    days = (last - first).days + 1
    return [DayCount(d, per_day.get(d, 0)) for d in (first + timedelta(i) for i in range(days))]


def _count(session: Session, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(Booking).where(*where)) or 0


def compute_stats(
    session: Session, *, today: date | None = None, days_back: int = 30, days_ahead: int = 14
) -> Stats:
    """Every statistic at once; `bookings_by_day` runs from `days_back` days before `today` to
    `days_ahead` days after it (`today` is the sites' local date unless given)."""
    if not (0 <= days_back <= MAX_WINDOW_DAYS and 0 <= days_ahead <= MAX_WINDOW_DAYS):
        raise ValueError(f"days_back: the window is 0–{MAX_WINDOW_DAYS} days each way")
    now = utcnow()
    today = today or local_date(now)
    tasks = _counts(session, Task.status)
    bookings = _counts(session, Booking.status)
    attempts = _counts(session, Attempt.outcome, Attempt.finished_at.is_not(None))
    start, end = day_bounds(today)
    return Stats(
        tasks_total=sum(tasks.values()),
        tasks_by_status=tasks,
        active_tasks=sum(tasks.get(s.value, 0) for s in ACTIVE),
        next_run_at=session.scalar(
            select(func.min(Task.next_run_at)).where(Task.status.in_([s.value for s in ACTIVE]))
        ),
        success_rate=_success_rate(tasks),
        attempts_total=session.scalar(select(func.count()).select_from(Attempt)) or 0,
        attempts_by_outcome=attempts,
        bookings_total=sum(bookings.values()),
        bookings_by_status=bookings,
        bookings_by_location=_counts(session, Booking.venue, Booking.status.in_(LIVE)),
        bookings_by_account=_by_account(session),
        bookings_today=_count(
            session, Booking.status.in_(LIVE), Booking.starts_at >= start, Booking.starts_at < end
        ),
        upcoming_bookings=_count(session, Booking.status.in_(LIVE), Booking.starts_at >= now),
        bookings_by_day=_by_day(
            session, today - timedelta(days=days_back), today + timedelta(days=days_ahead)
        ),
    )
