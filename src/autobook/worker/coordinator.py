"""The listing coordinator: one look per listing per interval, shared by every watch task that
wants it (CONVENTIONS §4, Home Assistant's polling coordinator).

Watch tasks on a site whose listing needs no login (`SiteAdapter.listing_is_public`) are not
checked one by one. The coordinator groups them by listing (site, venue, activity,
sub-location, day), looks at each listing it holds the lease of once per interval (the shortest
interval of its tasks) through one adapter per site kept for the worker's life (one HTTP client,
reused connections, no login), and hands what it saw to the listing's tasks in memory. Only a
task that sees a wanted free slot (or whose day has passed, or whose last attempt was
interrupted) runs an attempt, through the engine as before: the attempt claims the task by
compare-and-set with a lease, logs in, holds, pays. So nothing about booking once changes; what
changes is that 1000 tasks on 36 listings cost 36 requests per interval, not 1000 attempts.

A listing that cannot be read is logged once when it starts failing and once when it recovers
(`listings.record`). Looks at one site run at most the site's share of AUTOBOOK_SITE_CONCURRENCY
at a time: the cap divided between the live workers, so it holds across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from autobook.domain.booking import Credentials, Slot
from autobook.domain.choice import choose
from autobook.engine.browsers import BrowserPool
from autobook.engine.records import target_day_passed
from autobook.runtime import Runtime
from autobook.sites.base import AdapterContext, NotReleased, SiteAdapter
from autobook.sites.registry import adapter_class
from autobook.worker import listings
from autobook.worker.listings import ListingKey, Look, Watcher

log = logging.getLogger(__name__)

TICK_S = 0.25  # how often due looks are started; in memory only
SYNC_S = 1.0  # how often leases are renewed and this worker's share re-read
REFRESH_S = 5.0  # how often the watch tasks are read again (a new task waits at most this)
LOOK_TIMEOUT_S = 60.0  # a look that hangs longer is a failed look, so its lease is not held


@dataclass
class Held:
    """A listing this worker holds the lease of."""

    key: ListingKey
    due_at: datetime  # the next look
    lease_until: datetime  # as last renewed: no look once it may have passed to another
    looking: bool = False


@dataclass
class Coordinator:
    runtime: Runtime
    pool: BrowserPool
    name: str
    run_watch: Callable[[int], Awaitable[object]]  # the host's attempt at one task
    concurrency: int = 1  # attempts this coordinator runs at once
    groups: dict[ListingKey, list[Watcher]] = field(default_factory=dict)
    held: dict[str, Held] = field(default_factory=dict)
    live: int = 1  # live workers sharing the listings (for the per-site cap)
    _readers: dict[str, SiteAdapter] = field(default_factory=dict)
    _looks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _attempts: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    _sites: frozenset[str] = field(default_factory=frozenset)
    _next_refresh: float = 0.0
    _next_sync: float = 0.0

    def __post_init__(self) -> None:
        self._sites = listings.listed_sites()

    @property
    def sites(self) -> frozenset[str]:
        return self._sites

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:  # the database went away for a moment: next tick
                    log.exception("worker %s: the listing coordinator's tick failed", self.name)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=TICK_S)
        finally:
            await self.close()

    async def tick(self) -> None:
        clock = time.monotonic()
        if clock >= self._next_refresh:
            self.groups = await asyncio.to_thread(listings.watched, self.runtime, self._sites)
            self._next_refresh = clock + REFRESH_S
        if clock >= self._next_sync:
            await self._sync()
            self._next_sync = clock + SYNC_S
        now = datetime.now(UTC)
        by_site: dict[str, int] = {}
        for held in self.held.values():
            by_site[held.key.site] = by_site.get(held.key.site, 0) + held.looking
        for text, held in sorted(self.held.items(), key=lambda item: item[1].due_at):
            site = held.key.site
            if held.looking or held.due_at > now or held.lease_until <= now:
                continue
            if by_site.get(site, 0) >= self._cap():
                continue
            held.looking = True
            by_site[site] = by_site.get(site, 0) + 1
            self._looks[text] = asyncio.create_task(self._look(held))

    def _cap(self) -> int:
        """Looks at one site in flight: this worker's share of the politeness cap."""
        return max(1, self.runtime.settings.site_concurrency // max(self.live, 1))

    async def _sync(self) -> None:
        now = datetime.now(UTC)
        keys = {key.text: key for key in self.groups}
        busy = {text for text, held in self.held.items() if held.looking}
        owned, self.live = await asyncio.to_thread(
            listings.sync, self.runtime, self.name, keys, busy
        )
        kept: dict[str, Held] = {}
        for text, (looked_at, lease_until) in owned.items():
            key = keys.get(text)
            held = self.held.get(text)
            if held is not None:
                held.lease_until = lease_until
                kept[text] = held
            elif key is not None:  # newly taken: due one interval after anyone's last look
                due = looked_at + timedelta(seconds=self._interval(key)) if looked_at else now
                kept[text] = Held(key, due, lease_until)
        self.held = kept

    def _interval(self, key: ListingKey) -> int:
        return min((w.interval_s for w in self.groups.get(key, [])), default=30)

    async def _look(self, held: Held) -> None:
        key = held.key
        watchers = list(self.groups.get(key, []))
        interval = timedelta(seconds=self._interval(key))
        opens_at: datetime | None = None
        error: str | None = None
        try:
            slots = await asyncio.wait_for(self._read(key, watchers), LOOK_TIMEOUT_S)
            self._fan_out(key, watchers, slots)
        except NotReleased as exc:  # the day is not open yet: look again when it opens
            opens_at = exc.opens_at
            self._fan_out(key, watchers, [])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # whatever the site did, the listing waits for its next look
            error = getattr(exc, "message", None) or type(exc).__name__
            self._fan_out(key, watchers, [])  # a passed day still expires its tasks
        finally:
            # One interval after the answer, not after the question: two requests for one
            # listing reach the site at least an interval apart, however slow the answer.
            answered = datetime.now(UTC)
            held.due_at = max(answered + interval, opens_at or answered)
            held.looking = False
            self._looks.pop(key.text, None)
        # Stamped when the answer came: a worker taking the listing over waits an interval
        # from then, so its first request is an interval after this one too.
        look = Look(key, answered, [w.task_id for w in watchers], self._interval(key), error)
        try:
            message = await asyncio.to_thread(listings.record, self.runtime, self.name, look)
        except Exception:  # the database blinked: the next look records itself again
            log.warning("could not record the look at %s", key.describe(), exc_info=True)
            return
        if message is not None:
            (log.warning if error else log.info)("%s", message)

    async def _read(self, key: ListingKey, watchers: list[Watcher]) -> list[Slot]:
        reader = self._reader(key.site)
        times = sorted({t for w in watchers for t in w.want.times})
        first = watchers[0].want
        want = type(first)(venue=key.venue, activity=key.activity, day=key.day,
                           times=tuple(times), sub_location=key.sub_location,
                           duration_minutes=first.duration_minutes)  # fmt: skip
        return await reader.listing(want)

    def _reader(self, site: str) -> SiteAdapter:
        """The site's long-lived listing reader: one adapter (one HTTP client), no login."""
        reader = self._readers.get(site)
        if reader is None:
            settings = self.runtime.settings
            browser = self.pool.account(f"{site}:listings")
            ctx = AdapterContext(settings.site_urls(), browser, settings.human_typing_ms)
            reader = adapter_class(site)(ctx, Credentials(login="", password=""))
            self._readers[site] = reader
        return reader

    def _fan_out(self, key: ListingKey, watchers: list[Watcher], slots: list[Slot]) -> None:
        """Start an attempt for each task that sees a wanted free slot (or must settle)."""
        zone = adapter_class(key.site).info.zone
        now = datetime.now(UTC)
        for watcher in watchers:
            want = watcher.want
            if watcher.task_id in self._attempts:
                continue
            if watcher.not_before and watcher.not_before > now + timedelta(
                seconds=watcher.interval_s
            ):
                continue  # waits for a release or a back-off the last attempt asked for
            wanted = choose(slots, want.times, want.courts, zone, day=want.day)
            if wanted or watcher.interrupted or target_day_passed(want, zone):
                self._start(watcher.task_id)

    def _start(self, task_id: int) -> None:
        if len(self._attempts) >= self.concurrency:
            return  # no room now: the next look sees the slot again if it is still free
        self._attempts[task_id] = asyncio.create_task(self._attempt(task_id))

    async def _attempt(self, task_id: int) -> None:
        try:
            await self.run_watch(task_id)
        finally:
            self._attempts.pop(task_id, None)
            self._next_refresh = 0.0  # the task moved on: read the watch tasks again

    async def close(self) -> None:
        """Stop looking; let attempts in flight settle (a half-paid booking must)."""
        for task in self._looks.values():
            task.cancel()
        await asyncio.gather(*self._looks.values(), *self._attempts.values(),
                             return_exceptions=True)  # fmt: skip
        for reader in self._readers.values():
            with contextlib.suppress(Exception):
                await reader.close()
        self._readers.clear()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(listings.release_all, self.runtime, self.name)
