"""What the worker does for the public page besides booking: send the mail outbox, write and
delete calendar events (retrying failures), and refresh the calendars' busy times. It runs
beside the booking loop, not in it, so a slow mail or calendar server never delays a snipe."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from autobook.appointments.calendar_sync import refresh_busy, sync_events
from autobook.appointments.mailer import send_due_mails
from autobook.runtime import Runtime

log = logging.getLogger(__name__)
CHORES_EVERY_S = 5.0
BUSY_EVERY_S = 60.0  # calendars are read once a minute, not on every pass


def run_chores(runtime: Runtime, *, busy: bool = True) -> None:
    now = datetime.now(UTC)
    if busy:
        refresh_busy(runtime, now=now)
    sync_events(runtime, now=now)
    sent, failed = send_due_mails(runtime, now=now)
    if sent or failed:
        log.info("appointment mails: %d sent, %d failed (retried later)", sent, failed)


async def chores_loop(
    runtime: Runtime, stop: asyncio.Event, every_s: float = CHORES_EVERY_S
) -> None:
    """Until `stop`: the chores, then a pause; a failing pass is logged and the next tries."""
    busy_read_at = float("-inf")
    while not stop.is_set():
        busy = time.monotonic() - busy_read_at >= BUSY_EVERY_S
        try:
            await asyncio.to_thread(run_chores, runtime, busy=busy)
            if busy:
                busy_read_at = time.monotonic()
        except Exception:
            log.exception("appointment chores failed; trying again shortly")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
