"""Watching a handed-off payment page for the outcome (seed 004's detection loop).

Every `AUTOBOOK_HANDOFF_POLL_S` (2 s) the page is read with `sites.outcome` (URL patterns,
texts, elements): success ends the session completed with the confirmation number, a refused
card failed/payment_failed, a time gone failed/slot_unavailable, a site session gone
abandoned/timeout. In URL handoff the person pays in their own browser, so the page is
reloaded to see what they did; in live handoff it is the very tab they use.

A page that is neither the payment form nor an outcome is recorded as outcome `unknown` with a
screenshot and watched on (it may still turn into a confirmation); it is never a failure.
Nothing changing for `AUTOBOOK_HANDOFF_INACTIVITY_S`, or the handoff URL expiring, ends the
session abandoned (outcome timeout, or unknown if that is what the page last showed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from autobook.db import handoffs as repo
from autobook.db.session import transaction
from autobook.domain.handoff import FINAL, SessionOutcome, SessionState
from autobook.handoff.moves import advance
from autobook.handoff.walkers import Held
from autobook.sites.outcome import Outcome, PageOutcome

if TYPE_CHECKING:
    from autobook.handoff.runner import Lease
    from autobook.runtime import Runtime

log = logging.getLogger(__name__)

St = SessionState
Shoot = Callable[["Runtime", Held, str, str], Awaitable[None]]
UNKNOWN_NOTE = ("the page shows no confirmation and no error (see the screenshot): check with "
                "the site before booking again")  # fmt: skip
# Page outcome → the session's end.
ENDINGS: dict[Outcome, tuple[St, SessionOutcome]] = {
    Outcome.SUCCESS: (St.COMPLETED, SessionOutcome.SUCCESS),
    Outcome.DECLINED: (St.FAILED, SessionOutcome.PAYMENT_FAILED),
    Outcome.EXPIRED: (St.FAILED, SessionOutcome.PAYMENT_FAILED),
    Outcome.SLOT_UNAVAILABLE: (St.FAILED, SessionOutcome.SLOT_UNAVAILABLE),
    Outcome.SESSION_GONE: (St.ABANDONED, SessionOutcome.TIMEOUT),
}


class Watch:
    def __init__(
        self, runtime: Runtime, held: Held, lease: Lease, *, reload: bool, shoot: Shoot
    ) -> None:
        self.runtime = runtime
        self.held = held
        self.lease = lease
        self.reload = reload
        self.shoot = shoot
        self.url = held.page.url  # the payment page
        self.settings = runtime.settings
        self.seen: tuple[str, str] | None = None  # what the page showed last (URL, outcome)
        self.unknown = False

    @property
    def session_id(self) -> str:
        return self.lease.session_id

    async def run(self) -> St:
        """Watch until the session ends (here or by a cancel); the state it ended in."""
        while True:
            state = await asyncio.to_thread(self.lease.renew)
            if state in FINAL:
                return state
            seen = await self._look()
            if seen.outcome in ENDINGS:
                target, outcome = ENDINGS[seen.outcome]
                if await asyncio.to_thread(self._end, target, outcome, seen):
                    return target
                continue  # a cancel won meanwhile: the next renew says so
            if not await asyncio.to_thread(self._still_wanted):
                return St.ABANDONED
            await asyncio.sleep(self.settings.handoff_poll_s)

    async def _look(self) -> PageOutcome:
        page = self.held.page
        if self.reload:
            try:
                await page.goto(self.url, wait_until="domcontentloaded")
            except Exception as exc:  # the site did not answer this time: look again later
                log.info("booking session %s: reload failed (%s)", self.session_id, exc)
                return PageOutcome(Outcome.UNKNOWN, "the page did not load")
        seen, at_payment = await self.held.look()
        now_showing = (page.url, seen.outcome.value)
        if now_showing != self.seen:
            self.seen = now_showing
            await asyncio.to_thread(self._touch)
        if seen.outcome is Outcome.UNKNOWN and not at_payment and not self.unknown:
            self.unknown = True
            await self.shoot(self.runtime, self.held, self.session_id, "unknown")
            await asyncio.to_thread(self._note_unknown)
        return seen

    def _touch(self) -> None:
        with transaction(self.runtime.sessions) as session:
            repo.update_session(session, self.session_id, last_activity_at=datetime.now(UTC))

    def _note_unknown(self) -> None:
        with transaction(self.runtime.sessions) as session:
            repo.update_session(session, self.session_id, outcome=SessionOutcome.UNKNOWN.value,
                                error_message=UNKNOWN_NOTE)  # fmt: skip

    def _end(self, target: St, outcome: SessionOutcome, seen: PageOutcome) -> bool:
        changes: dict[str, Any] = {"outcome": outcome.value, "error_message": seen.reason or None}
        with transaction(self.runtime.sessions) as session:
            row = repo.get_session(session, self.session_id)
            if outcome is SessionOutcome.SUCCESS:
                chosen = (row.confirmation or {}).get("chosen", {})
                changes["confirmation"] = {**chosen, "confirmationNumber": seen.reference}
                changes["error_message"] = None
            return advance(session, self.session_id, target, **changes)

    def _still_wanted(self) -> bool:
        """False (and the session abandoned) once the page idled or the URL expired."""
        now = datetime.now(UTC)
        with transaction(self.runtime.sessions) as session:
            row = repo.get_session(session, self.session_id)
            idle = now - (row.last_activity_at or row.created_at)
            expired = row.handoff_expires_at is not None and row.handoff_expires_at <= now
            if idle < timedelta(seconds=self.settings.handoff_inactivity_s) and not expired:
                return True
            why = "the handoff URL expired" if expired else "nobody finished the payment in time"
            outcome = SessionOutcome.UNKNOWN if self.unknown else SessionOutcome.TIMEOUT
            note = UNKNOWN_NOTE if self.unknown else why
            advance(session, self.session_id, St.ABANDONED, outcome=outcome.value,
                    error_message=note)  # fmt: skip
            return False
