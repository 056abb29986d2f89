"""Keep a running task's lease alive, so only a dead worker's lease ever expires.

A claim takes the task with a lease of AUTOBOOK_LEASE_SECONDS (`engine.records.lease_length`).
An attempt that takes longer than that (a slow site, a loaded machine, a short lease in a
test) would otherwise look abandoned while its worker is still paying, `recover_abandoned`
would put it back, and a second worker could book it again. So while a worker runs a task it
pushes the lease forward every fifth of its length (so a loaded machine can miss a few
renewals); a worker that is SIGKILLed stops pushing, and its task is recovered one lease later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sqlalchemy import update

from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.engine.records import lease_length
from autobook.runtime import Runtime

log = logging.getLogger(__name__)

RUNNING = (TaskStatus.CHECKING.value, TaskStatus.BOOKING.value)
RENEWALS_PER_LEASE = 5


def renew_lease(runtime: Runtime, task_id: int, owner: str, now: datetime | None = None) -> bool:
    """Push the lease of a task `owner` is running to now + the lease length; never shortens
    a longer one (a snipe's lease outlives its release). True when the row was changed."""
    until = (now or datetime.now(UTC)) + lease_length(runtime)
    with transaction(runtime.sessions) as session:
        result = session.execute(
            update(Task)
            .where(Task.id == task_id, Task.lease_owner == owner, Task.status.in_(RUNNING))
            .where(Task.lease_expires_at < until)
            .values(lease_expires_at=until)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def keep_lease(runtime: Runtime, task_id: int, owner: str) -> AsyncIterator[None]:
    """Renew the task's lease in the background while the body runs."""
    renewer = asyncio.create_task(_renew_forever(runtime, task_id, owner))
    try:
        yield
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer


async def _renew_forever(runtime: Runtime, task_id: int, owner: str) -> None:
    every = lease_length(runtime).total_seconds() / RENEWALS_PER_LEASE
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(renew_lease, runtime, task_id, owner)
        except Exception:  # a database blip: the next renewal is still well inside the lease
            log.warning("could not renew the lease of task %s", task_id, exc_info=True)
