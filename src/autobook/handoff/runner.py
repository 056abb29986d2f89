"""One booking session in its own browser context: the clinic's steps up to payment (or, for a
task paid by handoff on a site whose checkout is bound to its login, the task's hold taken
over after a fresh login), then the watch until an outcome, a timeout or a cancel. The context
is closed when the session ends.

Every state change is a compare-and-set (`handoff.moves.advance`), so a DELETE that lands
while the browser works wins cleanly: the runner sees the session is no longer its own, lets
the held time go and closes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from autobook.db import handoffs as repo
from autobook.db.models import HandoffSession
from autobook.db.session import transaction
from autobook.domain.handoff import (
    HandoffMode,
    SessionOutcome,
    SessionRequest,
    SessionState,
    new_live_link,
)
from autobook.engine.browsers import AccountBrowser, masked_screenshot
from autobook.handoff.moves import advance
from autobook.handoff.walkers import ClinicHeld, Held, take_over_task
from autobook.handoff.watch import Watch
from autobook.runtime import Runtime
from autobook.sites.base import ConfigError, NotReleased, SiteError, SlotTaken
from autobook.sites.clinic.adapter import ClinicAdapter
from autobook.sites.clinic.browser import Patient
from autobook.sites.clinic.handoff import HeldPage, let_go, walk_to_payment, widget_on

if TYPE_CHECKING:
    from playwright.async_api import Page

log = logging.getLogger(__name__)

St = SessionState
PHONE = {"width": 390, "height": 844}  # the held tab's size in a live handoff


@dataclass
class Lease:
    """This process's right to drive one session, renewed at every look."""

    runtime: Runtime
    session_id: str
    owner: str
    seconds: float

    def renew(self) -> St:
        """Renew; the session's state now (a lost lease reads as cancelled: hands off)."""
        now = datetime.now(UTC)
        with transaction(self.runtime.sessions) as session:
            ours = repo.take_lease(session, self.session_id, self.owner,
                                   now + timedelta(seconds=self.seconds), now=now)  # fmt: skip
            state = St(repo.get_session(session, self.session_id).state)
        return state if ours else St.CANCELLED


def move(runtime: Runtime, session_id: str, target: St, expected: St | None = None,
         **changes: Any) -> bool:  # fmt: skip
    with transaction(runtime.sessions) as session:
        return advance(session, session_id, target, expected=expected, **changes)


def load(runtime: Runtime, session_id: str) -> HandoffSession:
    with transaction(runtime.sessions) as session:
        row = repo.get_session(session, session_id)
        session.expunge(row)
        return row


async def drive(
    runtime: Runtime, browser: AccountBrowser, lease: Lease, live: dict[str, Page]
) -> None:
    """A session taken from the queue (already moved to navigating): steps, handoff, watch.
    A live handoff's tab is in `live` (by session id) while it is watched."""
    row = await asyncio.to_thread(load, runtime, lease.session_id)
    request = SessionRequest.from_json(row.request)
    widget = widget_on(await browser.page(), request.booking_url,
                       typing_delay_ms=runtime.settings.human_typing_ms)  # fmt: skip
    try:
        held = await walk_to_payment(
            widget, day=request.day, at=request.at, patient=_patient(request),
            service=request.service, provider=request.provider,
        )  # fmt: skip
    except SiteError as exc:
        await asyncio.to_thread(_failed_navigation, runtime, lease.session_id, exc)
        return
    # A task's session gave the person a link to the live page already (its token is set).
    shown_live = not held.url_carries_session or row.token_hash is not None
    if shown_live:  # the person will use this very tab, on a phone
        await widget.page.set_viewport_size(PHONE)
    ready = await asyncio.to_thread(_ready, runtime, row, held, request, shown_live)
    if not ready:
        await let_go(widget)  # cancelled while the steps were done
        return
    await _hand_over(runtime, ClinicHeld(widget), lease, live if shown_live else None)


async def _hand_over(
    runtime: Runtime, held: Held, lease: Lease, live: dict[str, Page] | None
) -> None:
    """The payment page shot (masked), shown live if `live`, watched until the end."""
    await _shoot(runtime, held, lease.session_id, "payment")
    if live is not None:
        live[lease.session_id] = held.page
    try:
        await watch(runtime, held, lease, live is None)
    finally:
        if live is not None:
            live.pop(lease.session_id, None)


async def resume(
    runtime: Runtime, browser: AccountBrowser, lease: Lease, live: dict[str, Page]
) -> None:
    """A session nobody drives: after a restart, the payment page's URL opened again (URL
    handoff) and watched on; a task's live handoff (its checkout bound to the login) taken
    over in this browser, which is how a task's session starts at all. A clinic's live tab
    died with the process that held it."""
    row = await asyncio.to_thread(load, runtime, lease.session_id)
    if row.mode == HandoffMode.LIVE and row.task_id is not None:
        await _take_over(runtime, browser, lease, live, row)
        return
    if row.mode != HandoffMode.URL or row.handoff_url_enc is None:
        await asyncio.to_thread(move, runtime, lease.session_id, St.FAILED, None,
                                outcome=SessionOutcome.ERROR.value,
                                error_message="the held browser tab was lost when autobook "
                                "restarted; start a new session")  # fmt: skip
        return
    widget = widget_on(await browser.page(), row.booking_url)
    await widget.page.goto(runtime.vault.decrypt(row.handoff_url_enc))
    await watch(runtime, ClinicHeld(widget), lease, True)


async def _take_over(
    runtime: Runtime, browser: AccountBrowser, lease: Lease, live: dict[str, Page],
    row: HandoffSession,
) -> None:  # fmt: skip
    """The task's hold opened afresh on a phone-sized tab for the person to pay on live. A
    lost basket ends the session slot_unavailable; a basket holding another court, date or
    time ends it with an error (that line is given back; nothing was paid)."""
    await (await browser.page()).set_viewport_size(PHONE)
    try:
        held = await take_over_task(runtime, browser, row)
    except SiteError as exc:
        await asyncio.to_thread(_failed_navigation, runtime, lease.session_id, exc, None)
        return
    try:
        await _hand_over(runtime, held, lease, live)
    finally:
        await held.close()


async def watch(runtime: Runtime, held: Held, lease: Lease, reload: bool) -> None:
    watcher = Watch(runtime, held, lease, reload=reload, shoot=_shoot)
    ended = await watcher.run()
    if ended is not St.COMPLETED:
        # Nobody paid (a declined card too): give the time back now rather than leave it
        # blocked until the site's own timeout. A hold that was paid after all is gone from
        # the site's basket, so letting it go finds nothing.
        await held.let_go()


def _patient(request: SessionRequest) -> Patient:
    lead = request.lead
    return Patient(lead.first_name, lead.last_name, lead.phone, lead.email)


def _ready(
    runtime: Runtime, row: HandoffSession, held: HeldPage, request: SessionRequest, live: bool
) -> bool:
    """navigating → ready_for_handoff with the handoff URL (encrypted: it is the booking) and
    what was chosen, for the confirmation details. The person gets the page's own URL, or
    (`live`) autobook's live page under an unguessable token: a new one, unless a task's
    session gave its link out already."""
    changes: dict[str, Any] = {"mode": HandoffMode.LIVE.value if live else HandoffMode.URL.value}
    if not live:
        changes["handoff_url_enc"] = runtime.vault.encrypt(held.url)
    elif row.token_hash is None:
        token_hash, link = new_live_link()  # the API puts AUTOBOOK_PUBLIC_URL before it
        changes.update(token_hash=token_hash, handoff_url_enc=runtime.vault.encrypt(link))
    at = datetime.combine(request.day, request.at, ClinicAdapter.info.zone)
    chosen = {"appointmentTime": at.isoformat(), "provider": held.provider,
              "service": held.service}  # fmt: skip
    return move(
        runtime, row.id, St.READY_FOR_HANDOFF, St.NAVIGATING, confirmation={"chosen": chosen},
        last_activity_at=datetime.now(UTC), **changes,
    )  # fmt: skip


def _failed_navigation(
    runtime: Runtime, session_id: str, exc: SiteError, before: St | None = St.NAVIGATING
) -> None:
    """The session failed before the person got the page: the steps to it, or a task's hold
    taken over (`before` None: whatever state it was in)."""
    if isinstance(exc, SlotTaken | NotReleased):
        outcome = SessionOutcome.SLOT_UNAVAILABLE
    else:
        outcome = SessionOutcome.ERROR
    why = str(exc) if isinstance(exc, ConfigError) else f"{exc.kind}: {exc}"
    log.info("booking session %s failed before the handoff: %s", session_id, why)
    move(runtime, session_id, St.FAILED, before, outcome=outcome.value, error_message=why)


async def _shoot(runtime: Runtime, held: Held, session_id: str, label: str) -> None:
    """A screenshot of the page with the card fields masked, named on the session."""
    name = f"handoff-{session_id}-{label}.png"
    try:
        await masked_screenshot(held.page, runtime.settings.screenshots_dir / name,
                                held.sensitive)  # fmt: skip
    except Exception as exc:  # a screenshot is a trace, never a reason to fail the session
        log.warning("booking session %s: no screenshot (%s)", session_id, exc)
        return
    await asyncio.to_thread(_set_screenshot, runtime, session_id, name)


def _set_screenshot(runtime: Runtime, session_id: str, name: str) -> None:
    with transaction(runtime.sessions) as session:
        repo.update_session(session, session_id, screenshot=name)
