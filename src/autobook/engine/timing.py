"""Precise waits on a site's clock, and firing a few staggered attempts around an instant.

`asyncio.sleep` alone wakes up to a millisecond late (more on a busy machine), and a release
race is decided in milliseconds. So the wait is a coarse sleep that stops `SPIN_S` short of the
target, then a spin that yields to the event loop on every turn, so other coroutines (the other
staggered attempts, open sockets) keep running.

Instants on the site clock are turned into local ones with the offset measured by
`engine.clock` (offset = site clock - local clock): the site reaches `T` at local `T - offset`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")

# asyncio rounds its epoll timeout up to whole ms, so the coarse sleep alone wakes up to ~1 ms
# late; 2 ms of spinning absorbs that. Longer spins were worse on a busy 2-core machine (25 ms:
# p90 lateness 35-45 ms against under 20 ms): a process that burns CPU gets preempted, while
# one that sleeps is woken promptly.
SPIN_S = 0.002
# Gap between staggered attempts: wider than the jitter of one loopback request, narrow enough
# that three attempts still land inside the first tenth of a second after the release.
DEFAULT_SPACING_S = 0.02


async def sleep_until(local_ts: float, *, spin_s: float = SPIN_S) -> float:
    """Wait until the local clock (`time.time()`) reads `local_ts`; return how late we woke (s).

    Returns at once (with a positive lateness) when the instant has passed already.
    """
    coarse = local_ts - spin_s - time.time()
    if coarse > 0:
        await asyncio.sleep(coarse)
    while time.time() < local_ts:
        await asyncio.sleep(0)  # yield, so the loop's other tasks are not starved by the spin
    return time.time() - local_ts


def site_now(offset_s: float) -> datetime:
    """Now on the site's clock, given its measured offset."""
    return datetime.fromtimestamp(time.time() + offset_s, UTC)


def local_timestamp(instant: datetime, offset_s: float) -> float:
    """The local epoch time at which the site's clock reads `instant` (zone-aware)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be zone-aware")
    return instant.timestamp() - offset_s


async def wait_until(instant_utc: datetime, offset_s: float = 0.0) -> float:
    """Wait until the site's clock reads `instant_utc`; return how late we woke (seconds)."""
    return await sleep_until(local_timestamp(instant_utc, offset_s))


def stagger(count: int, spacing_s: float, lead_s: float = 0.0) -> list[float]:
    """Offsets in seconds from the instant at which each of `count` attempts fires."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if spacing_s < 0:
        raise ValueError("spacing_s must not be negative")
    return [lead_s + i * spacing_s for i in range(count)]


@dataclass
class Shot(Generic[T]):
    """One fired attempt: when it left (site clock) and how it ended."""

    index: int
    fired_at: datetime
    late_s: float = 0.0  # how late the wake-up for it was (a busy machine, a blocked loop)
    result: T | None = None
    error: BaseException | None = None


async def fire_staggered(
    instant_utc: datetime,
    offset_s: float,
    attempts: Sequence[Callable[[], Awaitable[T]]],
    *,
    spacing_s: float = DEFAULT_SPACING_S,
    lead_s: float = 0.0,
    leads_s: Sequence[float] | None = None,
    stop_when: Callable[[T], bool] | None = None,
) -> list[Shot[T]]:
    """Start `attempts[i]` when the site clock reads `instant_utc + lead_s + i * spacing_s`
    (or `instant_utc + leads_s[i]`, rising, when given).

    Once a finished attempt satisfies `stop_when` (a hold was won, or the slot is full), the
    attempts not fired yet are skipped. Attempts already in flight are awaited, not cancelled:
    a cancelled request may still have taken a hold on the site, and the caller must see every
    hold to release the duplicates. Returns the fired attempts in order, errors included.
    """
    offsets = list(leads_s) if leads_s is not None else stagger(len(attempts), spacing_s, lead_s)
    shots: list[Shot[T]] = []
    tasks: list[asyncio.Task[T]] = []
    for index, (attempt, offset) in enumerate(zip(attempts, offsets, strict=True)):
        late = await wait_until(instant_utc + timedelta(seconds=offset), offset_s)
        if stop_when is not None and _any_satisfies(tasks, stop_when):
            break
        shots.append(Shot(index, site_now(offset_s), late))
        tasks.append(asyncio.create_task(_call(attempt)))
        await asyncio.sleep(0)  # let it put its request on the wire before the next wait
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for shot, outcome in zip(shots, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            shot.error = outcome
        else:
            shot.result = outcome
    return shots


async def _call(attempt: Callable[[], Awaitable[T]]) -> T:
    return await attempt()


def _any_satisfies(tasks: list[asyncio.Task[T]], predicate: Callable[[T], bool]) -> bool:
    return any(
        t.done() and not t.cancelled() and t.exception() is None and predicate(t.result())
        for t in tasks
    )
