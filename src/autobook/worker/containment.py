"""Containment: whatever one task does, it ends in a defined state and the worker goes on.

Two rings:
- `contained` wraps everything the worker does for one task (planning it, its attempt, its
  snipe). An exception the engine did not handle itself (a date the release rule cannot
  compute, a stored value that no longer parses, a bug in an adapter's set-up) fails that task
  with the reason on the task and one line in the system log; the loop never sees it.
- `supervise` wraps a whole worker loop. If the loop dies anyway (its browser pool did not
  start, a bug in the loop itself), the death is logged, counted in `meta` (GET /health shows
  the count) and the loop is started again after a pause that grows with repeated deaths.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from autobook.db.models import Meta, Task
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.db.tasks import transition
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")

RESTARTS_KEY = "worker_restarts"  # how many times a loop died and was started again
LAST_RESTART_KEY = "worker_last_restart"  # "<ISO time> <reason>" of the latest one
# Pauses before restarting a loop that died (s): a loop that dies at once every time (the
# database is gone) must not spin, one that died once is back within a second.
RESTART_PAUSES_S = (1.0, 2.0, 5.0, 10.0, 30.0)
WAITING = (TaskStatus.PENDING, TaskStatus.SCHEDULED)  # nobody holds these: anyone may fail them
HELD = (TaskStatus.CHECKING, TaskStatus.BOOKING)  # only the lease owner may fail these
TRANSIENT = (OperationalError, InterfaceError)  # the connection, not the task


def reason_of(what: str, exc: BaseException) -> str:
    """The task's error: what was being done and the kind of failure. Only the exception's
    type: its text may quote stored values (a password the vault could not decrypt)."""
    return (
        f"internal error while {what} ({type(exc).__name__}); the task was stopped so the "
        "worker could go on: check its date, times and account, then resume it"
    )


def fail_task(runtime: Runtime, task_id: int, worker: str, reason: str) -> bool:
    """Move the task to failed with `reason`, if it is waiting or this worker holds it; True
    when it moved. Never raises: containment must not itself take the loop down."""
    try:
        with transaction(runtime.sessions) as session:
            return _fail(session, task_id, worker, reason)
    except Exception:
        log.exception("task %s: could not record its failure", task_id)
        return False


def _fail(session: Session, task_id: int, worker: str, reason: str) -> bool:
    task = session.get(Task, task_id)
    if task is None:
        return False
    status = TaskStatus(task.status)
    if status not in WAITING and not (status in HELD and task.lease_owner == worker):
        return False  # finished meanwhile, or another worker's: theirs to settle
    moved = transition(session, task_id, status, TaskStatus.FAILED, error=reason,
                       lease_owner=None, lease_expires_at=None, next_run_at=None)  # fmt: skip
    if moved:
        write_log(session, level="ERROR", source="Worker", task_id=task_id, message=reason)
    return moved


async def contained(
    runtime: Runtime, task_id: int, worker: str, what: str, call: Callable[[], Awaitable[T]]
) -> T | None:
    """`call()`'s result; None when it raised, after failing the task with the reason. A lost
    database connection is not the task's fault: it stays due and is tried again."""
    try:
        return await call()
    except asyncio.CancelledError:
        raise
    except TRANSIENT:
        log.warning("task %s: the database was unreachable while %s; trying again later",
                    task_id, what, exc_info=True)  # fmt: skip
        return None
    except Exception as exc:
        log.exception("task %s: internal error while %s", task_id, what)
        await asyncio.to_thread(fail_task, runtime, task_id, worker, reason_of(what, exc))
        return None


@dataclass(frozen=True)
class Restarts:
    count: int
    last: str | None  # "<ISO time> <reason>" of the latest restart


def read_restarts(session: Session) -> Restarts:
    count = session.get(Meta, RESTARTS_KEY)
    last = session.get(Meta, LAST_RESTART_KEY)
    return Restarts(int(count.value) if count else 0, last.value if last else None)


def record_restart(runtime: Runtime, name: str, exc: BaseException) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(runtime.sessions) as session:
        count = read_restarts(session).count + 1
        last = f"{stamp} {name}: {type(exc).__name__}"
        for key, value in ((RESTARTS_KEY, str(count)), (LAST_RESTART_KEY, last)):
            row = session.get(Meta, key)
            if row is None:
                session.add(Meta(key=key, value=value))
            else:
                row.value = value
        message = f"worker {name} died ({type(exc).__name__}) and was restarted"
        write_log(session, level="ERROR", source="Worker", message=message)


async def supervise(
    runtime: Runtime,
    name: str,
    run: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    pauses: tuple[float, ...] = RESTART_PAUSES_S,
) -> None:
    """Run `run(stop)` until `stop` is set, starting it again whenever it dies."""
    deaths = 0
    while not stop.is_set():
        try:
            await run(stop)
            return  # it ended because it was told to
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("worker %s died; restarting it", name)
            with contextlib.suppress(Exception):  # the database may be why it died
                await asyncio.to_thread(record_restart, runtime, name, exc)
            pause = pauses[min(deaths, len(pauses) - 1)]
            deaths += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
