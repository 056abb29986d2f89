"""Clock accuracy under skew: how far after a release instant the first request lands.

Against the Better simulator (started as `autobook sandbox` in a child process, or the API
origin given with --url), each run skews the site's clock by a random offset within ±3 s,
estimates the offset from its `Date` headers (`engine.clock`), waits for a release instant on
the site's clock (the next whole second at least one second away, like 22:00:00), fires one GET
on the availability endpoint and reads from the simulator's event log when that request
arrived. Prints each run and the distribution (min / median / p95 / max, in ms). Asserts
nothing: the figures are for reading.

The request aims `uncertainty` after the release, so it cannot land early whatever the estimate's
error; what remains is that margin, the send path and the loopback hop.

    uv run python bench/clock_accuracy.py [--runs 20] [--max-skew 3] [--seed N] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from autobook.engine.clock import estimate_offset
from autobook.engine.timing import site_now, wait_until

PROBE_PATH = "/api/activities/venues"
TIMES_PATH = "/api/activities/venue/hendon-leisure-centre/activity/badminton-60min/v2/times"
LEAD_TO_RELEASE_S = 1.0  # the release is the next whole second at least this far away


@dataclass(frozen=True)
class Run:
    skew_s: float
    error_ms: float  # estimate minus true skew
    uncertainty_ms: float
    landed_ms: float  # arrival at the simulator minus the release instant (site clock)
    woke_late_ms: float  # how late the precise wait returned (the machine's scheduling)


@contextmanager
def better_api(url: str | None) -> Iterator[str]:
    """The Better API origin: `url`, or a fresh `autobook sandbox` child process's."""
    if url:
        yield url.rstrip("/")
        return
    child = subprocess.Popen(
        [sys.executable, "-m", "autobook", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            site, origin, address = [*line.split(), "", "", ""][:3]
            if (site, origin) == ("better", "api"):
                yield address
                return
        raise RuntimeError("autobook sandbox ended without printing the Better API URL")
    finally:
        child.terminate()
        child.wait(timeout=10)


async def one_run(client: httpx.AsyncClient, skew: float) -> Run:
    (await client.post("/_sandbox/clock", json={"offset_s": skew})).raise_for_status()
    est = await estimate_offset(client, PROBE_PATH)
    now = site_now(est.offset_s)
    release = datetime.fromtimestamp(math.ceil(now.timestamp() + LEAD_TO_RELEASE_S), UTC)
    (await client.delete("/_sandbox/events")).raise_for_status()
    day = (release + timedelta(days=7)).date().isoformat()
    request = client.build_request("GET", TIMES_PATH, params={"date": day})  # prepared early
    late = await wait_until(release + timedelta(seconds=est.uncertainty_s), est.offset_s)
    await client.send(request)
    events = (await client.get("/_sandbox/events", params={"kind": "request"})).json()
    arrival = next(e["t"] for e in events if e["path"] == TIMES_PATH)
    return Run(
        skew,
        (est.offset_s - skew) * 1000,
        est.uncertainty_s * 1000,
        (arrival - release.timestamp()) * 1000,
        late * 1000,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<22} min {min(values):8.2f}  median {statistics.median(values):8.2f}  "
        f"p95 {percentile(values, 0.95):8.2f}  max {max(values):8.2f}"
    )


async def bench(url: str, runs: int, max_skew: float, rng: random.Random) -> list[Run]:
    results = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for n in range(1, runs + 1):
            run = await one_run(client, rng.uniform(-max_skew, max_skew))
            results.append(run)
            print(
                f"run {n:2d}: skew {run.skew_s:+7.3f} s  estimate error {run.error_ms:+7.2f} ms"
                f"  (±{run.uncertainty_ms:5.2f})  landed {run.landed_ms:+7.2f} ms after release"
                f"  (woke {run.woke_late_ms:5.2f} ms late)",
                flush=True,
            )
        (await client.post("/_sandbox/clock", json={"offset_s": 0})).raise_for_status()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--max-skew", type=float, default=3.0, help="seconds, either way")
    parser.add_argument("--seed", type=int, default=None, help="for repeatable skews")
    parser.add_argument("--url", help="a running Better simulator's API origin")
    args = parser.parse_args()
    with better_api(args.url) as url:
        results = asyncio.run(bench(url, args.runs, args.max_skew, random.Random(args.seed)))
    print()
    print(f"{len(results)} runs, skew uniform within ±{args.max_skew:g} s (all figures in ms)")
    print(summary("landed after release", [r.landed_ms for r in results]))
    print(summary("|estimate error|", [abs(r.error_ms) for r in results]))
    print(summary("uncertainty (±)", [r.uncertainty_ms for r in results]))
    print(summary("woke late", [r.woke_late_ms for r in results]))
    late = sum(not 0 <= r.landed_ms <= 50 for r in results)
    print(f"outside [0, +50] ms: {late} of {len(results)}")


if __name__ == "__main__":
    main()
