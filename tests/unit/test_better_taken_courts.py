"""Which courts a snipe aims at before the release: the listing shows no status yet, but a
court with no space while another of the session has one is taken; with no space anywhere
the listing says nothing, and every court stays in the running."""

from __future__ import annotations

from autobook.sites.better.adapter import _taken_before_release
from autobook.sites.better.models import Court


def court(n: int, status: str | None, spaces: int | None) -> Court:
    return Court(n, 7, "activity", f"Court {n}", status, None, spaces=spaces)


def test_before_the_release_a_court_without_space_beside_a_free_one_is_taken() -> None:
    courts = [court(1, None, 1), court(2, None, 0), court(3, None, 0), court(4, None, None)]
    assert _taken_before_release(courts) == {2, 3}


def test_no_space_anywhere_says_nothing_and_full_is_always_taken() -> None:
    assert _taken_before_release([court(1, None, 0), court(2, None, 0)]) == set()
    assert _taken_before_release([court(1, "FULL", 0), court(2, "BOOK", 1)]) == {1}
