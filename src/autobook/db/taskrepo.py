"""Tasks for the API and the pages: list, read (with attempts and booking), edit, stop, resume,
delete. Creating a task is `db.tasks.create_task`.

Every status change goes through `db.tasks.transition`, a compare-and-set: if a worker moved
the task between our read and our write, the change is refused with `Conflict` instead of
overwriting the worker's state. A task in `booking` is never touched: a stop or delete waits
for the attempt to end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from autobook.db.models import Attempt, Booking, Task, TaskAccount, utcnow
from autobook.db.tasks import SiteInfoOf, check_references, transition
from autobook.domain.errors import Conflict, NotFound
from autobook.domain.statuses import ACTIVE, FINAL, TaskStatus, sources_of
from autobook.domain.taskspec import TaskCreate
from autobook.domain.taskupdate import EDITABLE_FIELDS

S = TaskStatus
# "Not running": no worker holds it. A scheduled task is waiting for its release instant and
# goes back to pending after an edit, so the worker recomputes when to act.
EDITABLE = frozenset({S.PENDING, S.SCHEDULED, S.STOPPED, S.FAILED})
MAX_LIST = 500


@dataclass(frozen=True)
class AttemptSummary:
    total: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    last_started_at: datetime | None = None
    last_outcome: str | None = None
    last_error: str | None = None


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


def list_tasks(
    session: Session,
    *,
    status: TaskStatus | None = None,
    site: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Task]:
    """Tasks newest first, optionally of one status and/or one site (accounts preloaded)."""
    query = (
        select(Task)
        .options(selectinload(Task.accounts))
        .order_by(Task.id.desc())
        .limit(min(limit, MAX_LIST))
        .offset(offset)
    )
    if status is not None:
        query = query.where(Task.status == status.value)
    if site is not None:
        query = query.where(Task.site == site)
    return list(session.scalars(query))


def list_attempts(session: Session, *, task_id: int, limit: int = 50) -> list[Attempt]:
    """The task's attempts newest first, each with its steps in order (the timeline)."""
    query = (
        select(Attempt)
        .where(Attempt.task_id == task_id)
        .options(selectinload(Attempt.steps))
        .order_by(Attempt.id.desc())
        .limit(min(limit, MAX_LIST))
    )
    return list(session.scalars(query))


def attempt_summary(session: Session, *, task_id: int) -> AttemptSummary:
    """How many attempts the task had, by outcome, and how the last one went."""
    counts = session.execute(
        select(Attempt.outcome, func.count())
        .where(Attempt.task_id == task_id)
        .group_by(Attempt.outcome)
    ).all()
    last = session.scalar(
        select(Attempt).where(Attempt.task_id == task_id).order_by(Attempt.id.desc()).limit(1)
    )
    if last is None:
        return AttemptSummary()
    by_outcome = {outcome or "running": n for outcome, n in counts}
    return AttemptSummary(
        total=sum(by_outcome.values()),
        by_outcome=by_outcome,
        last_started_at=last.started_at,
        last_outcome=last.outcome,
        last_error=last.error,
    )


def task_booking(session: Session, *, task_id: int) -> Booking | None:
    """The booking the task made (the latest, should there be several), or None."""
    query = select(Booking).where(Booking.task_id == task_id).order_by(Booking.id.desc())
    return session.scalars(query.limit(1)).first()


def _spec_of(task: Task) -> dict[str, Any]:
    """The task's current values in `TaskCreate`'s shape (the inverse of `TaskCreate.columns`)."""
    return {
        "site": task.site,
        "venue": task.venue,
        "sub_location": task.sub_location,
        "activity": task.activity,
        "duration_minutes": task.duration_minutes,
        "target_date": task.target_date,
        "times": list(task.time_preferences),
        "courts": list(task.court_preferences),
        "account_ids": [account.id for account in task.accounts],
        "payment_method": task.payment_method,
        "payment_profile_id": task.payment_profile_id,
        "strategy": task.strategy,
        "dry_run": task.dry_run,
        "poll_interval_s": task.poll_interval_s,
    }


def _lost_race(task_id: int) -> Conflict:
    return Conflict(f"status: task {task_id} changed while this request ran; try again")


def update_task(
    session: Session, *, task_id: int, changes: Mapping[str, Any], site_info: SiteInfoOf
) -> Task:
    """Apply `changes` (only the fields the user sent) to a task that is not running.

    The result is validated as a whole `TaskCreate` (pydantic `ValidationError` at the changed
    field); unknown accounts or profiles raise `ValueError("field: …")`; a running or finished
    task raises `Conflict`.
    """
    task = get_task(session, task_id)
    current = S(task.status)
    if current not in EDITABLE:
        raise Conflict(f"status: a {current.value} task cannot be edited")
    fixed = set(changes) - set(EDITABLE_FIELDS)
    if fixed:
        raise ValueError(f"{sorted(fixed)[0]}: cannot be changed on an existing task")
    spec = TaskCreate.model_validate({**_spec_of(task), **changes})
    check_references(session, spec, site_info=site_info)
    columns = {k: v for k, v in spec.columns().items() if k != "site"}
    columns["next_run_at"] = None  # the worker recomputes when to act on the new values
    if current is S.SCHEDULED:
        won = transition(session, task_id, S.SCHEDULED, S.PENDING, **columns)
    else:
        won = _update_if(session, task_id, current, columns)
    if not won:
        raise _lost_race(task_id)
    if "account_ids" in changes:
        _replace_accounts(session, task_id, spec.account_ids)
    session.flush()
    session.refresh(task)
    return task


def _update_if(session: Session, task_id: int, status: TaskStatus, columns: dict[str, Any]) -> bool:
    """Set `columns` only if the task is still in `status` (no worker took it meanwhile)."""
    result = session.execute(
        update(Task)
        .where(Task.id == task_id, Task.status == status.value)
        .values(updated_at=utcnow(), **columns)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _replace_accounts(session: Session, task_id: int, account_ids: list[int]) -> None:
    session.execute(delete(TaskAccount).where(TaskAccount.task_id == task_id))
    for position, account_id in enumerate(account_ids):
        session.add(TaskAccount(task_id=task_id, account_id=account_id, position=position))


def _move(session: Session, task: Task, target: TaskStatus, **changes: Any) -> Task:
    """One compare-and-set from the status we read; `Conflict` if the table forbids it or a
    worker moved the task first."""
    current = S(task.status)
    if current not in sources_of(target):
        why = " while it is booking; wait for the attempt to end" if current is S.BOOKING else ""
        verbs = {S.STOPPED: "stopped", S.PENDING: "resumed", S.CANCELLED: "deleted"}
        verb = verbs.get(target, f"moved to {target.value}")
        raise Conflict(f"status: a {current.value} task cannot be {verb}{why}")
    if not transition(session, task.id, current, target, **changes):
        raise _lost_race(task.id)
    session.refresh(task)
    return task


def stop_task(session: Session, *, task_id: int) -> Task:
    """Pause a waiting or checking task; it keeps its settings and can be resumed."""
    task = get_task(session, task_id)
    if task.status == S.STOPPED.value:
        return task  # stopping twice is not an error
    return _move(session, task, S.STOPPED)


def resume_task(session: Session, *, task_id: int) -> Task:
    """Put a stopped or failed task back in the queue, its last error cleared."""
    task = get_task(session, task_id)
    if S(task.status) in ACTIVE:
        return task  # already queued: resuming twice is not an error
    return _move(session, task, S.PENDING, error=None, next_run_at=None)


def delete_task(session: Session, *, task_id: int) -> None:
    """Withdraw the task and remove it with its attempts; its bookings and log lines stay
    (their `task_id` becomes null). A task in `booking` cannot be deleted until it ends."""
    task = get_task(session, task_id)
    current = S(task.status)
    if current not in FINAL:
        if current is S.CHECKING:  # the table has no checking → cancelled: stop first
            task = _move(session, task, S.STOPPED)
        _move(session, task, S.CANCELLED)
    session.delete(task)
    session.flush()
