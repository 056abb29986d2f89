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
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx

from autobook.domain.booking import Hold, Slot
from autobook.domain.choice import rank
from autobook.domain.statuses import TaskStatus
from autobook.engine import records
from autobook.engine.attempt import Attempt, AttemptResult, describe_slot
from autobook.engine.browsers import BrowserPool
from autobook.engine.clock import ClockSyncError, estimate_offset
from autobook.engine.steps import Progress, retrying
from autobook.engine.timing import fire_staggered, site_now, wait_until
from autobook.runtime import Runtime
from autobook.sites.base import NotReleased, SiteError, SlotTaken, Transient
from autobook.sites.registry import adapter_class

STRIKE_SHOTS = 3  # staggered hold requests at the release; the first hold wins
STRIKE_SPACING_S = 0.02
STRIKE_WINDOW_S = 10.0  # 409 load shedding / 422 not-yet retried this long after the release
STRIKE_RETRY_GAP_S = (0.01, 0.05)  # jittered pause between retries inside the window
WARM_BEFORE_S = 1.5  # one cheap request this long before the release keeps the socket open
KEEP_WARM_EVERY_S = 20.0  # before that, one every so often: servers drop idle ones after ~60 s
SNIPE_LEASE_AFTER = timedelta(minutes=5)  # the lease outlives the release by this much


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
        offset = await self._sync_clock()
        if not records.move(self.runtime, self.job, TaskStatus.BOOKING):
            return AttemptResult("busy", self.job.status, "the task was stopped meanwhile",
                                 self.attempt_id)  # fmt: skip
        await self._wait(offset)
        hold = await self._strike(armed, offset)
        if hold is None:
            hold = await self._fallback()
        if hold is None:
            return self._settle("snipe_lost", TaskStatus.PENDING,
                                "snipe lost: every wanted slot went at the release; watching "
                                "for cancellations", wait=True)  # fmt: skip
        confirmation = await self._pay(hold)
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

    async def _sync_clock(self) -> float:
        """Measure the site's clock on the adapter's own client (the one the shots use), so
        the probes open the connections the strike will find warm."""
        async with self.steps.step("sync clock") as note:
            try:
                async with self._probe_client() as client:
                    estimate = await estimate_offset(client, self.adapter.clock_url())
            except (ClockSyncError, httpx.HTTPError, SiteError) as exc:
                note.detail = f"could not measure the site's clock ({exc}); using ours"
                return 0.0
            note.detail = (
                f"site clock {estimate.offset_s * 1000:+.0f} ms "
                f"(±{estimate.uncertainty_s * 1000:.0f} ms)"
            )
            return estimate.offset_s

    @contextlib.asynccontextmanager
    async def _probe_client(self) -> AsyncIterator[httpx.AsyncClient]:
        """The adapter's client; a throwaway one where holds go through the browser."""
        own = self.adapter.http_client()
        if own is not None:
            yield own
            return
        async with httpx.AsyncClient(timeout=10) as client:
            yield client

    async def _wait(self, offset: float) -> None:
        """Wait until just before the release, keeping the connections open: a cheap request on
        each every KEEP_WARM_EVERY_S (far below the minute most servers keep an idle connection)
        and one round WARM_BEFORE_S before the release. The last stretch is waited inside the
        strike, so no database write sits between the release and the shot."""
        async with self.steps.step("wait") as note:
            warm_at = self.release_at - timedelta(seconds=WARM_BEFORE_S)
            while site_now(offset) < warm_at:
                ping_at = site_now(offset) + timedelta(seconds=KEEP_WARM_EVERY_S)
                await wait_until(min(ping_at, warm_at), offset)
                try:
                    await self.adapter.warm(STRIKE_SHOTS)
                except SiteError as exc:
                    note.retries.append(f"warm-up request failed: {exc.message}")
            note.detail = f"{WARM_BEFORE_S:g} s before the release on the site's clock"

    async def _strike(self, armed: list[Slot], offset: float) -> Hold | None:
        """Fire staggered holds at the best prepared slots (one each, best first: before the
        release a site may not say which courts others already hold); keep one, drop the rest."""
        if not armed:  # the site lists nothing before its release (Estelle): list right at it
            await wait_until(self.release_at, offset)
            return None
        want = self.job.want
        deadline = self.release_at + timedelta(seconds=STRIKE_WINDOW_S)
        finished: list[Hold] = []

        async def shot(target: Slot) -> Hold | None:
            while True:
                try:
                    hold = await self.adapter.hold(target, want)
                except SlotTaken:
                    return None  # this one is gone; the other shots aim elsewhere
                except (Transient, NotReleased):
                    if site_now(offset) > deadline:
                        raise
                    await asyncio.sleep(random.uniform(*STRIKE_RETRY_GAP_S))
                    continue
                finished.append(hold)
                return hold

        async with self.steps.step("strike") as note:
            targets = [armed[i % len(armed)] for i in range(STRIKE_SHOTS)]
            shots = await fire_staggered(
                self.release_at, offset, [partial(shot, t) for t in targets],
                spacing_s=STRIKE_SPACING_S, stop_when=lambda hold: hold is not None,
            )  # fmt: skip
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
            first = (shots[0].fired_at - self.release_at).total_seconds() * 1000
            note.detail = (
                f"first shot {first:+.1f} ms from the release; held "
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
