"""What a due task needs now: a watch check, a snipe at its release, or to be scheduled for one.

A snipe task is parked in `scheduled` until `PRE_LOGIN_MINUTES` before its release instant; then
the worker runs the snipe (which prepares, waits, fires). Once the release is well past, a snipe
task is watched like any other: cancellations still come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.db.tasks import transition
from autobook.domain.statuses import TaskStatus
from autobook.domain.tasks import Strategy
from autobook.engine.snipe import STRIKE_WINDOW_S
from autobook.runtime import Runtime
from autobook.sites.release import release_for


@dataclass(frozen=True)
class Plan:
    action: str  # watch, snipe, scheduled
    release_at: datetime | None = None


def plan_task(runtime: Runtime, task_id: int, now: datetime | None = None) -> Plan:
    """Decide, and for a snipe not yet in its window, park it until PRE_LOGIN before release."""
    now = now or datetime.now(UTC)
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        if task is None or task.strategy != Strategy.SNIPE.value:
            return Plan("watch")
        release = release_for(settings, task)
        if release is None:  # stored data no validation lets in now (a year-1 date, no time)
            raise ValueError(f"task {task_id}: its release instant cannot be computed")
        start_at = release - timedelta(minutes=settings.pre_login_minutes)
        if now >= release + timedelta(seconds=STRIKE_WINDOW_S):
            return Plan("watch", release)  # missed or long gone: watch for cancellations
        if now >= start_at:
            return Plan("snipe", release)
        status = TaskStatus(task.status)
        if status is TaskStatus.PENDING:
            transition(session, task_id, status, TaskStatus.SCHEDULED, next_run_at=start_at)
        elif task.next_run_at != start_at:
            task.next_run_at = start_at
        return Plan("scheduled", release)
