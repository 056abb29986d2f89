"""The worker loop: find due tasks, run them, beat the heartbeat, recover abandoned ones.

Runs embedded in `autobook serve` (SQLite by default) or alone as `autobook worker`. A task is
claimed by compare-and-set with a lease (`engine.records.claim`), so two loops never run one task;
a loop that dies leaves a lease that expires, and `recover_abandoned` puts the task back. The
next attempt asks the site for existing bookings before holding anything, so a recovered task
never books twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import not_, or_, select

from autobook.appointments.chores import chores_loop
from autobook.db.models import Meta, Task
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.db.tasks import transition
from autobook.domain.statuses import TaskStatus
from autobook.domain.tasks import Strategy
from autobook.engine.attempt import AttemptResult, run_attempt
from autobook.engine.browsers import BrowserPool
from autobook.engine.snipe import run_snipe
from autobook.runtime import Runtime
from autobook.worker.containment import contained
from autobook.worker.coordinator import Coordinator
from autobook.worker.lease import keep_lease
from autobook.worker.listings import is_listed
from autobook.worker.plan import Plan, plan_task

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker_heartbeat"  # read by /health
SNIPE_LANE = 20  # due tasks looked at beyond the concurrency, so parked snipes are found
POLL_S = 1.0  # how often the loop looks for due tasks; a due task waits at most this long
SNIPE_SETTLE_S = 60  # on stop, a snipe firing sooner than this is let finish
DUE = (TaskStatus.PENDING, TaskStatus.SCHEDULED)
WATCH = Plan("watch")
RUNNING = (TaskStatus.CHECKING, TaskStatus.BOOKING)
NONE: frozenset[str] = frozenset()


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def due_tasks(
    runtime: Runtime, limit: int, now: datetime | None = None, *, listed: frozenset[str] = NONE
) -> list[tuple[int, str, str]]:
    """(id, strategy, site) of tasks whose next run has come, soonest first (never-run first).
    Watch tasks on the `listed` sites are left out: the listing coordinator serves them."""
    now = now or datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        query = (
            select(Task.id, Task.strategy, Task.site)
            .where(Task.status.in_([s.value for s in DUE]))
            .where(or_(Task.next_run_at.is_(None), Task.next_run_at <= now))
            .order_by(Task.next_run_at.is_not(None), Task.next_run_at, Task.id)
            .limit(limit)
        )
        if listed:
            query = query.where(not_(is_listed(listed)))
        return [(task_id, strategy, site) for task_id, strategy, site in session.execute(query)]


def due_task_ids(
    runtime: Runtime, limit: int, now: datetime | None = None, *, listed: frozenset[str] = NONE
) -> list[int]:
    return [task_id for task_id, _, _ in due_tasks(runtime, limit, now, listed=listed)]


def recover_abandoned(runtime: Runtime, now: datetime | None = None) -> list[int]:
    """Put tasks whose worker's lease ran out back to pending; their ids."""
    now = now or datetime.now(UTC)
    recovered = []
    with transaction(runtime.sessions) as session:
        stale = session.execute(
            select(Task.id, Task.status)
            .where(Task.status.in_([s.value for s in RUNNING]))
            .where(Task.lease_expires_at < now)
        ).all()
    for task_id, status in stale:
        with transaction(runtime.sessions) as session:
            if transition(session, task_id, TaskStatus(status), TaskStatus.PENDING,
                          lease_owner=None, lease_expires_at=None, next_run_at=now):  # fmt: skip
                write_log(session, level="WARN", source="Worker", task_id=task_id,
                          message="recovered from a worker that stopped mid-attempt; the next "
                          "attempt checks the site for an existing booking first")  # fmt: skip
                recovered.append(task_id)
    return recovered


def beat(runtime: Runtime, now: datetime | None = None) -> None:
    stamp = (now or datetime.now(UTC)).isoformat()
    with transaction(runtime.sessions) as session:
        row = session.get(Meta, HEARTBEAT_KEY)
        if row is None:
            session.add(Meta(key=HEARTBEAT_KEY, value=stamp))
        else:
            row.value = stamp


def housekeeping(runtime: Runtime) -> None:
    """What every worker does each tick: beat the heartbeat, recover abandoned tasks."""
    beat(runtime)
    for task_id in recover_abandoned(runtime):
        log.warning("task %s recovered from an abandoned attempt", task_id)


async def run_watch(runtime: Runtime, task_id: int, *, pool: BrowserPool, worker: str) -> None:
    """A watch attempt the listing coordinator started (its task saw a wanted free slot)."""
    run = partial(run_planned, runtime, task_id, WATCH, pool=pool, worker=worker)
    result = await contained(runtime, task_id, worker, "running its watch", run)
    if result is not None:
        log.info("task %s: watch %s — %s", task_id, result.outcome, result.message)


async def run_planned(
    runtime: Runtime, task_id: int, plan: Plan, *, pool: BrowserPool, worker: str
) -> AttemptResult | None:
    """Run what `plan` says (a snipe at its release, or a watch check), keeping the task's
    lease alive meanwhile; None when there is nothing to run now (a parked snipe)."""
    async with keep_lease(runtime, task_id, worker):
        if plan.action == "snipe" and plan.release_at is not None:
            return await run_snipe(runtime, task_id, plan.release_at, pool=pool, worker=worker)
        if plan.action == "watch":
            return await run_attempt(runtime, task_id, pool=pool, worker=worker)
    return None


class Worker:
    """Runs due tasks, at most `concurrency` at a time, until `stop` is set."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        concurrency: int = 1,
        name: str | None = None,
        poll_s: float = POLL_S,
    ) -> None:
        self.runtime = runtime
        self.concurrency = concurrency
        self.name = name or worker_name()
        self.poll_s = poll_s
        self._running: dict[int, asyncio.Task[None]] = {}
        self._snipes: dict[int, asyncio.Task[None]] = {}
        self._releases: dict[int, datetime] = {}  # snipe task → its release instant
        self._sites: dict[int, str] = {}  # running watch → its site, for the per-site cap
        self._freed = asyncio.Event()  # an attempt ended: there may be room for the next
        self._listed: frozenset[str] = NONE  # sites whose watches the coordinator serves

    async def run(self, stop: asyncio.Event) -> None:
        chores = asyncio.create_task(chores_loop(self.runtime, stop))  # the public page's mail
        async with BrowserPool() as pool:
            log.info("worker %s started (concurrency %d)", self.name, self.concurrency)
            watch = partial(run_watch, self.runtime, pool=pool, worker=self.name)
            coordinator = Coordinator(self.runtime, pool, self.name, watch,
                                      concurrency=self.concurrency)  # fmt: skip
            self._listed = coordinator.sites
            looking = asyncio.create_task(coordinator.run(stop))
            try:
                while not stop.is_set():
                    await self._tick(pool)
                    self._freed.clear()
                    waits = [asyncio.ensure_future(e.wait()) for e in (stop, self._freed)]
                    # Wake up at the next tick, or as soon as a watch slot frees up, so a busy
                    # worker keeps all its slots working instead of refilling once a tick.
                    await asyncio.wait(
                        waits, timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED
                    )
                    for waiting in waits:
                        waiting.cancel()
            finally:  # stopping or dying: attempts in flight settle before the pool closes
                self._cancel_waiting_snipes()
                if not stop.is_set():  # the loop itself died: the coordinator stops with it
                    looking.cancel()
                in_flight = [looking, *self._running.values(), *self._snipes.values()]
                if in_flight:  # a half-paid booking must settle
                    await asyncio.gather(*in_flight, return_exceptions=True)
                chores.cancel()
                await asyncio.gather(chores, return_exceptions=True)
            log.info("worker %s stopped", self.name)

    async def _tick(self, pool: BrowserPool) -> None:
        """Housekeeping and dispatch; a failing tick (the database gone for a moment) is
        logged and the next one tries again, so the heartbeat resumes by itself."""
        try:
            await asyncio.to_thread(self._tick_db)
            await self._dispatch(pool)
        except Exception:
            log.exception("worker %s: a tick failed; trying again at the next", self.name)

    async def _dispatch(self, pool: BrowserPool) -> None:
        """Start due tasks: watches while there is room, snipes always (they wait for their
        release in their own lane, so a snipe never queues behind a watch)."""
        limit = self.concurrency + SNIPE_LANE
        due = await asyncio.to_thread(partial(due_tasks, self.runtime, limit, listed=self._listed))
        per_site = self.runtime.settings.site_concurrency
        for task_id, strategy, site in due:
            if task_id in self._running or task_id in self._snipes:
                continue
            if strategy != Strategy.SNIPE.value:  # only a snipe's plan depends on the clock
                plan = WATCH
            else:
                plan = await contained(self.runtime, task_id, self.name, "planning its snipe",
                                       partial(asyncio.to_thread, plan_task, self.runtime,
                                               task_id))  # fmt: skip
                if plan is None:
                    continue  # failed with the reason; the other tasks go on
            if plan.action == "snipe" and plan.release_at is not None:
                lane = self._snipes
                self._releases[task_id] = plan.release_at
            elif (
                plan.action == "watch"
                and len(self._running) < self.concurrency
                and sum(s == site for s in self._sites.values()) < per_site  # politeness
            ):
                lane = self._running
                self._sites[task_id] = site
            else:
                continue
            lane[task_id] = asyncio.create_task(self._run_one(task_id, plan, pool, lane))

    def _cancel_waiting_snipes(self) -> None:
        """On stop, a snipe whose release is still a while off is given up (its task goes back
        to pending and is planned again at the next start); one about to fire is let finish."""
        soon = datetime.now(UTC) + timedelta(seconds=SNIPE_SETTLE_S)
        for task_id, task in self._snipes.items():
            if self._releases.get(task_id, soon) > soon:
                task.cancel()

    def _tick_db(self) -> None:
        housekeeping(self.runtime)

    async def _run_one(
        self, task_id: int, plan: Plan, pool: BrowserPool, lane: dict[int, asyncio.Task[None]]
    ) -> None:
        try:
            run = partial(run_planned, self.runtime, task_id, plan, pool=pool, worker=self.name)
            result = await contained(self.runtime, task_id, self.name, f"running its {plan.action}",
                                     run)  # fmt: skip
            if result is not None:
                log.info("task %s: %s %s — %s", task_id, plan.action, result.outcome,
                         result.message)  # fmt: skip
        finally:
            lane.pop(task_id, None)
            self._releases.pop(task_id, None)
            self._sites.pop(task_id, None)
            self._freed.set()
