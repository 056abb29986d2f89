"""One booking session in its own browser context: the clinic's steps up to payment, then the
watch until an outcome, a timeout or a cancel. The context is closed when the session ends.

Every state change is a compare-and-set (`handoff.moves.advance`), so a DELETE that lands
while the browser works wins cleanly: the runner sees the session is no longer its own, lets
the held time go and closes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
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
)
from autobook.engine.browsers import AccountBrowser, masked_screenshot
from autobook.handoff.moves import advance
from autobook.handoff.watch import Watch
from autobook.runtime import Runtime
from autobook.sites.base import ConfigError, NotReleased, SiteError, SlotTaken
from autobook.sites.clinic.adapter import ClinicAdapter
from autobook.sites.clinic.browser import Patient, Widget
from autobook.sites.clinic.handoff import HeldPage, let_go, walk_to_payment, widget_on

if TYPE_CHECKING:
    from playwright.async_api import Page

log = logging.getLogger(__name__)

St = SessionState
LIVE_PATH = "/handoff/"  # autobook's own page showing the held tab (web/handoff_live.py)
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
    if not held.url_carries_session:  # the person will use this very tab, on a phone
        await widget.page.set_viewport_size(PHONE)
    if not await asyncio.to_thread(_ready, runtime, lease.session_id, held, request):
        await let_go(widget)  # cancelled while the steps were done
        return
    await _shoot(runtime, widget, lease.session_id, "payment")
    if not held.url_carries_session:
        live[lease.session_id] = widget.page
    try:
        await watch(runtime, widget, lease, held.url_carries_session)
    finally:
        live.pop(lease.session_id, None)


async def resume(
    runtime: Runtime, browser: AccountBrowser, lease: Lease, live: dict[str, Page]
) -> None:
    """After a restart: the payment page's URL opened again (URL handoff only: a live tab
    died with the process that held it) and the watch carried on."""
    row = await asyncio.to_thread(load, runtime, lease.session_id)
    if row.mode != HandoffMode.URL or row.handoff_url_enc is None:
        await asyncio.to_thread(move, runtime, lease.session_id, St.FAILED, None,
                                outcome=SessionOutcome.ERROR.value,
                                error_message="the held browser tab was lost when autobook "
                                "restarted; start a new session")  # fmt: skip
        return
    widget = widget_on(await browser.page(), row.booking_url)
    await widget.page.goto(runtime.vault.decrypt(row.handoff_url_enc))
    await watch(runtime, widget, lease, True)


async def watch(runtime: Runtime, widget: Widget, lease: Lease, reload: bool) -> None:
    watcher = Watch(runtime, widget, lease, reload=reload, shoot=_shoot)
    ended = await watcher.run()
    if ended in (St.CANCELLED, St.ABANDONED):
        await let_go(widget)


def _patient(request: SessionRequest) -> Patient:
    lead = request.lead
    return Patient(lead.first_name, lead.last_name, lead.phone, lead.email)


def _ready(runtime: Runtime, session_id: str, held: HeldPage, request: SessionRequest) -> bool:
    """navigating → ready_for_handoff with the handoff URL (encrypted: it is the booking) and
    what was chosen, for the confirmation details. Where the page's URL carries the booking
    the person gets it; elsewhere autobook's own live page, under an unguessable token."""
    changes: dict[str, Any] = {"mode": HandoffMode.URL.value}
    url = held.url
    if not held.url_carries_session:
        token = secrets.token_urlsafe(24)
        url = f"{LIVE_PATH}{token}"  # the API puts AUTOBOOK_PUBLIC_URL before it
        changes = {"mode": HandoffMode.LIVE.value, "token_hash": token_digest(token)}
    at = datetime.combine(request.day, request.at, ClinicAdapter.info.zone)
    chosen = {"appointmentTime": at.isoformat(), "provider": held.provider,
              "service": held.service}  # fmt: skip
    return move(
        runtime, session_id, St.READY_FOR_HANDOFF, St.NAVIGATING,
        handoff_url_enc=runtime.vault.encrypt(url), confirmation={"chosen": chosen},
        last_activity_at=datetime.now(UTC), **changes,
    )  # fmt: skip


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _failed_navigation(runtime: Runtime, session_id: str, exc: SiteError) -> None:
    if isinstance(exc, SlotTaken | NotReleased):
        outcome = SessionOutcome.SLOT_UNAVAILABLE
    else:
        outcome = SessionOutcome.ERROR
    why = str(exc) if isinstance(exc, ConfigError) else f"{exc.kind}: {exc}"
    log.info("booking session %s failed before the handoff: %s", session_id, why)
    move(runtime, session_id, St.FAILED, St.NAVIGATING, outcome=outcome.value, error_message=why)


async def _shoot(runtime: Runtime, widget: Widget, session_id: str, label: str) -> None:
    """A screenshot of the page with the card fields masked, named on the session."""
    name = f"handoff-{session_id}-{label}.png"
    try:
        await masked_screenshot(widget.page, runtime.settings.screenshots_dir / name,
                                ClinicAdapter.info.sensitive_selectors)  # fmt: skip
    except Exception as exc:  # a screenshot is a trace, never a reason to fail the session
        log.warning("booking session %s: no screenshot (%s)", session_id, exc)
        return
    await asyncio.to_thread(_set_screenshot, runtime, session_id, name)


def _set_screenshot(runtime: Runtime, session_id: str, name: str) -> None:
    with transaction(runtime.sessions) as session:
        repo.update_session(session, session_id, screenshot=name)
