"""How the live workers deal the listings out: evenly, and the same deal whoever computes it
(each worker computes it alone and takes only its own share)."""

from __future__ import annotations

from collections import Counter

from autobook.worker.listings import shares

KEYS = [f"better|venue|badminton|{d}" for d in range(36)]


def test_every_live_worker_gets_an_even_share() -> None:
    for live in (["w0"], ["w0", "w1"], ["a", "b", "c"], [f"w{i}" for i in range(5)]):
        deal = shares(KEYS, live)
        assert set(deal) == set(KEYS)
        counts = Counter(deal.values())
        assert set(counts) == set(live)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_the_deal_does_not_depend_on_the_order_things_are_seen_in() -> None:
    assert shares(KEYS, ["w1", "w0"]) == shares(list(reversed(KEYS)), ["w0", "w1"])


def test_no_worker_no_listing() -> None:
    assert shares([], ["w0"]) == {}
