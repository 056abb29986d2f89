"""The handoff service: what runs booking sessions, in the web process (`autobook serve`) or a
worker. One Chromium, one context per session, at most `AUTOBOOK_HANDOFF_CONCURRENCY`
sessions with a browser at once; the rest wait in `created` and start oldest first.

Each tick it also takes over sessions whose driver stopped renewing its lease (a restart):
one caught mid-navigation ends failed with a clear error, one being watched is watched again
from its URL. And it sends the callbacks that are due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from autobook.db import handoffs as repo
from autobook.db.session import transaction
from autobook.domain.handoff import SessionOutcome, SessionState
from autobook.engine.browsers import BrowserPool
from autobook.handoff.callbacks import Deliveries
from autobook.handoff.moves import advance
from autobook.handoff.runner import Lease, drive, resume
from autobook.runtime import Runtime

if TYPE_CHECKING:
    from playwright.async_api import Page

log = logging.getLogger(__name__)

St = SessionState
TICK_S = 0.5  # how soon a queued session or a due callback is noticed
MIN_LEASE_S = 10.0  # a restarted service takes over a session this long after its last look
RESTART_NOTE = "autobook restarted while the browser was doing the booking steps; start again"


class HandoffService:
    def __init__(self, runtime: Runtime, *, owner: str | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_s = max(MIN_LEASE_S, 5 * self.settings.handoff_poll_s)
        self.pool = BrowserPool()
        self.running: dict[str, asyncio.Task[None]] = {}
        self.live: dict[str, Page] = {}  # held tabs a person uses through /handoff/{token}
        self.deliveries = Deliveries(runtime)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:  # a database hiccup: log it and try again next tick
                    log.exception("handoff service tick failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), TICK_S)
        finally:
            await self.close()

    async def tick(self) -> None:
        self._reap()
        for session_id, mid_navigation in await asyncio.to_thread(self._orphans):
            if mid_navigation:
                continue  # already ended failed by _orphans
            self._spawn(session_id, resume)
        free = self.settings.handoff_concurrency - len(self.running)
        if free > 0:
            for session_id in await asyncio.to_thread(self._claim_queued, free):
                self._spawn(session_id, drive)
        await self.deliveries.send_due()

    def _reap(self) -> None:
        for session_id, task in list(self.running.items()):
            if task.done():
                del self.running[session_id]
                if not task.cancelled() and task.exception() is not None:
                    log.error("booking session %s: %r", session_id, task.exception())

    def _lease(self, session_id: str) -> Lease:
        return Lease(self.runtime, session_id, self.owner, self.lease_s)

    def _until(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.lease_s)

    def _claim_queued(self, free: int) -> list[str]:
        """Move up to `free` queued sessions to navigating, oldest first, leased to us."""
        claimed = []
        with transaction(self.runtime.sessions) as session:
            for session_id in repo.queued(session, free):
                if repo.transition(session, session_id, St.CREATED, St.NAVIGATING,
                                   lease_owner=self.owner, lease_until=self._until()):  # fmt: skip
                    claimed.append(session_id)
        return claimed

    def _orphans(self) -> list[tuple[str, bool]]:
        """Sessions nobody drives any more: (id, was mid-navigation). Those mid-navigation end
        failed; the others are leased to us to be watched again."""
        found = []
        now = datetime.now(UTC)
        with transaction(self.runtime.sessions) as session:
            for row in repo.orphans(session, now):
                if row.id in self.running or not repo.take_lease(
                    session, row.id, self.owner, self._until(), now=now
                ):
                    continue
                mid = row.state == St.NAVIGATING
                if mid:
                    advance(
                        session, row.id, St.FAILED, expected=St.NAVIGATING,
                        outcome=SessionOutcome.ERROR.value, error_message=RESTART_NOTE,
                    )  # fmt: skip
                found.append((row.id, mid))
        return found

    def _spawn(self, session_id: str, how: object) -> None:
        async def run() -> None:
            browser = self.pool.account(session_id)
            try:
                await how(self.runtime, browser, self._lease(session_id), self.live)  # type: ignore[operator]
            except Exception as exc:  # the browser or the page broke: the session ends failed
                log.exception("booking session %s broke", session_id)
                await asyncio.to_thread(self._broke, session_id, exc)
            finally:
                await self.pool.drop(session_id)

        self.running[session_id] = asyncio.create_task(run(), name=f"handoff-{session_id}")

    def _broke(self, session_id: str, exc: Exception) -> None:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        with transaction(self.runtime.sessions) as session:
            advance(session, session_id, St.FAILED, outcome=SessionOutcome.ERROR.value,
                    error_message=f"the browser failed: {why[:300]}")  # fmt: skip

    async def close(self) -> None:
        """Stop driving; leases are let go so the next start takes over at once."""
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self._release_leases, list(self.running))
        self.running.clear()
        await self.pool.close()
        await self.deliveries.close()

    def _release_leases(self, session_ids: list[str]) -> None:
        with transaction(self.runtime.sessions) as session:
            for session_id in session_ids:
                repo.update_session(session, session_id, lease_until=None)
