"""The date and time rules every way of making a task shares (`domain.taskdates`)."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autobook.domain.taskdates import (
    check_in_range,
    is_ambiguous,
    latest_target,
    local_start,
    target_date_error,
    task_date_errors,
)

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 5)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1), date(1999, 12, 31),
                                 date(2101, 1, 1), date(9999, 12, 31)])  # fmt: skip
def test_dates_outside_2000_to_2100_are_refused(day: date) -> None:
    with pytest.raises(ValueError, match="out of range: dates must be between 2000-01-01"):
        check_in_range(day)


@pytest.mark.parametrize("day", [date(2000, 1, 1), date(2100, 12, 31), TODAY])
def test_dates_inside_are_kept(day: date) -> None:
    assert check_in_range(day) == day


def test_a_task_is_for_today_up_to_two_years_ahead() -> None:
    assert target_date_error(TODAY, TODAY) is None
    assert target_date_error(date(2028, 12, 5), TODAY) is None
    past = target_date_error(TODAY - timedelta(days=1), TODAY)
    assert past == "2026-12-04 is in the past (today is 2026-12-05 at the site)"
    ahead = target_date_error(date(2028, 12, 6), TODAY)
    assert ahead == "2028-12-06 is more than 2 years ahead; the latest date is 2028-12-05"


def test_two_years_from_a_29_february_is_the_28th() -> None:
    assert latest_target(date(2028, 2, 29)) == date(2030, 2, 28)


def test_a_time_the_clocks_skip_is_refused_and_named() -> None:
    with pytest.raises(ValueError) as caught:
        local_start(date(2027, 3, 28), time(1, 30), LONDON)
    assert str(caught.value) == (
        "01:30 does not exist on 2027-03-28 in Europe/London: the clocks go forward over it "
        "that night; pick another time"
    )
    assert local_start(date(2027, 3, 28), time(2, 0), LONDON).utcoffset() == timedelta(hours=1)
    assert local_start(date(2027, 3, 28), time(0, 59), LONDON).utcoffset() == timedelta(0)


def test_a_time_that_happens_twice_means_the_first() -> None:
    day = date(2027, 10, 31)
    assert is_ambiguous(day, time(1, 30), LONDON)
    assert not is_ambiguous(day, time(2, 30), LONDON)
    first = local_start(day, time(1, 30, fold=1), LONDON)  # even when asked for the second
    assert first.utcoffset() == timedelta(hours=1)  # still BST: the first 01:30


def test_task_date_errors_name_each_field() -> None:
    errors = task_date_errors(date(2027, 3, 28), [time(1, 30), time(9)], LONDON, TODAY)
    assert [field for field, _ in errors] == ["times"]
    errors = task_date_errors(date(2020, 3, 29), [time(1, 30)], LONDON, TODAY)
    assert [field for field, _ in errors] == ["target_date", "times"]
