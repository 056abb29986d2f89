"""`autobook worker`: the booking worker alone, for running web and worker apart or several
workers on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import signal

import click

from autobook.cli_common import echo_note, load_settings, opened_runtime
from autobook.logs import setup_logging
from autobook.worker.loop import Worker


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Tasks run at the same time.  [default: AUTOBOOK_WORKER_CONCURRENCY or 1]",
)
@click.option("--name", default=None, help="Name in leases and logs.  [default: host-pid]")
def worker(concurrency: int | None, name: str | None) -> None:
    """Run due tasks until stopped (Ctrl-C or SIGTERM); attempts in flight finish first."""
    settings = load_settings()
    with opened_runtime(settings) as runtime:
        setup_logging(settings)
        loop = Worker(runtime, concurrency=concurrency or settings.worker_concurrency, name=name)
        echo_note(f"worker {loop.name} running; Ctrl-C to stop")
        asyncio.run(_run(loop))


async def _run(loop: Worker) -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await loop.run(stop)
