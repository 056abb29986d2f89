"""The one rule for free text (`domain.text`): what people really write is kept, control
characters and lone surrogates are refused, without repeating the text."""

from __future__ import annotations

import pytest

from autobook.domain.text import CONTROL, ONE_LINE, SURROGATE, check_text, text_error

KEPT = [
    "Court\u00a02",  # a non-breaking space
    "\u200fמגרש 2",  # a right-to-left mark
    "👩\u200d👩\u200d👧 family",  # emoji joined by zero-width joiners
    "Zoë's café — 東京",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_people_write_is_kept(text: str) -> None:
    assert text_error(text) is None and text_error(text, one_line=True) is None
    assert check_text(text, one_line=True) == text


@pytest.mark.parametrize("text", ["a\x00b", "a\x1b[31mb", "bell\x07", "del\x7f"])
def test_control_characters_are_refused(text: str) -> None:
    assert text_error(text) == CONTROL
    with pytest.raises(ValueError, match=CONTROL) as caught:
        check_text(text)
    assert text not in str(caught.value)


def test_line_breaks_only_where_text_may_have_lines() -> None:
    assert text_error("two\nlines\tand a tab") is None
    assert text_error("two\nlines", one_line=True) == ONE_LINE


def test_a_lone_surrogate_is_not_text() -> None:
    assert text_error("a\ud800b") == SURROGATE


def test_length_is_checked_first() -> None:
    with pytest.raises(ValueError, match="at most 3 characters"):
        check_text("abcd", max_length=3)
