"""One attempt at a task: log in → find → choose → check existing → hold → pay → confirm →
screenshot. Every step is timed into the execution log; every failure ends in a defined state.

| what went wrong            | attempt outcome | task afterwards                              |
|----------------------------|-----------------|----------------------------------------------|
| login refused              | auth            | failed, "authentication error", not retried  |
| timeout / 5xx / 409 shed   | transient       | retried 3 times in the attempt, then pending |
| slot taken during checkout | slot_taken      | pending: the next cycle tries again          |
| payment declined           | declined        | failed, with the site's reason               |
| not released yet           | not_released    | pending until the release instant            |
| page or field missing      | site_changed    | failed, with screenshot, HTML and selector   |
| no outcome after paying    | payment_unknown | failed, with screenshot and HTML, never retried |

Never pay twice: a task with a confirmed booking never checks out again, and before holding a
slot the engine asks the site for the account's bookings on that day.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from autobook.db.models import utcnow
from autobook.domain.booking import Confirmation, Hold, Slot
from autobook.domain.choice import choose, off_target
from autobook.domain.statuses import TaskStatus
from autobook.domain.tasks import PaymentMethod
from autobook.engine import crashpoints, records
from autobook.engine.browsers import AccountBrowser, BrowserPool, masked_screenshot, save_html
from autobook.engine.consent import dismiss_cookie_banner
from autobook.engine.steps import Progress, StepLog, StepNote, retrying
from autobook.runtime import Runtime
from autobook.sites.base import (
    AdapterContext,
    NotReleased,
    SiteAdapter,
    SiteChanged,
    SiteError,
    SlotTaken,
    WrongBooking,
)
from autobook.sites.registry import adapter_class

log = logging.getLogger(__name__)

# Error kinds after which the task is finished as failed; the others wait for the next cycle.
# payment_unknown is final too: the card may have been charged, so it is never paid again.
FINAL_KINDS = frozenset({"auth", "config", "declined", "site_changed", "payment_unknown"})
POLL_JITTER = 0.1  # next checks land within ±10 % of the task's interval
# Outcomes of an ordinary poll: not written to the system log, and only the latest such attempt
# of a task is kept, so a task watched for weeks leaves one row, not thousands.
ROUTINE_OUTCOMES = frozenset({"no_slot"})
# Outcomes that are not errors: nothing to show in the attempt's error column.
QUIET_OUTCOMES = frozenset({"booked", "already_booked", "dry_run", "handoff", "no_slot", "busy"})


@dataclass
class AttemptResult:
    outcome: str  # booked, dry_run, no_slot, already_booked, busy, expired, or an error kind
    task_status: TaskStatus
    message: str
    attempt_id: int | None = None
    booking_id: int | None = None
    reference: str | None = None
    court: str | None = None
    price: str | None = None
    screenshot: str | None = None  # file name inside settings.screenshots_dir


async def run_attempt(
    runtime: Runtime,
    task_id: int,
    *,
    pool: BrowserPool,
    worker: str = "engine",
    progress: Progress | None = None,
) -> AttemptResult:
    """Run one attempt for the task and leave it in a defined state."""
    job = records.load_job(runtime, task_id)
    if records.finish_if_booked(runtime, job, worker):
        return AttemptResult("already_booked", job.status, "the task already has a booking")
    if not records.claim(runtime, job, worker):
        return AttemptResult("busy", job.status, f"the task is {job.status.value}, not runnable")
    crashpoints.reached("after_claim")
    cls = adapter_class(job.site)
    if records.target_day_passed(job.want, cls.info.zone):
        records.move(runtime, job, TaskStatus.EXPIRED, error="the wanted slots have started")
        return AttemptResult("expired", job.status, "the wanted slots have started")
    if job.book_all:
        from autobook.engine.divided import DividedAttempt  # it builds on Attempt

        divided = DividedAttempt(runtime, job, cls, pool, worker, progress)
        divided.open_seats(records.load_seats(runtime, task_id))
        return await divided.run()
    return await Attempt(runtime, job, cls, pool, worker, progress).run()


class Attempt:
    """The state of one running attempt; `run` drives the steps and settles the outcome."""

    def __init__(
        self,
        runtime: Runtime,
        job: records.Job,
        cls: type[SiteAdapter],
        pool: BrowserPool,
        worker: str,
        progress: Progress | None,
    ) -> None:
        self.runtime, self.job, self.info = runtime, job, cls.info
        self.attempt_id = records.open_attempt(runtime, job, worker)
        self.steps = StepLog(runtime, self.attempt_id, progress)
        self.browser: AccountBrowser = pool.account(f"{job.site}:{job.account_id}", trace=True)
        settings = runtime.settings
        ctx = AdapterContext(settings.site_urls(), self.browser, settings.human_typing_ms,
                             settings.payment_answer_s)  # fmt: skip
        self.adapter = cls(ctx, job.creds)
        self._confirmed: tuple[Confirmation, int | None] | None = None

    async def run(self) -> AttemptResult:
        result: AttemptResult | None = None
        try:
            result = await self._drive()
        except SiteError as exc:
            result = await self._failed(exc)
        except asyncio.CancelledError:
            # The worker is stopping. Before anything is held, hand the task back so the next
            # start plans it again; once booking, the lease and recovery take care of it.
            if self.job.status is TaskStatus.CHECKING:
                records.move(self.runtime, self.job, TaskStatus.PENDING, lease_owner=None,
                        lease_expires_at=None, next_run_at=None)  # fmt: skip
            raise
        except Exception as exc:  # a bug, not the site: keep the task safe and say so
            log.exception("attempt %s crashed", self.attempt_id)
            result = self._settle(
                "error", TaskStatus.FAILED, f"internal error at step {self.steps.current}: "
                f"{type(exc).__name__}",
            )  # fmt: skip
        finally:
            await self._cleanup(result)
            await self.adapter.close()
        await asyncio.to_thread(records.announce, self.runtime, self.job.task_id, result.outcome,
                                result.message, result.booking_id)  # fmt: skip
        return result

    async def _drive(self) -> AttemptResult:
        await self._login()
        candidates = await self._find()
        # Asking the site costs a request, so only when it matters: before holding, and after
        # an interrupted attempt (whose booking may be why nothing is free now).
        if candidates or self.job.interrupted:
            existing = await self._existing()
            if existing is not None:
                return await self._booked(existing, "already_booked")
        if not candidates:
            return self._settle("no_slot", TaskStatus.PENDING, "no wanted slot is free", wait=True)
        lease = utcnow() + records.lease_length(self.runtime)
        if not records.move(self.runtime, self.job, TaskStatus.BOOKING, lease_expires_at=lease):
            message = "the task was stopped meanwhile"
            return AttemptResult("busy", self.job.status, message, self.attempt_id)
        hold, confirmation = await self._hold_and_pay(candidates)
        if confirmation is None:
            return await self._dry_run_end(hold)
        return await self._booked(confirmation, "booked")

    async def _hold_and_pay(self, candidates: list[Slot]) -> tuple[Hold, Confirmation | None]:
        """Hold the best candidate and pay; a slot lost at checkout (sites without a cart find
        out only then) moves on to the next candidate, since nothing was paid."""
        start = 0
        while True:
            index, hold = await self._hold(candidates[start:])
            try:
                return hold, await self._pay(hold)
            except SlotTaken:
                start += index + 1
                if start >= len(candidates):
                    raise

    # --- the steps -----------------------------------------------------------------------
    async def _login(self) -> None:
        async with self.steps.step("login") as note:
            state = await retrying(lambda: self.adapter.login(self.job.saved_state), note)
            reused = state is not None and state == self.job.saved_state
            note.detail = "reused the saved session" if reused else "logged in"
        if self.job.account_id is not None and state != self.job.saved_state:
            records.save_session_state(self.runtime, self.job.account_id, state)

    async def _find(self) -> list[Slot]:
        want = self.job.want
        async with self.steps.step("find") as note:
            slots = await retrying(lambda: self.adapter.availability(want), note)
            candidates = choose(slots, want.times, want.courts, self.info.zone, day=want.day)
            note.detail = f"{len(slots)} slots listed, {len(candidates)} wanted and free"
            if not candidates:
                _raise_if_unreleased(slots, want.times, self.info.zone)
        return candidates

    async def _existing(self) -> Confirmation | None:
        """An existing booking of this account at a wanted time: never pay twice."""
        want = self.job.want
        async with self.steps.step("check existing") as note:
            bookings = await retrying(lambda: self.adapter.bookings(want), note)
            booking = self._at_wanted_time(bookings)
            note.detail = (
                f"already booked: {booking.reference}"
                if booking is not None
                else f"{len(bookings)} bookings that day, none at a wanted time"
            )
        return booking

    def _at_wanted_time(self, bookings: list[Confirmation]) -> Confirmation | None:
        """The first of the account's bookings at a time this task wants."""
        times = self.job.want.times
        return next((b for b in bookings if local_time(b.starts_at, self.info.zone) in times), None)

    async def _hold(self, candidates: list[Slot]) -> tuple[int, Hold]:
        """The first candidate the site lets us hold: its index and the hold."""
        async with self.steps.step("hold") as note:
            for i, slot in enumerate(candidates):
                try:
                    hold = await retrying(lambda s=slot: self.adapter.hold(s, self.job.want), note)
                except SlotTaken as exc:
                    if i == len(candidates) - 1:
                        raise
                    note.retries.append(
                        f"{describe_slot(slot, self.info.zone)} taken ({exc.message})"
                    )
                    continue
                note.detail = f"held {describe_slot(slot, self.info.zone)}"
                crashpoints.reached("after_hold")
                return i, hold
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _pay(self, hold: Hold) -> Confirmation | None:
        """Pay for the hold, after reading back that it is on the wanted day and time (money is
        final). Whatever fails short of an unknown payment gives the hold back."""
        job = self.job
        try:
            async with self.steps.step("pay") as note:
                want = job.want
                wrong = off_target(hold.slot.starts_at, want.day, want.times, self.info.zone)
                if wrong is not None:
                    raise WrongBooking(f"wrong booking: the site holds a slot that {wrong}; "
                                       "nothing was paid")  # fmt: skip
                crashpoints.reached("before_pay")
                confirmation = await retrying(
                    lambda: self.adapter.checkout(hold, job.payment, dry_run=job.dry_run),
                    note,
                    before_retry=lambda: self._already_paid(note),
                )
                if confirmation is not None:
                    crashpoints.reached("after_pay")
                note.detail = (
                    "dry run: stopped at the pay button"
                    if confirmation is None
                    else f"paid by {job.payment.method.value}"
                )
        except SiteError as exc:
            if exc.kind != "payment_unknown":  # maybe charged: leave the site's state alone
                await self._give_back(hold)
            raise
        return confirmation

    async def _give_back(self, hold: Hold) -> None:
        """Release a hold the attempt will not pay for, so the court is free for others."""
        async with self.steps.step("release") as note:
            try:
                await self.adapter.release(hold)
                note.detail = f"gave back the hold of {describe_slot(hold.slot, self.info.zone)}"
            except SiteError as exc:
                note.detail = f"could not give the hold back ({exc.message}); it expires"

    async def _already_paid(self, note: StepNote) -> Confirmation | None:
        """After a failed payment request, ask the site whether it went through anyway."""
        booking = self._at_wanted_time(await self.adapter.bookings(self.job.want))
        if booking is not None:
            note.retries.append(f"the site already shows booking {booking.reference}")
        return booking

    # --- endings --------------------------------------------------------------------------
    async def _booked(self, confirmation: Confirmation, outcome: str) -> AttemptResult:
        """Record the booking and finish the task; the booking is written even if the task was
        moved meanwhile, because it exists on the site."""
        async with self.steps.step("confirm") as note:
            booking_id = records.record_booking(
                self.runtime, self.job, confirmation, self.job.want.venue
            )
            self._confirmed = (confirmation, booking_id)
            crashpoints.reached("after_record")
            when = confirmation.starts_at.astimezone(self.info.zone)
            parts = [confirmation.court, f"{when:%a %d %b %H:%M}", confirmation.price]
            message = f"booked {confirmation.reference}: " + ", ".join(p for p in parts if p)
            want = self.job.want
            wrong = off_target(confirmation.starts_at, want.day, want.times, self.info.zone)
            if wrong is not None:  # money is spent: record it, and say so loudly
                message += f"; NOT WHAT THE TASK ASKED: {wrong}, check it on the site"
            note.detail = message
        records.log(self.runtime, self.job, "ERROR" if wrong else "INFO", message)
        return AttemptResult(
            outcome, self.job.status, message, self.attempt_id, booking_id,
            confirmation.reference, confirmation.court, confirmation.price,
        )  # fmt: skip

    async def _dry_run_end(self, hold: Hold) -> AttemptResult:
        if self.job.payment.method is PaymentMethod.HANDOFF:
            return await self._handoff_end(hold)
        name = await self._screenshot_current("dry-run")
        try:  # give the slot back: a dry run must not keep it from others
            await self.adapter.release(hold)
        except SiteError as exc:
            log.info("attempt %s: the dry run's hold stays until it expires (%s)",
                     self.attempt_id, exc.message)  # fmt: skip
        result = self._settle(
            "dry_run", TaskStatus.SUCCEEDED, "dry run: went to the pay button and did not pay"
        )
        result.screenshot = name
        return result

    async def _handoff_end(self, hold: Hold) -> AttemptResult:
        """Steps 1–4 done, the payment page is left for a person (seed 004): the task waits in
        awaiting_payment until its booking session sees them pay (or not). A page whose URL
        carries the booking is handed over by that URL; a checkout bound to this browser's
        login (`live_handoff`) is shown live on autobook's own page; a page only this browser
        holds (a widget that keeps its steps in memory) is walked to again by the handoff
        service, in the tab it shows live."""
        name = await self._screenshot_current("handoff")
        handoff = getattr(self.adapter, "handoff_url", None)
        url = handoff(hold) if handoff is not None else None
        carries = bool(hold.extra.get("url_carries_session", url is not None))
        walk = None if carries or self.adapter.live_handoff else self.adapter.walk_request(hold)
        if walk is not None:
            expires, link = records.open_walk(self.runtime, self.job, walk)
        elif url is None and not self.adapter.live_handoff:
            result = self._settle("handoff", TaskStatus.SUCCEEDED,
                                  "payment handed to a person: the slot is held on the payment "
                                  "page")  # fmt: skip
            result.screenshot = name
            return result
        else:
            expires, link = records.open_handoff(self.runtime, self.job, url, hold,
                                                 url_carries_session=carries)  # fmt: skip
        waiting = "payment handed to a person: waiting for them to pay on the payment page"
        result = self._settle("handoff", TaskStatus.AWAITING_PAYMENT, waiting)
        # The link itself only in the notification (and to the command line's user): it is
        # the booking, so it stays out of the log.
        result.message = f"{waiting}, until {expires:%H:%M} UTC: {link}"
        result.screenshot = name
        return result

    async def _failed(self, exc: SiteError) -> AttemptResult:
        step = exc.step or self.steps.current
        message = exc.message
        if exc.kind == "auth":
            message = f"authentication error: {exc.message}"
            if self.job.account_id is not None:
                records.mark_needs_login(self.runtime, self.job.account_id)
        elif isinstance(exc, SiteChanged):
            saved = await self._diagnose(step)
            message = f"site changed at step {step}: {exc.message}{saved}"
        elif exc.kind == "declined":
            message = f"payment declined: {exc.message}"
        elif exc.kind == "payment_unknown":  # the page is the only record of what happened
            saved = await self._diagnose(step)
            message = f"payment outcome unknown, check with the site: {exc.message}{saved}"
        if exc.kind in FINAL_KINDS:
            return self._settle(exc.kind, TaskStatus.FAILED, message)
        next_run = exc.opens_at if isinstance(exc, NotReleased) and exc.opens_at else None
        return self._settle(exc.kind, TaskStatus.PENDING, message, wait=True, next_run=next_run)

    def _settle(
        self,
        outcome: str,
        target: TaskStatus,
        message: str,
        *,
        wait: bool = False,
        next_run: datetime | None = None,
    ) -> AttemptResult:
        """Move the task to `target` and log the outcome."""
        changes: dict[str, object] = {"lease_owner": None, "lease_expires_at": None}
        changes["error"] = None if outcome in QUIET_OUTCOMES else message
        changes["last_checked_at"] = utcnow()
        if wait:
            # Jitter spreads tasks that share an interval, so a site never sees them in step.
            spread = self.job.poll_interval_s * random.uniform(1 - POLL_JITTER, 1 + POLL_JITTER)
            default = datetime.now(UTC) + timedelta(seconds=spread)
            changes["next_run_at"] = next_run or default
        records.move(self.runtime, self.job, target, **changes)
        level = "ERROR" if target is TaskStatus.FAILED else "INFO"
        if outcome not in ROUTINE_OUTCOMES:  # a watch's empty poll is not news
            records.log(self.runtime, self.job, level, message)
        return AttemptResult(outcome, self.job.status, message, self.attempt_id)

    async def _stop_trace(self, result: AttemptResult | None, label: str = "trace") -> None:
        """Stop the browser trace; keep it (encrypted) only when the attempt failed."""
        failed = result is None or result.outcome in FINAL_KINDS or result.outcome == "error"
        keep = None
        if failed:
            keep = self.runtime.settings.diagnostics_dir / f"{self._stem()}-{label}.zip.enc"
        try:
            await self.browser.stop_trace(keep, self.runtime.vault)
        except Exception:  # a trace is a nicety; never let it hide the outcome
            log.warning("could not save the browser trace of attempt %s", self.attempt_id)

    async def _cleanup(self, result: AttemptResult | None) -> None:
        await self._stop_trace(result)
        if result is not None:
            if result.booking_id is not None and self._confirmed is not None:
                result.screenshot = await self._confirmation_screenshot(*self._confirmed)
            error = None if result.outcome in QUIET_OUTCOMES else result.message
            routine = result.outcome in ROUTINE_OUTCOMES
            records.close_attempt(
                self.runtime, self.attempt_id, result.outcome, error, routine=routine
            )

    async def _confirmation_screenshot(
        self, confirmation: Confirmation, booking_id: int | None
    ) -> str | None:
        if not self.runtime.settings.screenshots:
            return None  # AUTOBOOK_SCREENSHOTS=false: no browser started just for a picture
        async with self.steps.step("screenshot") as note:
            try:
                page = await self.adapter.confirmation_page(confirmation)
            except SiteError as exc:
                note.detail = f"no confirmation page: {exc.message}"
                return None
            if page is None:
                note.detail = "the site has no confirmation page"
                return None
            name = f"{self._stem()}-booking{booking_id}.png"
            dismissed = await dismiss_cookie_banner(page)
            await masked_screenshot(page, self.runtime.settings.screenshots_dir / name,
                                    self.info.sensitive_selectors)  # fmt: skip
            note.screenshot = name
            note.detail = "confirmation captured, sensitive fields masked" + _after(dismissed)
        if booking_id is not None:
            records.set_booking_screenshot(self.runtime, booking_id, name)
        return name

    async def _screenshot_current(self, label: str) -> str | None:
        page = self.browser.current()
        if page is None:
            return None
        name = f"{self._stem()}-{label}.png"
        async with self.steps.step("screenshot") as note:
            dismissed = await dismiss_cookie_banner(page)
            await masked_screenshot(page, self.runtime.settings.screenshots_dir / name,
                                    self.info.sensitive_selectors)  # fmt: skip
            note.screenshot = name
            note.detail = f"{label} page captured, sensitive fields masked" + _after(dismissed)
        return name

    async def _diagnose(self, step: str) -> str:
        """Save a masked screenshot and the HTML of the page where the site changed."""
        page = self.browser.current()
        if page is None:
            return ""
        try:
            shot = await self._screenshot_current(f"{step}-changed")
            html = self.runtime.settings.diagnostics_dir / f"{self._stem()}-{step}.html"
            await save_html(page, html)
        except Exception:
            log.warning("could not save the page of attempt %s", self.attempt_id)
            return ""
        return f"; screenshot {shot} and page HTML {html.name} saved"

    def _stem(self) -> str:
        return f"task{self.job.task_id}-attempt{self.attempt_id}"


def describe_slot(slot: Slot, zone: ZoneInfo) -> str:
    """ "19:00 Court 2": a slot as the step log names it."""
    court = f" {slot.court}" if slot.court else ""
    return f"{local_time(slot.starts_at, zone):%H:%M}{court}"


def local_time(instant: datetime, zone: ZoneInfo) -> time:
    return instant.astimezone(zone).time().replace(tzinfo=None)


def _raise_if_unreleased(slots: list[Slot], times: tuple[time, ...], zone: ZoneInfo) -> None:
    """Wanted slots listed but not yet released: wait for the release instead of polling."""
    now = datetime.now(UTC)
    pending = [
        s.released_at
        for s in slots
        if not s.bookable
        and s.released_at is not None
        and s.released_at > now
        and local_time(s.starts_at, zone) in times
    ]
    if pending:
        opens = min(pending)
        raise NotReleased(
            f"not released yet; opens at {opens:%Y-%m-%d %H:%M:%S} UTC", opens_at=opens
        )


def _after(dismissed: str | None) -> str:
    """The screenshot step's note on the cookie banner it closed first, if any."""
    return f", after closing the cookie banner ({dismissed!r})" if dismissed else ""
