"""The clock-offset maths, without I/O: bounds from one answer, narrowing, bisection candidates,
send times, and a whole simulated bisection against a site with a known offset and latency:
the offset to half the round trip, the arrival of a request to well under it."""

from __future__ import annotations

import math
import random

import pytest

from autobook.engine.clock import (
    DRIFT,
    ClockEstimate,
    ClockSyncError,
    Probe,
    Window,
    candidates,
    estimate,
    fast,
    narrow,
    parse_date,
    send_time,
)


def site_answer(offset: float, sent: float, one_way: float, stamp_delay: float = 0.0) -> Probe:
    """What a site with clock `offset` answers: it stamps `Date` (truncated) on arrival
    plus `stamp_delay`, and the answer takes `one_way` to come back."""
    stamped = sent + one_way + stamp_delay
    return Probe(sent, stamped + one_way, math.floor(stamped + offset))


@pytest.mark.parametrize("offset", [0.0, 0.4, -0.4, 2.9999, -3.0, 1234.567])
def test_one_answer_bounds_the_offset_within_a_second_and_the_round_trip(offset: float) -> None:
    probe = site_answer(offset, sent=1_000_000.25, one_way=0.01, stamp_delay=0.003)
    bounds = probe.bounds
    assert bounds.lo <= offset < bounds.hi
    assert bounds.hi - bounds.lo == pytest.approx(1 + probe.rtt)


def test_narrow_intersects_and_never_excludes_the_truth() -> None:
    rng = random.Random(7)
    offset = 0.8123
    window = None
    for _ in range(50):
        sent = 5_000.0 + rng.uniform(0, 100)
        probe = site_answer(offset, sent, one_way=rng.uniform(0.0005, 0.05))
        window = narrow(window, probe.bounds)
        assert window.lo <= offset <= window.hi
    assert window is not None and window.half_width < 0.2  # random phases narrow it too


def test_narrow_trusts_the_new_answer_when_the_site_clock_was_stepped() -> None:
    before = narrow(None, site_answer(0.2, 100.0, 0.001).bounds)
    after = narrow(before, site_answer(7.5, 101.3, 0.001).bounds)  # the site's clock jumped 7.3 s
    assert after == site_answer(7.5, 101.3, 0.001).bounds
    assert after.lo <= 7.5 <= after.hi


def test_narrow_meets_in_the_gap_when_a_date_is_a_few_ms_stale() -> None:
    window = Window(0.500, 0.504)
    slightly_stale = Probe(sent=100.510, received=100.511, date_s=100)  # says offset ≤ 0.490
    assert narrow(window, slightly_stale.bounds) == Window(pytest.approx(0.490), 0.500)
    stepped = Probe(sent=100.900, received=100.901, date_s=100)  # says offset ≤ 0.100
    assert narrow(window, stepped.bounds) == stepped.bounds


def test_candidates_split_the_window_evenly() -> None:
    assert candidates(Window(0.0, 1.0), 4) == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert candidates(Window(-2.0, -1.0), 1) == pytest.approx([-1.5])


@pytest.mark.parametrize("arrival", [0.0, 0.3, -0.3, 2.75, -2.999])
def test_send_time_aims_the_arrival_at_the_next_tick_of_the_candidate_clock(
    arrival: float,
) -> None:
    now = 10_000.37
    sent = send_time(arrival, not_before=now)
    arrival_on_site_clock = sent + arrival
    assert arrival_on_site_clock == pytest.approx(round(arrival_on_site_clock), abs=1e-6)
    assert now <= sent < now + 1


def test_one_answer_bounds_the_arrival_offset_within_a_second() -> None:
    offset, one_way = 1.25, 0.02
    probe = site_answer(offset, sent=7_000.5, one_way=one_way)
    assert probe.arrival_bounds.lo <= offset + one_way < probe.arrival_bounds.hi


@pytest.mark.parametrize("offset", [0.0, 0.5, -1.25, 2.987, -2.001])
@pytest.mark.parametrize("fan", [1, 4])
@pytest.mark.parametrize("one_way", [0.0005, 0.02])
def test_simulated_bisection_finds_the_arrival_well_inside_the_round_trip(
    offset: float, fan: int, one_way: float
) -> None:
    """The estimator's loop on a simulated site: each round, `fan` probes timed to arrive at
    the candidates of the arrival window."""
    now = 50_000.0
    probes = [site_answer(offset, now, one_way) for _ in range(fan)]
    window, arrival = probes[0].bounds, probes[0].arrival_bounds
    for _ in range(12):
        now += 1.1
        for c in candidates(arrival, fan):
            probe = site_answer(offset, send_time(c, not_before=now), one_way)
            probes.append(probe)
            window, arrival = narrow(window, probe.bounds), narrow(arrival, probe.arrival_bounds)
    result = estimate(window, arrival, probes, min(p.rtt for p in probes))
    assert abs(result.offset_s - offset) <= result.uncertainty_s
    assert result.uncertainty_s <= 2 * one_way + 0.001
    assert result.rtt_s == pytest.approx(2 * one_way)
    # Where a request sent now lands on the site's clock: known far better than the offset.
    assert abs(result.arrival_s - (offset + one_way)) <= result.arrival_uncertainty_s + 1e-9
    assert result.arrival_uncertainty_s <= 0.0002
    assert result.one_way_s == pytest.approx(one_way, abs=2 * one_way + 0.001)


def test_answers_that_waited_at_the_site_do_not_move_the_arrival_estimate() -> None:
    """A busy site stamps `Date` late: such answers are slower, and only the fast ones bound
    the arrival (else the estimate would put arrivals later than they are: shots early)."""
    rng = random.Random(3)
    offset, one_way, now = -0.75, 0.001, 80_000.0
    probes = [site_answer(offset, now, one_way)]
    window, arrival = probes[0].bounds, probes[0].arrival_bounds
    for _ in range(10):
        now += 1.1
        for c in candidates(arrival, 4):
            busy = rng.random() < 0.4  # this answer waited 5-40 ms at the site before its Date
            delay = rng.uniform(0.005, 0.04) if busy else 0.0
            probes.append(site_answer(offset, send_time(c, not_before=now), one_way, delay))
        min_rtt = min(p.rtt for p in probes)
        arrival = None
        for p in sorted(fast(probes, min_rtt), key=lambda p: p.sent):
            arrival = narrow(arrival, p.arrival_bounds)
        assert arrival is not None
    for p in probes:
        window = narrow(window, p.bounds)
    result = estimate(window, arrival, probes, min(p.rtt for p in probes))
    assert abs(result.arrival_s - (offset + one_way)) <= result.arrival_uncertainty_s + 1e-9


def test_parse_date_reads_an_http_date() -> None:
    assert parse_date("Sun, 29 Mar 2026 01:00:07 GMT") == 1774746007


@pytest.mark.parametrize("value", [None, "", "yesterday", "Sun, 99 Mar 2026 01:00:07 GMT"])
def test_parse_date_refuses_a_missing_or_garbled_header(value: str | None) -> None:
    with pytest.raises(ClockSyncError, match="Date header"):
        parse_date(value)


def test_an_estimate_widens_with_the_time_the_two_clocks_had_to_drift() -> None:
    """A snipe measures minutes before the release; before it narrows the estimate again, the
    windows make room for the drift since, so a drifted truth is not excluded."""
    est = ClockEstimate(0.5, 0.001, 0.002, 24, 0.501, 0.0003, 0.0015, measured_at=1_000.0)
    offset, arrival = est.windows(now=1_000.0)
    assert (offset.half_width, arrival.half_width) == pytest.approx((0.001, 0.0003))
    offset, arrival = est.windows(now=1_600.0)  # ten minutes later
    assert offset.half_width == pytest.approx(0.001 + 600 * DRIFT)
    assert arrival.lo <= 0.501 - 0.1 and arrival.hi >= 0.501 + 0.1
