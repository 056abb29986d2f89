"""Parsing the times and dates people type: "7pm", "7:30pm", "19:30", "noon", "2026-02-15",
"15/02/2026".

Pure functions, no I/O, no clock. A parsed time is a wall-clock time with no zone: whoever
combines it with a date does so in the site's own `ZoneInfo`, which is where DST is handled.

Accepted times (any case, surrounding spaces ignored):
- 12-hour: "7pm", "7 pm", "7p.m.", "07pm", "7:30pm", "7.30pm"; hour 1–12 ("12am" is 00:00,
  "12pm" is 12:00).
- 24-hour: "19:30", "7:30", "19.30", "19:30:00" (what `time.isoformat()` writes); hour 0–23.
- "noon" (12:00), "midnight" (00:00).
Refused on purpose:
- A bare hour ("7"): morning or evening? The user must say.
- Four bare digits ("1930"): a year typed into a time column ("2026") would silently become
  20:26, so 24-hour times need a separator.

Accepted dates: ISO "YYYY-MM-DD" (seed 001's CSV), "DD/MM/YYYY" (what UK sites show), and
"today"/"tomorrow" when the caller passes `today` — the site's local date, because "today" on a
server in UTC is not "today" in London just after midnight.

Every error is a `ValueError` whose message quotes the input and says what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import MAXYEAR, date, time, timedelta

MAX_INPUT_CHARS = 64  # longer than any way of writing a time or date
MAX_PREFERENCES = 10  # primary plus fallbacks; more is a typo or abuse
_SHOWN_CHARS = 40  # how much of a bad input an error message repeats

TIME_HINT = "use e.g. 7pm, 7:30pm, 19:30, noon or midnight"
DATE_HINT = "use YYYY-MM-DD or DD/MM/YYYY"

# re.ASCII: "７pm" (fullwidth digits) would otherwise match \d and int() would accept it.
_TWELVE_HOUR = re.compile(r"(?P<h>\d+)(?:[:.](?P<m>\d+))?\s*(?P<ap>[ap])\.?\s*m\.?", re.ASCII)
_TWENTY_FOUR = re.compile(r"(?P<h>\d+)[:.](?P<m>\d+)(?::(?P<s>\d+))?", re.ASCII)
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})", re.ASCII)
_UK_DATE = re.compile(r"(?P<d>\d{1,2})/(?P<mo>\d{1,2})/(?P<y>\d{4})", re.ASCII)
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def quote(text: str) -> str:
    """The input as an error message shows it: double-quoted, shortened, unprintables escaped."""
    shown = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
    escaped = "".join(
        "\\" + ch
        if ch in '"\\'
        else ch
        if ch.isprintable()
        else ch.encode("unicode_escape").decode("ascii")
        for ch in shown
    )
    return f'"{escaped}"'


def _clean(kind: str, text: object) -> str:
    """Lower-cased, stripped text; refuses non-text, empty and oversized input."""
    if not isinstance(text, str):
        raise ValueError(f"{kind}: expected text, got {type(text).__name__}")
    if len(text) > MAX_INPUT_CHARS:
        raise ValueError(f"{kind} {quote(text)}: too long (at most {MAX_INPUT_CHARS} characters)")
    cleaned = text.strip().lower()
    if not cleaned:
        hint = TIME_HINT if kind == "time" else DATE_HINT
        raise ValueError(f"{kind} {quote(text)}: empty; {hint}")
    return cleaned


def _minutes(text: str, digits: str | None, unit: str = "minutes") -> int:
    if digits is None:
        return 0
    if len(digits) != 2 or int(digits) > 59:
        raise ValueError(f"time {quote(text)}: {unit} must be two digits, 00–59")
    return int(digits)


def parse_time(text: str) -> time:
    """A time of day from "7pm", "7:30pm", "19:30", "noon"…; see the module docstring."""
    cleaned = _clean("time", text)
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    if match := _TWELVE_HOUR.fullmatch(cleaned):
        hour = int(match["h"])
        if len(match["h"]) > 2 or not 1 <= hour <= 12:
            raise ValueError(f"time {quote(text)}: hour must be 1–12 with am/pm")
        minute = _minutes(text, match["m"])
        return time(hour % 12 + (12 if match["ap"] == "p" else 0), minute)
    if match := _TWENTY_FOUR.fullmatch(cleaned):
        hour = int(match["h"])
        if len(match["h"]) > 2 or hour > 23:
            raise ValueError(f"time {quote(text)}: hour must be 0–23 in 24-hour time")
        return time(hour, _minutes(text, match["m"]), _minutes(text, match["s"], "seconds"))
    if cleaned.isascii() and cleaned.isdigit():
        if len(cleaned) <= 2:
            raise ValueError(f"time {quote(text)}: add am or pm (7pm) or write 24-hour 19:00")
        raise ValueError(f"time {quote(text)}: write 24-hour times with a colon, e.g. 19:30")
    raise ValueError(f"time {quote(text)}: not a time; {TIME_HINT}")


def parse_date(text: str, *, today: date | None = None) -> date:
    """A date from "YYYY-MM-DD" or "DD/MM/YYYY"; "today"/"tomorrow" only when `today` is given."""
    cleaned = _clean("date", text)
    if today is not None and cleaned in ("today", "tomorrow"):
        return today + timedelta(days=cleaned == "tomorrow")
    match = _ISO_DATE.fullmatch(cleaned) or _UK_DATE.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"date {quote(text)}: {DATE_HINT}")
    year, month, day = int(match["y"]), int(match["mo"]), int(match["d"])
    if not 1 <= year <= MAXYEAR:
        raise ValueError(f"date {quote(text)}: year must be 0001–9999")
    if not 1 <= month <= 12:
        order = "YYYY-MM-DD" if match.re is _ISO_DATE else "DD/MM/YYYY, day first"
        raise ValueError(f"date {quote(text)}: month must be 1–12 ({order})")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"date {quote(text)}: no such day") from None


def parse_time_preferences(texts: Iterable[str] | str) -> list[time]:
    """Ordered time preferences (primary first), duplicates dropped, blanks skipped.

    A single string is read as a comma-separated list ("7pm, 8pm"). Blank entries are skipped
    because fallback columns are optional (seed 001's CSV leaves Time2 empty); at least one
    time is required.
    """
    if isinstance(texts, str):
        texts = [part.strip() for part in texts.split(",")]
    elif not isinstance(texts, Iterable):
        raise ValueError(f"time preferences: expected a list of times, got {type(texts).__name__}")
    result: list[time] = []
    for position, text in enumerate(texts, start=1):
        if position > MAX_PREFERENCES:
            raise ValueError(f"time preferences: at most {MAX_PREFERENCES} times")
        if isinstance(text, str) and not text.strip():
            continue
        try:
            parsed = parse_time(text)
        except ValueError as exc:
            raise ValueError(f"time preference {position}: {exc}") from None
        if parsed not in result:
            result.append(parsed)
    if not result:
        raise ValueError(f"time preferences: give at least one time; {TIME_HINT}")
    return result
