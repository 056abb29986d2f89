"""The times and dates people type: every accepted form, and a clear error for everything else."""

from __future__ import annotations

from datetime import date, time

import pytest

from autobook.domain.timeparse import (
    MAX_INPUT_CHARS,
    MAX_PREFERENCES,
    parse_date,
    parse_time,
    parse_time_preferences,
    quote,
)

GOOD_TIMES = [
    ("7pm", time(19, 0)),
    ("11am", time(11, 0)),
    ("7:30pm", time(19, 30)),
    ("7.30pm", time(19, 30)),
    ("07pm", time(19, 0)),
    ("7 pm", time(19, 0)),
    ("7p.m.", time(19, 0)),
    ("7 P.M.", time(19, 0)),
    ("  7PM  ", time(19, 0)),
    ("\t11Am\n", time(11, 0)),
    ("12am", time(0, 0)),
    ("12:30am", time(0, 30)),
    ("12pm", time(12, 0)),
    ("12:59pm", time(12, 59)),
    ("1am", time(1, 0)),
    ("11:59pm", time(23, 59)),
    ("19:30", time(19, 30)),
    ("19.30", time(19, 30)),
    ("7:30", time(7, 30)),
    ("07:30", time(7, 30)),
    ("00:00", time(0, 0)),
    ("0:00", time(0, 0)),
    ("23:59", time(23, 59)),
    ("19:30:00", time(19, 30)),  # what time.isoformat() writes, so stored values round-trip
    ("06:45:15", time(6, 45, 15)),
    ("noon", time(12, 0)),
    ("Midday", time(12, 0)),
    ("MIDNIGHT", time(0, 0)),
    # Wall-clock times the DST changes make odd in London still parse: combining them with a
    # date in the site's zone is where DST is decided, not here.
    ("1:30am", time(1, 30)),  # does not exist on the last Sunday of March
    ("01:30", time(1, 30)),  # happens twice on the last Sunday of October
]


@pytest.mark.parametrize(("text", "expected"), GOOD_TIMES)
def test_good_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("minute", range(60))
def test_every_minute_in_both_notations(minute: int) -> None:
    assert parse_time(f"3:{minute:02d}pm") == time(15, minute)
    assert parse_time(f"15:{minute:02d}") == time(15, minute)


@pytest.mark.parametrize("hour", range(24))
def test_every_hour_agrees_between_twelve_and_twenty_four_hour(hour: int) -> None:
    twelve = f"{hour % 12 or 12}{'pm' if hour >= 12 else 'am'}"
    assert parse_time(twelve) == parse_time(f"{hour}:00") == time(hour, 0)


BAD_TIMES = [
    ("25pm", "hour must be 1–12 with am/pm"),
    ("0pm", "hour must be 1–12 with am/pm"),
    ("13pm", "hour must be 1–12 with am/pm"),
    ("13:00pm", "hour must be 1–12 with am/pm"),
    ("007pm", "hour must be 1–12 with am/pm"),
    ("7:60pm", "minutes must be two digits, 00–59"),
    ("7:5pm", "minutes must be two digits, 00–59"),
    ("7:300pm", "minutes must be two digits, 00–59"),
    ("24:00", "hour must be 0–23"),
    ("99:00", "hour must be 0–23"),
    ("123:00", "hour must be 0–23"),
    ("19:60", "minutes must be two digits, 00–59"),
    ("19:3", "minutes must be two digits, 00–59"),
    ("19:30:60", "seconds must be two digits, 00–59"),
    ("7", "add am or pm"),
    ("19", "add am or pm"),
    ("1930", "with a colon"),  # refused: a year in the wrong column ("2026") is not 20:26
    ("2026", "with a colon"),
    ("", "empty"),
    ("   ", "empty"),
    ("7 o'clock", "not a time"),
    ("seven pm", "not a time"),
    ("7pm tomorrow", "not a time"),
    ("7:30:00pm", "not a time"),
    ("-7pm", "not a time"),
    ("7,30pm", "not a time"),
    ("19h30", "not a time"),
    ("７pm", "not a time"),  # fullwidth digit: int() would take it, the parser does not
    ("٧pm", "not a time"),  # Arabic-Indic seven
    ("7\u202epm", "not a time"),  # right-to-left override
    ("7pm\x00", "not a time"),
    ("'; DROP TABLE tasks; --", "not a time"),
    ("<script>alert(1)</script>", "not a time"),
    ("{{7*7}}", "not a time"),
    ("${jndi:ldap://x}", "not a time"),
    ("7pm" * 30, "too long"),
    ("1" * 100_000, "too long"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_TIMES)
def test_bad_times_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_time(text)
    message = str(err.value)
    assert reason in message
    assert message.startswith(f"time {quote(text)}: ")
    assert len(message) < 200  # a huge input is not echoed back whole


@pytest.mark.parametrize("junk", [None, 7, 19.5, b"7pm", ["7pm"], time(19, 0)])
def test_non_text_times_are_refused_by_type(junk: object) -> None:
    with pytest.raises(ValueError, match=f"^time: expected text, got {type(junk).__name__}$"):
        parse_time(junk)  # type: ignore[arg-type]


GOOD_DATES = [
    ("2026-02-15", date(2026, 2, 15)),
    ("2026-2-5", date(2026, 2, 5)),
    (" 2026-02-15 ", date(2026, 2, 15)),
    ("15/02/2026", date(2026, 2, 15)),
    ("5/2/2026", date(2026, 2, 5)),
    ("29/02/2028", date(2028, 2, 29)),
    ("2000-02-29", date(2000, 2, 29)),
    ("31/12/9999", date(9999, 12, 31)),
    ("0001-01-01", date(1, 1, 1)),
    # The days London changes its clocks are ordinary dates.
    ("2026-03-29", date(2026, 3, 29)),
    ("25/10/2026", date(2026, 10, 25)),
]


@pytest.mark.parametrize(("text", "expected"), GOOD_DATES)
def test_good_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 12, 31)),
        ("Tomorrow", date(2027, 1, 1)),
        (" TODAY ", date(2026, 12, 31)),
    ],
)
def test_relative_dates_count_from_the_given_day(text: str, expected: date) -> None:
    assert parse_date(text, today=date(2026, 12, 31)) == expected


@pytest.mark.parametrize("text", ["today", "tomorrow"])
def test_relative_dates_need_a_reference_day(text: str) -> None:
    with pytest.raises(ValueError, match="use YYYY-MM-DD or DD/MM/YYYY"):
        parse_date(text)


BAD_DATES = [
    ("2026-02-30", "no such day"),
    ("2026-02-29", "no such day"),  # not a leap year
    ("1900-02-29", "no such day"),  # centuries are leap years only every 400
    ("31/04/2026", "no such day"),
    ("2026-01-00", "no such day"),
    ("00/01/2026", "no such day"),
    ("2026-13-01", "month must be 1–12 (YYYY-MM-DD)"),
    ("2026-00-10", "month must be 1–12"),
    ("02/15/2026", "month must be 1–12 (DD/MM/YYYY, day first)"),  # a US date
    ("0000-01-01", "year must be 0001–9999"),
    ("15/02/26", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("26-02-15", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("2026/02/15", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("15-02-2026", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("15.02.2026", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("20260215", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("2026-02-15T19:00", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("Feb 15 2026", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("12026-02-15", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("yesterday", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("２０２６-02-15", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("2026-02-15'; DROP TABLE tasks; --", "use YYYY-MM-DD or DD/MM/YYYY"),
    ("", "empty"),
    (" \t", "empty"),
    ("9" * 10_000, "too long"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_DATES)
def test_bad_dates_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_date(text, today=date(2026, 1, 1))
    message = str(err.value)
    assert reason in message
    assert message.startswith(f"date {quote(text)}: ")
    assert len(message) < 200


@pytest.mark.parametrize("junk", [None, 20260215, date(2026, 2, 15), b"2026-02-15"])
def test_non_text_dates_are_refused_by_type(junk: object) -> None:
    with pytest.raises(ValueError, match=f"^date: expected text, got {type(junk).__name__}$"):
        parse_date(junk)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["7pm"], [time(19)]),
        (["7pm", "8pm"], [time(19), time(20)]),
        (["8pm", "7pm"], [time(20), time(19)]),  # order is preference, never sorted
        (["7pm", "19:00", "7:00pm", "8pm"], [time(19), time(20)]),  # same time, kept once
        (["7pm", ""], [time(19)]),  # seed 001's optional Time2 left blank
        (["", " ", "11am"], [time(11)]),
        ("7pm, 8pm", [time(19), time(20)]),
        ("7pm,,noon", [time(19), time(12)]),
        ((t for t in ["7pm", "8pm"]), [time(19), time(20)]),
        (["7pm"] * MAX_PREFERENCES, [time(19)]),
    ],
)
def test_time_preferences(texts: list[str] | str, expected: list[time]) -> None:
    assert parse_time_preferences(texts) == expected


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([], "time preferences: give at least one time"),
        ([""], "time preferences: give at least one time"),
        ("", "time preferences: give at least one time"),
        (" , ", "time preferences: give at least one time"),
        (["7pm", "25pm"], 'time preference 2: time "25pm": hour must be 1–12 with am/pm'),
        (["7pm", None], "time preference 2: time: expected text, got NoneType"),
        ("7pm, 1930", 'time preference 2: time "1930": write 24-hour times with a colon'),
        (["7pm"] * (MAX_PREFERENCES + 1), f"time preferences: at most {MAX_PREFERENCES} times"),
        (None, "time preferences: expected a list of times, got NoneType"),
        (7, "time preferences: expected a list of times, got int"),
    ],
)
def test_bad_time_preferences(texts: object, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_time_preferences(texts)  # type: ignore[arg-type]
    assert str(err.value).startswith(message)


def test_a_long_list_stops_early() -> None:
    # An endless iterator must not hang the parser: it stops at the limit.
    def endless() -> object:
        while True:
            yield "7pm"

    with pytest.raises(ValueError, match="at most"):
        parse_time_preferences(endless())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("7pm", '"7pm"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a\nb\x00", '"a\\nb\\x00"'),
        ("\u202e", '"\\u202e"'),
        ("é", '"é"'),
        ("x" * 41, '"' + "x" * 40 + '…"'),
    ],
)
def test_quote_shows_input_safely(text: str, shown: str) -> None:
    assert quote(text) == shown


def test_limits_are_generous_for_real_input() -> None:
    assert parse_time(" " * (MAX_INPUT_CHARS - 3) + "7pm") == time(19)
