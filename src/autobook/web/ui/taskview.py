"""How a task reads on the pages: when its slot is released, what happens next, and short
countdowns. Pure functions over a `Task` row; no database access."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from autobook.config import Settings
from autobook.db.models import Task
from autobook.domain.statuses import ACTIVE, TaskStatus
from autobook.sites.release import release_for

S = TaskStatus


def next_release(
    settings: Settings, tasks: Iterable[Task], now: datetime
) -> tuple[datetime, Task] | None:
    """The soonest release still ahead among the active tasks, with its task."""
    ahead = [
        (instant, task)
        for task in tasks
        if S(task.status) in ACTIVE
        and (instant := release_for(settings, task)) is not None
        and instant > now
    ]
    return min(ahead, key=lambda pair: pair[0]) if ahead else None


def countdown(instant: datetime, now: datetime) -> str:
    """ "in 2d 3h", "in 4h 05m", "in 3m 20s", "now"; "3m ago" for the past."""
    seconds = int((instant - now).total_seconds())
    ago = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    elif minutes:
        text = f"{minutes}m {secs:02d}s"
    elif secs:
        text = f"{secs}s"
    else:
        return "now"
    return f"{text} ago" if ago else f"in {text}"


def next_action(settings: Settings, task: Task, now: datetime) -> str:
    """One line saying what the task waits for or did, for the dashboard's table."""
    status = S(task.status)
    if status is S.SCHEDULED:
        instant = release_for(settings, task)
        return f"snipe {countdown(instant, now)}" if instant else "snipe at the release"
    if status in (S.PENDING, S.CHECKING):
        if status is S.CHECKING:
            return "checking now"
        if task.next_run_at and task.next_run_at > now:
            return f"check {countdown(task.next_run_at, now)}"
        return "check at the next cycle"
    return {
        S.BOOKING: "booking now",
        S.AWAITING_PAYMENT: "waiting for a person to pay (handoff)",
        S.SUCCEEDED: "done: booked",
        S.FAILED: "resume to try again",
        S.STOPPED: "paused: resume to continue",
        S.CANCELLED: "cancelled",
        S.EXPIRED: "the slot has started",
    }[status]


def can_stop(task: Task) -> bool:
    return S(task.status) in (S.PENDING, S.SCHEDULED, S.CHECKING)


def can_resume(task: Task) -> bool:
    return S(task.status) in (S.STOPPED, S.FAILED)


def can_delete(task: Task) -> bool:
    return S(task.status) is not S.BOOKING  # an attempt in flight finishes first
