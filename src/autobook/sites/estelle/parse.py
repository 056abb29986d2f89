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


def uk_date(text: str, *, step: str, selector: str) -> date:
    """A date as the site prints it: "05/12/2026" or "Saturday 05 December 2026"."""
    for fmt in ("%d/%m/%Y", "%A %d %B %Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise _unreadable(selector, text, step)


def clock(text: str, *, step: str, selector: str) -> time:
    """A 12-hour time as the site prints it: "7:00 PM"."""
    try:
        return datetime.strptime(text.strip().upper(), "%I:%M %p").time()
    except ValueError:
        raise _unreadable(selector, text, step) from None


def time_range(text: str, *, step: str, selector: str) -> tuple[time, time]:
    """ "7:00 PM - 8:00 PM" → (19:00, 20:00)."""
    start, sep, end = text.partition(" - ")
    if not sep:
        raise _unreadable(selector, text, step)
    return clock(start, step=step, selector=selector), clock(end, step=step, selector=selector)


def price(text: str) -> str | None:
    """The amount out of "£40.00 (charged to your member account)", as shown; None if absent."""
    match = re.search(r"£\s?\d+(?:[.,]\d{2})?", text)
    return match.group(0).replace(" ", "") if match else None


def message_error(message: str, *, step: str, selector: str) -> SiteError:
    """The engine's error kind for one of the site's messages; an unknown one is a change."""
    lowered = message.casefold()
    for words, kind in MESSAGE_KINDS:
        if words in lowered:
            return kind(f"step {step}: the site says: {message}", step=step)
    return SiteChanged(
        f"step {step}: unexpected message in {selector!r}: {message}", step=step, selector=selector
    )


def _unreadable(selector: str, text: str, step: str) -> SiteChanged:
    shown = text.strip()[:60]
    return SiteChanged(
        f"step {step}: cannot read {selector!r} (got {shown!r})", step=step, selector=selector
    )


# What "Show Availability" may say instead of showing cards.
DAY_NOT_RELEASED = "not yet available"
DAY_EMPTY = ("no availability", "from today onwards")


def day_message(message: str) -> str:
    """ "not_released", "empty", or "unknown" for the note shown instead of slot cards."""
    lowered = message.casefold()
    if DAY_NOT_RELEASED in lowered:
        return "not_released"
    if any(words in lowered for words in DAY_EMPTY):
        return "empty"
    return "unknown"
