"""The snipe: prepare before a known release instant, fire at it on the site's clock, then check
out — or, having lost, fall back to watching for cancellations.

Everything that can happen before the release does (log in, resolve the slots from the listing
the site shows before release, measure the site's clock offset, warm the connection), so the hot
path is one prepared `hold` call fired a few times, staggered, exactly when the site's clock
reaches the release. A serial "log in → list → cart" after the release lost a public bot its
slot by 13 s; a naive clock fired others an hour off.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx

from autobook.domain.booking import Hold, Slot
from autobook.domain.choice import rank
from autobook.domain.statuses import TaskStatus
from autobook.engine import records
from autobook.engine.attempt import Attempt, AttemptResult, describe_slot
from autobook.engine.browsers import BrowserPool
from autobook.engine.clock import ClockEstimate, ClockSyncError, estimate_offset, refresh
from autobook.engine.steps import Progress, StepNote, retrying
from autobook.engine.timing import fire_staggered, site_now, wait_until
from autobook.runtime import Runtime
from autobook.sites.base import NotReleased, SiteError, SlotTaken, Transient
from autobook.sites.registry import adapter_class

STRIKE_SHOTS = 3  # staggered hold requests at the release; the first hold wins
# Aimed shots are spread across the arrival estimate's uncertainty, at least this far apart;
# with no clock estimate they leave this far apart from the release by our own clock.
MIN_SPACING_S = 0.0005
UNAIMED_SPACING_S = 0.02
ALWAYS_FIRE_WITHIN_S = 0.005  # the last shot is fired even after a win when due this soon
LATE_WAKE_S = 0.002  # a shot's wake-up later than this is logged (after the strike)
STRIKE_WINDOW_S = 10.0  # 409 load shedding / 422 not-yet retried this long after the release
STRIKE_RETRY_GAP_S = (0.01, 0.05)  # jittered pause between retries inside the window
EARLY_RETRY_GAP_S = (0.001, 0.003)  # after "not released yet", right at the release …
EARLY_RETRY_FOR_S = 0.25  # … until this long after it, at most EARLY_RETRIES times a shot
EARLY_RETRIES = 3  # (the last shot is aimed after the release anyway; nobody is hammered)
WARM_BEFORE_S = 1.5  # one cheap request this long before the release keeps the socket open
KEEP_WARM_EVERY_S = 20.0  # before that, one every so often: servers drop idle ones after ~60 s
SNIPE_LEASE_AFTER = timedelta(minutes=5)  # the lease outlives the release by this much
UNMEASURED = ClockEstimate(0.0, 0.0, 0.0)  # no clock sync: our own clock, unaimed shots

log = logging.getLogger(__name__)


async def run_snipe(
    runtime: Runtime,
    task_id: int,
    release_at: datetime,
    *,
    pool: BrowserPool,
    worker: str = "engine",
    progress: Progress | None = None,
) -> AttemptResult:
    """Snipe the task's slot at `release_at` (UTC, from the site's rule; the site's own
    `first_bookable_at` wins when the listing carries it)."""
    job = records.load_job(runtime, task_id)
    if records.finish_if_booked(runtime, job, worker):
        return AttemptResult("already_booked", job.status, "the task already has a booking")
    lease = max(release_at, datetime.now(UTC)) + SNIPE_LEASE_AFTER
    if not records.claim(runtime, job, worker, lease_until=lease):
        return AttemptResult("busy", job.status, f"the task is {job.status.value}, not runnable")
    snipe = Snipe(runtime, job, adapter_class(job.site), pool, worker, progress)
    snipe.release_at = release_at
    return await snipe.run()


class Snipe(Attempt):
    release_at: datetime

    async def _drive(self) -> AttemptResult:
        await self._login()
        armed = await self._arm()
        existing = await self._existing()
        if existing is not None:
            return await self._booked(existing, "already_booked")
        clock = await self._sync_clock()
        if not records.move(self.runtime, self.job, TaskStatus.BOOKING):
            return AttemptResult("busy", self.job.status, "the task was stopped meanwhile",
                                 self.attempt_id)  # fmt: skip
        clock = await self._wait(clock)
        # From the last warm-up to the booking nothing but the race runs on the loop: the
        # steps' database writes and progress output wait until it is over.
        confirmation = None
        async with self.steps.deferred():
            clock = await self._warm(clock)
            hold = await self._strike(armed, clock)
            if hold is None:
                hold = await self._fallback()
            if hold is not None:
                confirmation = await self._pay(hold)
        if hold is None:
            return self._settle("snipe_lost", TaskStatus.PENDING,
                                "snipe lost: every wanted slot went at the release; watching "
                                "for cancellations", wait=True)  # fmt: skip
        if confirmation is None:
            return await self._dry_run_end(hold)
        return await self._booked(confirmation, "booked")

    async def _arm(self) -> list[Slot]:
        """Resolve the wanted slots from the listing the site shows before the release."""
        want, zone = self.job.want, self.info.zone
        async with self.steps.step("arm") as note:
            try:
                slots = await retrying(lambda: self.adapter.availability(want), note)
            except NotReleased as exc:
                note.detail = f"nothing listed yet ({exc.message}); will list at the release"
                return []
            wanted = [
                s for s in slots
                if (s.bookable or s.released_at is not None)
                and rank(s, want.day, want.times, want.courts, zone)[0] < len(want.times)
            ]  # fmt: skip
            wanted.sort(key=lambda s: (rank(s, want.day, want.times, want.courts, zone), s.site_id))
            site_release = min((s.released_at for s in wanted if s.released_at), default=None)
            if site_release is not None:
                self.release_at = site_release  # the site's own instant beats any rule
            note.detail = (
                f"{len(wanted)} wanted slots prepared; release "
                f"{self.release_at.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}"
                + (" (from the site)" if site_release else " (from the rule)")
            )
        return wanted

    async def _sync_clock(self) -> ClockEstimate:
        """Measure the site's clock, and when a request sent now arrives, on the adapter's own
        client (the one the shots use), so the probes open the connections the strike will
        find warm. Unmeasurable: our own clock, and shots spread the old way."""
        async with self.steps.step("sync clock") as note:
            try:
                async with self._probe_client() as client:
                    estimate = await estimate_offset(client, self.adapter.clock_url())
            except (ClockSyncError, httpx.HTTPError, SiteError) as exc:
                note.detail = f"could not measure the site's clock ({exc}); using ours"
                return UNMEASURED
            note.detail = describe_clock(estimate)
            return estimate

    @contextlib.asynccontextmanager
    async def _probe_client(self) -> AsyncIterator[httpx.AsyncClient]:
        """The adapter's client; a throwaway one where holds go through the browser."""
        own = self.adapter.http_client()
        if own is not None:
            yield own
            return
        async with httpx.AsyncClient(timeout=10) as client:
            yield client

    async def _wait(self, clock: ClockEstimate) -> ClockEstimate:
        """Wait until WARM_BEFORE_S before the release, keeping the connections open with a
        request on each every KEEP_WARM_EVERY_S (far below the minute most servers keep an
        idle connection): a timed clock round where shots are aimed, so the estimate follows
        any drift of the two clocks over the minutes of waiting. The last stretch is waited
        inside the strike, so no database write sits between the release and the shot."""
        async with self.steps.step("wait") as note:
            warm_at = self.release_at - timedelta(seconds=WARM_BEFORE_S)
            rounds = 0
            while (
                ping_at := site_now(clock.offset_s) + timedelta(seconds=KEEP_WARM_EVERY_S)
            ) < warm_at:
                await wait_until(ping_at, clock.offset_s)
                clock = await self._keep_warm(clock, note)
                rounds += 1
            await wait_until(warm_at, clock.offset_s)
            note.detail = (f"until {WARM_BEFORE_S:g} s before the release on the site's clock; "
                           f"{rounds} keep-alive rounds")  # fmt: skip
        return clock

    async def _keep_warm(self, clock: ClockEstimate, note: StepNote) -> ClockEstimate:
        """A request on each of the shots' connections: a timed clock round where the shots are
        aimed (it narrows the estimate too), else the adapter's plain warm-up."""
        if not self._aimed(clock):
            try:
                await self.adapter.warm(STRIKE_SHOTS)
                note.detail = f"{STRIKE_SHOTS} warm-up requests"
            except SiteError as exc:
                note.retries.append(f"warm-up request failed: {exc.message}")
            return clock
        try:
            async with self._probe_client() as client:
                return await refresh(client, self.adapter.clock_url(), clock, probes=STRIKE_SHOTS)
        except (ClockSyncError, httpx.HTTPError, SiteError) as exc:
            note.retries.append(f"clock refresh failed ({exc})")
            return clock

    async def _warm(self, clock: ClockEstimate) -> ClockEstimate:
        """WARM_BEFORE_S before the release: one more keep-alive round, whose timed probes
        land at the site's last tick before the release."""
        async with self.steps.step("warm") as note:
            clock = await self._keep_warm(clock, note)
            if self._aimed(clock):
                note.detail = f"{STRIKE_SHOTS} connections warm; {describe_clock(clock)}"
        return clock

    def _aim(self, clock: ClockEstimate) -> tuple[float, list[float]]:
        """The arrival offset to aim with, and each shot's aimed arrival after the release (s).

        The first shot arrives the configured margin after the release if the estimate is
        right; the middle ones follow across its uncertainty. The arrival estimate's lower
        bound is soft (a site stamps `Date` a little after the request arrived), so the last
        shot is aimed by the clock offset's hard lower bound instead: it arrives after the
        release whatever the latency; when that is soon, it is fired even after a win (a shot
        that arrived a hair early may have been accepted, and nobody can tell from here)."""
        if not self._aimed(clock):  # leave at the release by the site's clock, spaced
            return clock.offset_s, [i * UNAIMED_SPACING_S for i in range(STRIKE_SHOTS)]
        margin = self.runtime.settings.snipe_margin_ms / 1000
        spread = 2 * clock.arrival_uncertainty_s / max(STRIKE_SHOTS - 1, 1)
        leads = [margin + i * max(spread, MIN_SPACING_S) for i in range(STRIKE_SHOTS)]
        hard = clock.arrival_s - (clock.offset_s - clock.uncertainty_s) + margin
        leads[-1] = max(leads[-1], hard)
        return clock.arrival_s, leads

    def _skip_after_win(
        self, clock: ClockEstimate, leads: list[float]
    ) -> Callable[..., bool] | None:
        """Whether a won hold skips the shots not fired yet: unaimed, always; aimed, only when
        the last shot is due more than ALWAYS_FIRE_WITHIN_S after the first (a wide clock
        estimate on a busy machine or a far site), since checkout waits for every shot."""
        if self._aimed(clock) and leads[-1] - leads[0] <= ALWAYS_FIRE_WITHIN_S:
            return None
        return _won

    def _aimed(self, clock: ClockEstimate) -> bool:
        """Shots are aimed at their arrival when the clock was measured on the client they go
        out on; where holds go through the browser, the probes say nothing of their path."""
        return clock is not UNMEASURED and self.adapter.http_client() is not None

    async def _strike(self, armed: list[Slot], clock: ClockEstimate) -> Hold | None:
        """Fire staggered holds at the best prepared slots (one each, best first: before the
        release a site may not say which courts others already hold), aimed at when they
        *arrive*; keep one, drop the rest."""
        offset = clock.offset_s
        if not armed:  # the site lists nothing before its release (Estelle): list right at it
            await wait_until(self.release_at, offset)
            return None
        want = self.job.want
        deadline = self.release_at + timedelta(seconds=STRIKE_WINDOW_S)
        soon_after = self.release_at + timedelta(seconds=EARLY_RETRY_FOR_S)
        finished: list[Hold] = []

        async def shot(target: Slot) -> Hold | None:
            quick = EARLY_RETRIES
            while True:
                try:
                    hold = await self.adapter.hold(target, want)
                except SlotTaken:
                    return None  # this one is gone; the other shots aim elsewhere
                except (Transient, NotReleased) as exc:
                    if finished:
                        return None  # another shot holds it: checkout waits for this one
                    if site_now(offset) > deadline:
                        raise
                    # A hair early: again at once. Load shedding: back off a little, jittered.
                    early = isinstance(exc, NotReleased) and site_now(offset) < soon_after
                    quick -= early
                    gap = EARLY_RETRY_GAP_S if early and quick >= 0 else STRIKE_RETRY_GAP_S
                    await asyncio.sleep(random.uniform(*gap))
                    if finished:
                        return None
                    continue
                finished.append(hold)
                return hold

        arrival, leads = self._aim(clock)
        async with self.steps.step("strike") as note:
            targets = [armed[i % len(armed)] for i in range(STRIKE_SHOTS)]
            with _no_gc():  # a collection in the last second would delay the shots
                shots = await fire_staggered(
                    self.release_at, arrival, [partial(shot, t) for t in targets],
                    leads_s=leads, stop_when=self._skip_after_win(clock, leads),
                )  # fmt: skip
            late = max(s.late_s for s in shots)
            if late > LATE_WAKE_S:  # said after the race, never during it
                note.retries.append(f"woke up {late * 1000:.1f} ms late for a shot (busy machine)")
                log.warning("attempt %s: snipe woke up %.1f ms late for a shot",
                            self.attempt_id, late * 1000)  # fmt: skip
            errors = [s.error for s in shots if s.error is not None]
            if not finished:
                if errors and all(isinstance(e, SiteError) for e in errors):
                    note.detail = f"no hold: {errors[0]}"
                else:
                    gone = ", ".join(
                        dict.fromkeys(describe_slot(t, self.info.zone) for t in targets)
                    )
                    note.detail = f"{gone} went to someone else"
                return None
            # The last hold to finish is the one the site kept where holding replaces the
            # basket; the others are given back so checkout never pays for two.
            keep = finished[-1]
            for extra in finished[:-1]:
                if extra.token != keep.token:
                    await self.adapter.release(extra)
            aimed = ", ".join(
                f"{(s.fired_at - self.release_at).total_seconds() * 1000:+.1f}" for s in shots
            )
            note.detail = (
                f"shots aimed to arrive at {aimed} ms from the release; held "
                f"{describe_slot(keep.slot, self.info.zone)} with {len(shots)} shots"
            )
        return keep

    async def _fallback(self) -> Hold | None:
        """The prepared slot is gone (or nothing could be prepared): list again now that it is
        released and try the others. "Not released" right at the boundary (a clock estimate a
        few ms early) is retried within the strike window, as the strike's own shots are."""
        deadline = self.release_at + timedelta(seconds=STRIKE_WINDOW_S)
        while True:
            try:
                candidates = await self._find()
                return (await self._hold(candidates))[1] if candidates else None
            except SlotTaken:
                return None
            except NotReleased:
                if datetime.now(UTC) > deadline:
                    raise
                await asyncio.sleep(random.uniform(*STRIKE_RETRY_GAP_S) * 4)


def _won(hold: Hold | None) -> bool:
    return hold is not None


def describe_clock(clock: ClockEstimate) -> str:
    return (
        f"site clock {clock.offset_s * 1000:+.0f} ms (±{clock.uncertainty_s * 1000:.0f} ms); "
        f"a request arrives {clock.one_way_s * 1000:.1f} ms after it is sent "
        f"(±{clock.arrival_uncertainty_s * 1000:.1f} ms)"
    )


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """No garbage collection pause inside the block (it is a second at most)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
