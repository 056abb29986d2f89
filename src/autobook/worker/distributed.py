"""`autobook worker` on PostgreSQL: any number of worker processes, on any number of machines,
sharing the work through Procrastinate's job queue.

Each process does two things:
- a small scan, about once a second: beat the heartbeat, recover tasks whose lease ran out,
  plan the due tasks (parking snipes until their pre-login window) and defer one job per due
  task, `queueing_lock=task-<id>` so at most one job per task ever waits in the queue;
- two Procrastinate workers on the shared connection pool, one per lane: `watch` with the
  configured concurrency, `snipe` with room for every snipe in its window, so a snipe never
  waits behind a slow watch check.

The queue only spreads the work; it is not what makes a task run once. A job re-plans its
task and the engine claims it by compare-and-set with a lease, so a duplicate job (two scans
racing, a job deferred while the task's previous attempt still ran) finds it busy and returns.
No Procrastinate `lock` is used: a SIGKILLed worker leaves its job in `doing` forever, and that
must never block the task. Its task is recovered from the expired lease by any other worker's
scan, and its job row is marked failed once its worker's heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from sqlalchemy import make_url, select, text

from autobook.appointments.chores import chores_loop
from autobook.config import Settings
from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.domain.tasks import Strategy
from autobook.engine.browsers import BrowserPool
from autobook.runtime import Runtime
from autobook.worker.containment import contained
from autobook.worker.coordinator import Coordinator
from autobook.worker.loop import (
    DUE,
    POLL_S,
    SNIPE_LANE,
    due_task_ids,
    housekeeping,
    run_planned,
    run_watch,
    worker_name,
)
from autobook.worker.plan import plan_task

log = logging.getLogger(__name__)

TASK_NAME = "autobook.run_task"
WATCH_QUEUE, SNIPE_QUEUE = "watch", "snipe"
SCAN_LIMIT = 1000  # due tasks deferred per scan at most; the next scan takes the rest
STALLED_SWEEP_S = 60.0  # how often a scan looks for jobs of dead workers
STALLED_AFTER_S = 120.0  # a worker silent this long is dead (Procrastinate beats every 10 s)
POOL_MAX = 8  # connections per process: two listeners, fetches, finishes and the scan


def is_distributed(settings: Settings) -> bool:
    """Distributed workers need PostgreSQL; on SQLite one process runs the plain loop."""
    return make_url(settings.sqlalchemy_url).get_backend_name() == "postgresql"


def conninfo(settings: Settings) -> str:
    """DATABASE_URL as libpq reads it (SQLAlchemy's driver suffix removed)."""
    url = make_url(settings.sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_app(settings: Settings) -> App:
    connector = PsycopgConnector(conninfo=conninfo(settings), min_size=1, max_size=POOL_MAX)
    app = App(connector=connector)
    app.task(name=TASK_NAME, queue=WATCH_QUEUE, pass_context=True)(run_task)
    return app


async def run_task(context: JobContext, task_id: int) -> str:
    """The one job: plan the task now and run it. Returns the outcome (kept by Procrastinate
    only in its logs; the task's own history is in autobook's tables)."""
    worker: DistributedWorker = context.additional_context["worker"]
    return await worker.run_one(task_id)


class DistributedWorker:
    """One `autobook worker` process on PostgreSQL; `run` until `stop` is set."""

    def __init__(self, runtime: Runtime, *, concurrency: int = 1, name: str | None = None):
        self.runtime = runtime
        self.concurrency = concurrency
        self.name = name or worker_name()  # the lease owner of every task this process runs
        self.pool: BrowserPool | None = None
        self._last_sweep = 0.0
        self._listed: frozenset[str] = frozenset()  # sites whose watches the coordinator serves

    async def run(self, stop: asyncio.Event) -> None:
        if not log.isEnabledFor(logging.DEBUG):  # Procrastinate logs a line per job: noise
            logging.getLogger("procrastinate").setLevel(logging.WARNING)
        app = build_app(self.runtime.settings)
        async with app.open_async(), BrowserPool() as pool:
            self.pool = pool
            log.info("worker %s started on PostgreSQL (watch concurrency %d)", self.name,
                     self.concurrency)  # fmt: skip
            # Listed watch tasks are served by the coordinator (listings spread over the
            # workers by their leases); the queue carries snipes and the other watches.
            watch = partial(run_watch, self.runtime, pool=pool, worker=self.name)
            coordinator = Coordinator(self.runtime, pool, self.name, watch,
                                      concurrency=self.concurrency)  # fmt: skip
            self._listed = coordinator.sites
            lanes = [self._lane(app, WATCH_QUEUE, self.concurrency),
                     self._lane(app, SNIPE_QUEUE, SNIPE_LANE)]  # fmt: skip
            scan = asyncio.create_task(self._scan_until(app, stop))
            looking = asyncio.create_task(coordinator.run(stop))
            stopping = asyncio.create_task(stop.wait())
            chores = asyncio.create_task(chores_loop(self.runtime, stop))  # the public page
            try:
                await asyncio.wait([stopping, scan, looking, *lanes],
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            finally:
                chores.cancel()
                await asyncio.gather(chores, return_exceptions=True)
                # Stop deferring first, then let the lanes finish the attempts in flight: a
                # half-paid booking must settle (the coordinator lets its own settle too).
                for task in (stopping, scan, looking, *lanes):
                    task.cancel()
                results = await asyncio.gather(scan, looking, *lanes, return_exceptions=True)
            _raise_failure(results)
            log.info("worker %s stopped", self.name)

    def _lane(self, app: App, queue: str, concurrency: int) -> asyncio.Task[None]:
        return asyncio.create_task(
            app.run_worker_async(
                queues=[queue],
                name=f"{self.name}-{queue}",
                concurrency=concurrency,
                additional_context={"worker": self},
                install_signal_handlers=False,  # `autobook worker` owns SIGINT and SIGTERM
                delete_jobs="always",  # a job is one check; the task keeps the history
            )
        )

    async def run_one(self, task_id: int) -> str:
        """The job's work, contained: a task that raises is failed with the reason and the
        job ends normally, so the lane goes on and the queue does not retry a bad task."""
        outcome = await contained(self.runtime, task_id, self.name, "running it",
                                  partial(self._run_one, task_id))  # fmt: skip
        return outcome or "failed"

    async def _run_one(self, task_id: int) -> str:
        assert self.pool is not None, "run_one runs inside run()"
        if not await asyncio.to_thread(is_due, self.runtime, task_id):
            return "not due"  # a duplicate job: the task ran meanwhile and waits for later
        plan = await asyncio.to_thread(plan_task, self.runtime, task_id)
        result = await run_planned(self.runtime, task_id, plan, pool=self.pool, worker=self.name)
        if result is None:
            return plan.action
        log.info("task %s: %s %s — %s", task_id, plan.action, result.outcome, result.message)
        return result.outcome

    # --- the scan ---------------------------------------------------------------------------
    async def _scan_until(self, app: App, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.scan(app)
            except Exception:  # the database went away for a moment: try again next tick
                log.exception("worker %s: the scan failed", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_S)

    async def scan(self, app: App) -> int:
        """One tick: housekeeping, then a job for every due task without one; their count."""
        await asyncio.to_thread(housekeeping, self.runtime)
        deferred = 0
        for task_id, strategy in await asyncio.to_thread(self._due_without_job):
            action = "watch"
            if strategy == Strategy.SNIPE.value:  # only snipes need planning: park or strike
                plan = await contained(self.runtime, task_id, self.name, "planning its snipe",
                                       partial(asyncio.to_thread, plan_task, self.runtime,
                                               task_id))  # fmt: skip
                action = plan.action if plan is not None else "failed"
            queue = {"watch": WATCH_QUEUE, "snipe": SNIPE_QUEUE}.get(action)
            if queue is None:
                continue  # a snipe parked until its pre-login window
            with contextlib.suppress(AlreadyEnqueued):  # another worker's scan was first
                deferrer = app.configure_task(
                    TASK_NAME, queue=queue, queueing_lock=lock_of(task_id)
                )
                await deferrer.defer_async(task_id=task_id)
                deferred += 1
        if time.monotonic() - self._last_sweep > STALLED_SWEEP_S:
            await self._sweep_stalled(app)
        return deferred

    def _due_without_job(self) -> list[tuple[int, str]]:
        """Due tasks with no job waiting for them yet, and their strategies."""
        ids = due_task_ids(self.runtime, SCAN_LIMIT, listed=self._listed)
        if not ids:
            return []
        with transaction(self.runtime.sessions) as session:
            waiting = set(
                session.scalars(
                    text(
                        "SELECT queueing_lock FROM procrastinate_jobs "
                        "WHERE status = 'todo' AND queueing_lock = ANY(:locks)"
                    ),
                    {"locks": [lock_of(i) for i in ids]},
                )
            )
            rows = session.execute(select(Task.id, Task.strategy).where(Task.id.in_(ids)))
            strategies = {task_id: strategy for task_id, strategy in rows}
        return [(i, strategies[i]) for i in ids if lock_of(i) not in waiting and i in strategies]

    async def _sweep_stalled(self, app: App) -> None:
        """Close the jobs of workers that died: their tasks were already recovered from their
        leases; this only keeps the queue's own table truthful."""
        self._last_sweep = time.monotonic()
        manager = app.job_manager
        stalled = await manager.get_stalled_jobs(
            task_name=TASK_NAME, seconds_since_heartbeat=STALLED_AFTER_S
        )
        for job in stalled:
            assert job.id is not None
            with contextlib.suppress(Exception):  # a live worker finished it meanwhile
                await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=True)
                log.warning("job %s of a dead worker closed (%s)", job.id, job.call_string)


def is_due(runtime: Runtime, task_id: int, now: datetime | None = None) -> bool:
    """Whether the task still waits for a run now (the claim decides who runs it)."""
    now = now or datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        if task is None or task.status not in {s.value for s in DUE}:
            return False
        return task.next_run_at is None or task.next_run_at <= now


def lock_of(task_id: int) -> str:
    return f"task-{task_id}"


def _raise_failure(results: list[Any]) -> None:
    """A lane or the scan that ended by itself (not by our cancel) takes the process down."""
    for outcome in results:
        if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome
