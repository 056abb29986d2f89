"""The one home of the rules on task dates and times, used by the API, the forms, CSV imports
and the CLI alike (through `TaskCreate` and `db.tasks.check_references`), and by date filters.

- Any date autobook takes (a task's, a filter's) lies in 2000–2100: far wider than any booking,
  narrow enough that every computation on it (a release 14 days earlier, a day's UTC bounds)
  stays inside what `datetime` can hold. Year 1 and 9999 once crashed the worker.
- A new or edited task's date is from today to two years ahead, on the site's own calendar
  ("today" in London, whatever the server's zone).
- A wanted time must exist on that day in the site's zone: 01:30 on the day the clocks go
  forward never happens, so it is refused. A time that happens twice (the clocks go back)
  means the first of the two, still on summer time (`fold=0`), everywhere autobook combines a
  date and a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator

from autobook.domain.timeparse import parse_date

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
YEARS_AHEAD = 2  # a booking further ahead than this is a typo ("2062" for "2026")
AMBIGUOUS_MEANS = "the first of the two (still on summer time)"


def check_in_range(day: date) -> date:
    """`day` if it is within 2000–2100, else a ValueError that says so."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(
            f"{day.isoformat()} is out of range: dates must be between "
            f"{EARLIEST.isoformat()} and {LATEST.isoformat()}"
        )
    return day


def _bounded(day: date | None) -> date | None:
    """`check_in_range` for fields that may be left out (the partial specs of `taskupdate`)."""
    return day if day is None else check_in_range(day)


def _typed(value: object) -> object:
    """A date as people type it, read by the one parser the CSV import uses too."""
    return parse_date(value) if isinstance(value, str) else value


# A date field or query parameter that refuses dates outside 2000–2100 with a 422.
BoundedDate = Annotated[date, AfterValidator(_bounded)]
# A task's date: also read from "DD/MM/YYYY", so the API, the form and CSV take the same text.
TaskDate = Annotated[date, BeforeValidator(_typed), AfterValidator(_bounded)]


def site_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    """Today on the site's calendar."""
    return (now or datetime.now(UTC)).astimezone(zone).date()


def latest_target(today: date) -> date:
    """The last day a task may be for: two years from today (28 February for a 29th)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def target_date_error(day: date, today: date) -> str | None:
    """Why `day` cannot be a task's date when it is `today` at the site; None if it can."""
    try:
        check_in_range(day)  # first, so every entry says the same of year 1 or 9999
    except ValueError as exc:
        return str(exc)
    if day < today:
        return f"{day.isoformat()} is in the past (today is {today.isoformat()} at the site)"
    last = latest_target(today)
    if day > last:
        return (
            f"{day.isoformat()} is more than {YEARS_AHEAD} years ahead; "
            f"the latest date is {last.isoformat()}"
        )
    return None


def local_start(day: date, start: time, zone: ZoneInfo) -> datetime:
    """The zone-aware instant of `start` on `day` at the site; the first of two for a time that
    happens twice; ValueError for one that never happens (the clocks jump over it)."""
    wall = datetime.combine(day, start.replace(fold=0), tzinfo=zone)
    back = wall.astimezone(UTC).astimezone(zone)  # a skipped time comes back moved
    if back.replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise ValueError(
            f"{start:%H:%M} does not exist on {day.isoformat()} in {zone.key}: "
            "the clocks go forward over it that night; pick another time"
        )
    return wall


def is_ambiguous(day: date, start: time, zone: ZoneInfo) -> bool:
    """Whether `start` happens twice on `day` (the clocks go back over it)."""
    first = datetime.combine(day, start.replace(fold=0), tzinfo=zone)
    return first.utcoffset() != first.replace(fold=1).utcoffset()


def task_date_errors(
    day: date, times: Iterable[time], zone: ZoneInfo, today: date
) -> list[tuple[str, str]]:
    """(field, why) for each rule a task's date and times break; empty when they fit."""
    errors: list[tuple[str, str]] = []
    if (why := target_date_error(day, today)) is not None:
        errors.append(("target_date", why))
    for start in times:
        try:
            local_start(day, start, zone)
        except ValueError as exc:
            errors.append(("times", str(exc)))
    return errors
