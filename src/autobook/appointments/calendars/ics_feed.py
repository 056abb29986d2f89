"""A read-only ICS feed URL (a shared calendar's "secret address") as a source of busy times."""

from __future__ import annotations

from datetime import datetime

import httpx

from autobook.appointments.availability import Interval
from autobook.appointments.calendars import CalendarError
from autobook.appointments.calendars.busy_times import busy_from_ics
from autobook.appointments.ics import Event

TIMEOUT_S = 15
MAX_FEED_BYTES = 10 * 1024 * 1024


class IcsFeed:
    def __init__(self, url: str) -> None:
        self.url = url

    def busy(self, start: datetime, end: datetime) -> list[Interval]:
        try:
            answer = httpx.get(self.url, timeout=TIMEOUT_S, follow_redirects=True)
            answer.raise_for_status()
            if len(answer.content) > MAX_FEED_BYTES:
                raise CalendarError("ICS feed: larger than 10 MB")
            return busy_from_ics(answer.content, start, end)
        except httpx.HTTPError as exc:
            raise CalendarError(f"ICS feed: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise CalendarError("ICS feed: not iCalendar data") from exc

    def create_event(self, event: Event) -> str:
        raise CalendarError("an ICS feed is read-only")

    def delete_event(self, event_id: str) -> None:
        raise CalendarError("an ICS feed is read-only")
