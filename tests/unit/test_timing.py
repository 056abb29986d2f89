"""Precise waits and staggered attempts, on the local clock only (no network).

No assertion bounds how long anything took: they check that nothing fires before its instant,
in the right order, and that a stop condition skips the attempts not fired yet."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from autobook.engine.timing import (
    fire_staggered,
    local_timestamp,
    site_now,
    sleep_until,
    stagger,
    wait_until,
)


def test_sleep_until_never_wakes_before_the_instant() -> None:
    async def run() -> list[tuple[float, float]]:
        woke = []
        for delay in (0.0, 0.01, 0.06):
            target = time.time() + delay
            late = await sleep_until(target)
            woke.append((time.time(), target))
            assert late >= 0
        return woke

    for now, target in asyncio.run(run()):
        assert now >= target


def test_an_instant_in_the_past_returns_at_once_with_its_lateness() -> None:
    late = asyncio.run(sleep_until(time.time() - 5))
    assert late >= 5


@pytest.mark.parametrize("offset_s", [-2.5, 0.0, 3.0, 86_400.0])
def test_wait_until_follows_the_site_clock(offset_s: float) -> None:
    """The site is `offset_s` ahead: its instant `site now + 50 ms` is 50 ms away locally."""
    instant = site_now(offset_s) + timedelta(milliseconds=50)

    async def run() -> float:
        await wait_until(instant, offset_s)
        return time.time() + offset_s

    assert asyncio.run(run()) >= instant.timestamp()
    assert local_timestamp(instant, offset_s) == pytest.approx(instant.timestamp() - offset_s)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="zone-aware"):
        local_timestamp(datetime(2026, 3, 29, 1, 0), 0.0)


def test_stagger_offsets() -> None:
    assert stagger(3, 0.02, lead_s=-0.01) == pytest.approx([-0.01, 0.01, 0.03])
    with pytest.raises(ValueError, match="count"):
        stagger(0, 0.02)
    with pytest.raises(ValueError, match="spacing"):
        stagger(2, -0.1)


def test_fire_staggered_fires_each_at_its_instant_in_order() -> None:
    instant = datetime.now(UTC) + timedelta(milliseconds=80)
    started: list[tuple[int, float]] = []

    def attempt(i: int) -> Callable[[], Awaitable[int]]:
        async def go() -> int:
            started.append((i, time.time()))
            await asyncio.sleep(0.001)
            return i * 10

        return go

    shots = asyncio.run(
        fire_staggered(instant, 0.0, [attempt(i) for i in range(3)], spacing_s=0.03)
    )
    assert [s.result for s in shots] == [0, 10, 20]
    assert [i for i, _ in started] == [0, 1, 2]
    for (i, at), shot in zip(started, shots, strict=True):
        planned = instant.timestamp() + i * 0.03
        assert at >= planned
        assert shot.fired_at.timestamp() >= planned


def test_fire_staggered_skips_the_rest_once_one_wins_but_awaits_those_in_flight() -> None:
    instant = datetime.now(UTC) + timedelta(milliseconds=30)
    finished: list[int] = []

    def attempt(i: int, duration: float, answer: str) -> Callable[[], Awaitable[str]]:
        async def go() -> str:
            await asyncio.sleep(duration)
            finished.append(i)
            return answer

        return go

    # 0 is slow and still in flight when 1 (fired 200 ms later) has won: 2 and 3 never fire,
    # and 0 is awaited so a hold it might take is not lost. The spacing leaves a loaded
    # machine's event loop time to see 1's answer before 2 is due.
    attempts = [
        attempt(0, 1.0, "busy"),
        attempt(1, 0.0, "held"),
        attempt(2, 0.0, "held"),
        attempt(3, 0.0, "held"),
    ]
    shots = asyncio.run(
        fire_staggered(instant, 0.0, attempts, spacing_s=0.2, stop_when=lambda r: r == "held")
    )
    assert [s.index for s in shots] == [0, 1]
    assert [s.result for s in shots] == ["busy", "held"]
    assert sorted(finished) == [0, 1]


def test_fire_staggered_keeps_errors_and_fires_the_rest() -> None:
    instant = datetime.now(UTC) + timedelta(milliseconds=20)

    async def boom() -> str:
        raise RuntimeError("409 busy")

    async def fine() -> str:
        return "held"

    shots = asyncio.run(fire_staggered(instant, 0.0, [boom, fine], spacing_s=0.01))
    assert isinstance(shots[0].error, RuntimeError) and shots[0].result is None
    assert shots[1].result == "held" and shots[1].error is None
