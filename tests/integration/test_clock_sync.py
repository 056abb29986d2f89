"""Clock sync against the Better simulator over real HTTP on loopback.

The simulator's skew is set through its admin API, so the true offset is known: because the
bounds are hard, the estimate is within its own uncertainty of it, whatever the load; and the
bisection narrows one answer's second-wide window to about a round trip. How close the estimate
gets (a few ms on a quiet machine) is a figure `bench/clock_accuracy.py` prints, not a test: a
loaded test machine's round trips decide it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from autobook.engine.clock import ClockEstimate, ClockSyncError, estimate_offset, refresh
from autobook.engine.timing import site_now, sleep_until, wait_until
from autobook.sandbox.runner import Sandbox

PROBE_PATH = "/api/activities/venues"  # any cheap GET the site stamps with its Date
NARROWED_S = 0.25  # half of what a single answer leaves (one second plus the round trip)
ROUNDING_S = 1e-5  # the simulator rounds its clock to microseconds before truncating


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["better"], seed="demo").start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def api_url(box: Sandbox) -> str:
    return box.url("better", "api")


def skewed_estimate(api_url: str, skew: float) -> ClockEstimate:
    async def run() -> ClockEstimate:
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
            r = await client.post("/_sandbox/clock", json={"offset_s": skew})
            r.raise_for_status()
            return await estimate_offset(client, PROBE_PATH)

    return asyncio.run(run())


@pytest.mark.parametrize("skew", [2.9876, -2.5, -0.0421])
def test_the_true_skew_is_within_the_estimate_s_narrowed_window(api_url: str, skew: float) -> None:
    est = skewed_estimate(api_url, skew)
    error = est.offset_s - skew
    assert abs(error) <= est.uncertainty_s + ROUNDING_S, f"off by {error * 1000:.1f} ms"
    assert est.uncertainty_s <= max(NARROWED_S, est.rtt_s), "the probes did not narrow the window"
    assert est.probes >= 2 and est.rtt_s > 0


def test_a_request_timed_by_the_estimate_reaches_the_site_after_the_instant(api_url: str) -> None:
    """The instant is on the site's clock; aiming `uncertainty` late can never land early."""

    async def run() -> tuple[float, float]:
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
            (await client.post("/_sandbox/clock", json={"offset_s": -1.75})).raise_for_status()
            (await client.delete("/_sandbox/events")).raise_for_status()
            est = await estimate_offset(client, PROBE_PATH)
            instant = site_now(est.offset_s) + timedelta(seconds=1)
            await wait_until(instant + timedelta(seconds=est.uncertainty_s), est.offset_s)
            await client.get("/api/activities/venues", params={"marker": "fire"})
            events = (await client.get("/_sandbox/events", params={"kind": "request"})).json()
            return instant.timestamp(), events[-1]["t"]

    instant, arrived = asyncio.run(run())
    assert arrived >= instant


@pytest.mark.parametrize("latency_ms", [0, 20])
def test_arrival_is_measured_and_a_shot_aimed_by_it_arrives_after_the_instant(
    box: Sandbox, latency_ms: int
) -> None:
    """Aimed by the arrival estimate the way a snipe aims its last shot (the clock's hard lower
    bound plus the measured arrival), a request reaches the site after the instant, also when
    every answer takes 20 ms; the arrival window reaches into what the offset allows."""
    box.sites["better"].latency_ms = latency_ms

    async def run() -> tuple[ClockEstimate, float, float]:
        async with httpx.AsyncClient(base_url=box.url("better", "api"), timeout=10) as client:
            (await client.post("/_sandbox/clock", json={"offset_s": 0.6180})).raise_for_status()
            est = await estimate_offset(client, PROBE_PATH)
            est = await refresh(client, PROBE_PATH, est, probes=3)
            instant = site_now(est.offset_s) + timedelta(seconds=1)
            await sleep_until(instant.timestamp() - (est.offset_s - est.uncertainty_s))
            await client.get("/api/activities/venues", params={"marker": "aimed"})
            events = (await client.get("/_sandbox/events", params={"kind": "request"})).json()
            return est, instant.timestamp(), events[-1]["t"]

    try:
        est, instant, arrived = asyncio.run(run())
    finally:
        box.sites["better"].latency_ms = 0
    assert arrived >= instant
    assert est.offset_s - est.uncertainty_s <= est.arrival_s + est.arrival_uncertainty_s
    assert est.rtt_s >= latency_ms / 1000


def test_no_date_header_is_a_clear_error(api_url: str) -> None:
    async def run() -> None:
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as client:
            await estimate_offset(client, "/_sandbox/clock")  # the admin API sends no Date

    with pytest.raises(ClockSyncError, match="no Date header"):
        asyncio.run(run())


def test_an_unreachable_site_is_a_clear_error() -> None:
    async def run() -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            await estimate_offset(client, "http://127.0.0.1:9/")  # discard port: refused

    with pytest.raises(ClockSyncError, match=r"no answer from 127\.0\.0\.1"):
        asyncio.run(run())
