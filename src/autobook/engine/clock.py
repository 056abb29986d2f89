"""Measure a site's clock offset from its HTTP `Date` headers, to a few milliseconds.

A `Date` header has whole-second resolution, but when it ticks is known much more finely. The
site stamps `Date` at some local instant `s` between our send and our receive, and truncates its
clock to the second, so one answer proves

    date_s <= s + offset < date_s + 1   →   offset ∈ [date_s - received, date_s + 1 - sent]

(`Probe.bounds`). Those bounds are hard, whatever the network did, so intersecting them never
excludes the truth. One probe leaves a window one second (plus the round trip) wide. A probe
timed to reach the site exactly when its clock would tick if the offset were `c` cuts the window
at `c`: if the answer already shows the new second, the offset is at least about `c`, if not,
at most about `c`. Each round sends `fan` such probes at evenly spaced candidates inside the
window (a `fan + 1`-way bisection), so a few rounds take the window from one second down to the
round trip. The estimate is the middle of the window; the uncertainty is its half-width.

Offsets follow `sandbox.core.SiteClock`: offset = site clock - local clock (`time.time()`).

The same probes also measure what a snipe needs most: when a request sent now *arrives*. The
arrival offset `A` is the site's clock at a request's arrival minus our clock at its sending
(the offset plus the one-way latency and our own sending overhead). A site stamps `Date` as it
answers, just after the request arrived, so `date_s <= sent + A < date_s + 1`
(`Probe.arrival_bounds`): the upper bound is hard, the lower one soft by the site's time to
answer (well under a millisecond for a cheap request, but more when the site is busy: so
only answers whose round trip is within FAST_SLACK_S of the fastest one count for it, a slow
answer being one that waited somewhere). The rounds are timed to bisect this
window, so it shrinks to the jitter of our own sending, however long the path: an offset alone
can never be known better than half the round trip, an arrival much better.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from autobook.engine.timing import sleep_until

DEFAULT_PROBES = 24  # requests in all: 6 rounds of 4 reach a few ms even on a busy machine
DEFAULT_FAN = 4  # probes per round; each round shrinks the window about fan + 1 times
DEFAULT_TARGET_S = 0.0005  # stop once the arrival window's half-width is this small
FAST_SLACK_S = 0.002  # an answer slower than the fastest by more than this bounds no arrival
SEND_MARGIN_S = 0.05  # schedule no probe sooner than this, so none is late before it starts
DRIFT = 2e-4  # two clocks may drift apart this fast (quartz: tens of ppm; NTP slews a few more)
STALE_DATE_S = 0.05  # a conflict this small is a server's cached clock, not a stepped one
# Ask caches for a fresh answer: a cached response keeps the Date of when it was made.
PROBE_HEADERS = {"Cache-Control": "no-cache"}


class ClockSyncError(RuntimeError):
    """The site's answers carry no usable `Date` header, or none came back."""


@dataclass(frozen=True)
class Probe:
    """One request: local send and receive instants and the site's `Date` (epoch seconds)."""

    sent: float
    received: float
    date_s: int

    @property
    def rtt(self) -> float:
        return self.received - self.sent

    @property
    def bounds(self) -> Window:
        return Window(self.date_s - self.received, self.date_s + 1 - self.sent)

    @property
    def arrival_bounds(self) -> Window:
        """The arrival offsets this answer allows (see the module's docstring)."""
        return Window(self.date_s - self.sent, self.date_s + 1 - self.sent)


@dataclass(frozen=True)
class Window:
    """The offsets still possible: [lo, hi] in seconds."""

    lo: float
    hi: float

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2


@dataclass(frozen=True)
class ClockEstimate:
    offset_s: float  # site clock minus local clock
    uncertainty_s: float  # the true offset lies within offset_s ± this
    rtt_s: float  # median round trip of the probes
    probes: int = 0  # answers used
    arrival_s: float = 0.0  # site clock at a request's arrival minus local clock at its sending
    arrival_uncertainty_s: float = 0.0  # the arrival offset lies within arrival_s ± this
    min_rtt_s: float = 0.0  # the fastest round trip seen
    measured_at: float = 0.0  # local time of the last probe

    @property
    def one_way_s(self) -> float:
        """Sending → arrival: the one-way latency plus our own sending overhead."""
        return self.arrival_s - self.offset_s

    def windows(self, now: float | None = None) -> tuple[Window, Window]:
        """(offset, arrival) windows at `now`, to narrow further with `refresh`: widened by
        how far the two clocks may have drifted apart since they were measured."""
        since = (now or time.time()) - self.measured_at if self.measured_at else 0.0
        drift = max(since, 0.0) * DRIFT
        off, arr = self.uncertainty_s + drift, self.arrival_uncertainty_s + drift
        return (Window(self.offset_s - off, self.offset_s + off),
                Window(self.arrival_s - arr, self.arrival_s + arr))  # fmt: skip


def narrow(window: Window | None, bounds: Window) -> Window:
    """The window after one more probe's `bounds`.

    An empty intersection cannot happen with an exact clock. A small gap means the server
    stamps `Date` from a clock it caches for a few ms (nginx does): the truth is then in the
    gap. A large one means the site's clock was stepped: the new probe is trusted alone.
    """
    if window is None:
        return bounds
    lo, hi = max(window.lo, bounds.lo), min(window.hi, bounds.hi)
    if lo <= hi:
        return Window(lo, hi)
    return Window(hi, lo) if lo - hi <= STALE_DATE_S else bounds


def candidates(window: Window, fan: int) -> list[float]:
    """`fan` offsets splitting the window into `fan + 1` equal parts."""
    step = (window.hi - window.lo) / (fan + 1)
    return [window.lo + step * (i + 1) for i in range(fan)]


def send_time(arrival: float, *, not_before: float) -> float:
    """When to send so the request reaches the site as its clock ticks to a new second if the
    arrival offset were `arrival`: the first such instant after `not_before`."""
    return math.ceil(not_before + arrival) - arrival


def parse_date(value: str | None) -> int:
    """The `Date` header as epoch seconds."""
    if not value:
        raise ClockSyncError("the site's answer has no Date header")
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError):
        raise ClockSyncError(f"the site's Date header is not a date: {value[:40]!r}") from None


def estimate(window: Window, arrival: Window, probes: list[Probe], min_rtt: float) -> ClockEstimate:
    rtt = statistics.median(p.rtt for p in probes)
    # The arrival offset cannot be below the clock offset (nothing arrives before it is sent).
    arrival = Window(max(arrival.lo, window.lo), max(arrival.hi, window.lo))
    return ClockEstimate(window.mid, window.half_width, rtt, len(probes), arrival.mid,
                         arrival.half_width, min_rtt, max(p.received for p in probes))  # fmt: skip


def fast(probes: list[Probe], min_rtt: float) -> list[Probe]:
    """The answers that came back about as fast as the fastest: they waited nowhere."""
    return [p for p in probes if p.rtt <= min_rtt + FAST_SLACK_S]


async def probe_once(client: httpx.AsyncClient, url: str, at: float | None = None) -> Probe | None:
    """One GET sent at local time `at` (now if None); None when the request failed."""
    if at is not None:
        await sleep_until(at)
    sent = time.time()
    try:
        response = await client.get(url, headers=PROBE_HEADERS)
    except httpx.HTTPError:
        return None  # a lost probe only costs precision; the caller needs at least one
    received = time.time()
    if response.headers.get("age", "0").strip() not in ("", "0"):
        return None  # served from a cache anyway: its Date is from another time
    return Probe(sent, received, parse_date(response.headers.get("date")))


async def estimate_offset(
    client: httpx.AsyncClient,
    url: str,
    *,
    probes: int = DEFAULT_PROBES,
    fan: int = DEFAULT_FAN,
    target_s: float = DEFAULT_TARGET_S,
) -> ClockEstimate:
    """Estimate the clock and arrival offsets of the site answering `url` (any cheap GET with
    a `Date`).

    The first round sends `fan` requests at once, which also opens `fan` keep-alive connections
    for the timed rounds. Stops after `probes` requests or when the arrival offset's
    uncertainty is `target_s`.
    """
    if probes < 1 or fan < 1:
        raise ValueError("probes and fan must be at least 1")
    sent = min(fan, probes)
    done = await _round(client, url, [None] * sent)
    if not done:
        host = client.base_url.join(url).host or url
        raise ClockSyncError(f"no answer from {host} to measure its clock")
    window, arrival = _fold(None, done), _arrivals(None, done, min(p.rtt for p in done))
    while sent < probes and arrival.half_width > target_s:
        count = min(fan, probes - sent)
        sent += count
        new = await _timed_round(client, url, arrival, count)
        done += new
        window = _fold(window, new)
        arrival = _arrivals(None, done, min(p.rtt for p in done))  # the fastest may be new
    return estimate(window, arrival, done, min(p.rtt for p in done))


async def refresh(
    client: httpx.AsyncClient, url: str, before: ClockEstimate, *, probes: int = DEFAULT_FAN
) -> ClockEstimate:
    """One more timed round of `probes` requests at once, at the site's next tick: it narrows
    the estimate (widened first by the drift since it was made, so a drift is followed, and a
    clock stepped meanwhile too), and puts a request on that many keep-alive connections. The
    estimate is unchanged if every probe failed."""
    window, arrival = before.windows()
    new = await _timed_round(client, url, arrival, probes)
    if not new:
        return before
    min_rtt = min([p.rtt for p in new] + ([before.min_rtt_s] if before.min_rtt_s else []))
    return estimate(_fold(window, new), _arrivals(arrival, new, min_rtt), new, min_rtt)


async def _timed_round(
    client: httpx.AsyncClient, url: str, arrival: Window, count: int
) -> list[Probe]:
    now = time.time() + SEND_MARGIN_S
    picks = candidates(arrival, count)
    return await _round(client, url, [send_time(c, not_before=now) for c in picks])


async def _round(client: httpx.AsyncClient, url: str, times: list[float | None]) -> list[Probe]:
    results = await asyncio.gather(*(probe_once(client, url, at) for at in times))
    return [p for p in results if p is not None]


def _fold(window: Window | None, probes: list[Probe]) -> Window:
    for probe in sorted(probes, key=lambda p: p.sent):
        window = narrow(window, probe.bounds)
    assert window is not None
    return window


def _arrivals(arrival: Window | None, probes: list[Probe], min_rtt: float) -> Window:
    """`arrival` narrowed by the fast ones of `probes` (unchanged if none is fast)."""
    for probe in sorted(fast(probes, min_rtt), key=lambda p: p.sent):
        arrival = narrow(arrival, probe.arrival_bounds)
    assert arrival is not None  # the fastest probe of a first round is always fast
    return arrival
