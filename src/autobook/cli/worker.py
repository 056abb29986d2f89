"""`autobook worker`: the booking worker alone, for running web and worker apart or several
workers on one PostgreSQL database.

On PostgreSQL it is a distributed worker (Procrastinate's queue, any number of processes); on
SQLite it runs the plain in-process loop, and only one worker process should run there.
"""

from __future__ import annotations

import asyncio
import signal

import click

from autobook.cli.common import echo_note, load_settings, opened_runtime
from autobook.handoff.service import HandoffService
from autobook.logs import setup_logging
from autobook.worker.containment import supervise
from autobook.worker.distributed import DistributedWorker, is_distributed
from autobook.worker.loop import Worker


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Watch checks run at the same time.  [default: AUTOBOOK_WORKER_CONCURRENCY or 1]",
)
@click.option("--name", default=None, help="Name in leases and logs.  [default: host-pid]")
def worker(concurrency: int | None, name: str | None) -> None:
    """Run due tasks until stopped (Ctrl-C or SIGTERM); attempts in flight finish first.

    On PostgreSQL, start as many as you like, on any machines; on SQLite, start one.
    """
    settings = load_settings()
    with opened_runtime(settings) as runtime:
        setup_logging(settings)
        width = concurrency or settings.worker_concurrency
        loop: Worker | DistributedWorker
        if is_distributed(settings):
            loop = DistributedWorker(runtime, concurrency=width, name=name)
            mode = "on PostgreSQL"
        else:
            loop = Worker(runtime, concurrency=width, name=name)
            mode = "on SQLite (run only one worker process)"
        echo_note(f"worker {loop.name} running {mode}; Ctrl-C to stop")
        asyncio.run(_run(loop))


async def _run(loop: Worker | DistributedWorker) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    # Booking sessions (seed 004) run here too; leases keep two workers off one session.
    sessions = asyncio.create_task(HandoffService(loop.runtime).run(stop))
    await supervise(loop.runtime, loop.name, loop.run, stop)  # a loop that dies is restarted
    await sessions
