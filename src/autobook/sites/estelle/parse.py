"""Reading what Estelle Manor's pages show: dates, times, prices and the site's own messages.

Pure functions of page text, so they are tested without a browser. A text that does not parse
means the site changed how it shows things, which is `SiteChanged`, never a crash.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from autobook.sites.base import NotReleased, SiteChanged, SiteError, SlotTaken, Transient

LONDON = ZoneInfo("Europe/London")

# The site's messages, matched on a few stable words each, mapped to the engine's error kinds.
MESSAGE_KINDS: tuple[tuple[str, type[SiteError]], ...] = (
    ("fully booked", SlotTaken),
    ("no longer available", SlotTaken),
    ("already have a booking", SlotTaken),
    ("already passed", SlotTaken),
    ("not available at the selected time", SlotTaken),
    ("not yet available", NotReleased),
    ("unable to process your booking", Transient),  # its pacing check: try again calmly
)


def slot_start(text: str, *, step: str) -> datetime:
    """`span.slot_start`: "DD/MM/YYYY HH:MM:SS", London time."""
    try:
        naive = datetime.strptime(text.strip(), "%d/%m/%Y %H:%M:%S")
    except ValueError:
        raise _unreadable("span.slot_start", text, step) from None
    return naive.replace(tzinfo=LONDON)


def price(text: str) -> str | None:
    """The amount out of "£40.00 (charged to your member account)", as shown; None if absent."""
    match = re.search(r"£\s?\d+(?:[.,]\d{2})?", text)
    return match.group(0).replace(" ", "") if match else None


def _unreadable(selector: str, text: str, step: str) -> SiteChanged:
    shown = text.strip()[:60]
    return SiteChanged(
        f"step {step}: cannot read {selector!r} (got {shown!r})", step=step, selector=selector
    )


# What "Show Availability" may say instead of showing cards.
DAY_NOT_RELEASED = "not yet available"
# The notes record no empty day's wording: common ones, so an empty day is not a site change.
DAY_EMPTY = ("no availability", "from today onwards", "nothing to book", "nothing available")
DAY_EMPTY += ("no slots", "no courts", "fully booked", "no results")


def day_message(message: str) -> str:
    """ "not_released", "empty", or "unknown" for the note shown instead of slot cards."""
    lowered = message.casefold()
    if DAY_NOT_RELEASED in lowered:
        return "not_released"
    if any(words in lowered for words in DAY_EMPTY):
        return "empty"
    return "unknown"


# --- texts the notes leave open: read from wording, never from markup -------------------------
# The public bot's own test of success: the page says one of these ("needs to be customized").
CONFIRMED_WORDS = ("confirmed", "thank you", "confirmation", "booking reference", "successful")
# What a login page says when it refuses a password, on sites we know of.
REFUSAL_WORDS = ("incorrect", "invalid", "not recognised", "not recognized", "wrong", "failed")
MONTH_NUMBERS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
WORD_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
CLOCK = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?(?::\d{2})?\s*([ap]\.?m\.?)?(?![\d/])", re.I)
LABEL_LINE = re.compile(r"^\s*(date|time|court|price|reference)\s*[:\t]\s*(.+?)\s*$", re.I | re.M)
REFERENCE = re.compile(
    r"\b(?:reference|ref)\b\.?(?:\s+(?:number|no\.?|is))*\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9-]{2,})",
    re.I,
)
LIVE_NOT = ("cancelled", "canceled", "refunded")  # words any English site uses for a dead booking


def says_confirmed(text: str) -> bool:
    lowered = text.casefold()
    return any(word in lowered for word in CONFIRMED_WORDS)


def says_refused(text: str) -> bool:
    lowered = text.casefold()
    return any(word in lowered for word in REFUSAL_WORDS)


def known_message(message: str, *, step: str) -> SiteError | None:
    """The engine's error for one of the site's known messages; None for any other text."""
    lowered = message.casefold()
    for words, kind in MESSAGE_KINDS:
        if words in lowered:
            return kind(f"step {step}: the site says: {message.strip()}", step=step)
    return None


def find_date(text: str) -> date | None:
    """The first date in `text`: "05/12/2026", "Saturday 5 December 2026", "5 Dec 2026"."""
    found: list[tuple[int, date]] = []
    if (m := SLASH_DATE.search(text)) is not None:
        day, month, year = (int(g) for g in m.groups())
        found += [(m.start(), d) for d in _date(year, month, day)]
    for m in WORD_DATE.finditer(text):
        month = MONTH_NUMBERS.get(m.group(2)[:3].casefold())
        if month is not None:
            found += [(m.start(), d) for d in _date(int(m.group(3)), month, int(m.group(1)))]
            break
    return min(found)[1] if found else None


def find_clock(text: str) -> time | None:
    """The first time of day in `text`: "7:00 PM", "7pm", "19:00"; None if there is none."""
    for m in CLOCK.finditer(text):
        hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
        if half is None and m.group(2) is None:
            continue  # a bare number is no time
        if half is not None:
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if half.casefold().startswith("p") else 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    return None


def labelled(text: str) -> dict[str, str]:
    """ "Label: value" lines and two-cell table rows (inner text "Label\tvalue") by label."""
    return {m.group(1).casefold(): m.group(2) for m in LABEL_LINE.finditer(text)}


def reference_in(text: str) -> str | None:
    match = REFERENCE.search(text)
    return match.group(1) if match else None


def shown_start(text: str) -> datetime | None:
    """The start a summary shows under its "Date" and "Time" labels; None unless both read."""
    fields = labelled(text)
    day = find_date(fields.get("date", ""))
    start = find_clock(fields.get("time", ""))
    if day is None or start is None:
        return None
    return datetime.combine(day, start, tzinfo=LONDON)


def booking_row(text: str) -> tuple[datetime, str | None, str] | None:
    """(start, court, reference) of a live booking listed as one row of text; None for a row
    without a date and time, or one that says it was cancelled."""
    lowered = text.casefold()
    day = find_date(text)
    start = find_clock(re.sub(r"£\s?\d+(?:[.,]\d{2})?", " ", SLASH_DATE.sub(" ", text)))
    if day is None or start is None or any(word in lowered for word in LIVE_NOT):
        return None
    court = re.search(r"[^\t\n|]*\bcourt\b[^\t\n|]*", text, re.I)
    cells = [c.strip() for c in re.split(r"[\t\n|]+", text) if c.strip()]
    reference = next((c for c in cells if re.fullmatch(r"[A-Z]{0,5}-?\d{3,}", c)), "")
    return (
        datetime.combine(day, start, tzinfo=LONDON),
        court.group(0).strip() if court else None,
        reference,
    )


def _date(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []
