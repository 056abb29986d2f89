"""What the worker does for the public page besides booking: send the mail outbox and retry
calendar writes that failed. It runs beside the booking loop, not in it, so a slow mail or
calendar server never delays a snipe."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from autobook.appointments.mailer import send_due_mails
from autobook.runtime import Runtime

log = logging.getLogger(__name__)
CHORES_EVERY_S = 5.0


def run_chores(runtime: Runtime) -> None:
    sent, failed = send_due_mails(runtime)
    if sent or failed:
        log.info("appointment mails: %d sent, %d failed (retried later)", sent, failed)


async def chores_loop(
    runtime: Runtime, stop: asyncio.Event, every_s: float = CHORES_EVERY_S
) -> None:
    """Until `stop`: the chores, then a pause; a failing pass is logged and the next tries."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_chores, runtime)
        except Exception:
            log.exception("appointment chores failed; trying again shortly")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
