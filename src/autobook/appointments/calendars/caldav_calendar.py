"""A CalDAV calendar (Nextcloud, Fastmail, iCloud, Radicale…) through the `caldav` client:
`url` is the calendar collection itself. Busy times are its events in the range (CalDAV
servers differ in free-busy report support, events work everywhere); events are written as
iCalendar with autobook's UID, so writing one twice replaces it instead of doubling it."""

from __future__ import annotations

from datetime import datetime

import caldav
from caldav.lib import error as caldav_errors

from autobook.appointments.availability import Interval
from autobook.appointments.calendars import CalendarError
from autobook.appointments.calendars.busy_times import component_interval
from autobook.appointments.ics import Event, calendar

TIMEOUT_S = 15


class CalDavCalendar:
    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        self._client = caldav.DAVClient(url, username=username or None, password=password or None,
                                        timeout=TIMEOUT_S)  # fmt: skip

    def _calendar(self) -> caldav.Calendar:
        return self._client.calendar(url=self.url)

    def busy(self, start: datetime, end: datetime) -> list[Interval]:
        try:
            found = self._calendar().search(start=start, end=end, event=True, expand=True)
            intervals = [component_interval(item.icalendar_component) for item in found]
        except (caldav_errors.DAVError, OSError, ValueError) as exc:
            raise CalendarError(f"CalDAV busy times: {type(exc).__name__}") from exc
        return [i for i in intervals if i is not None and i.start < end and i.end > start]

    def create_event(self, event: Event) -> str:
        try:
            self._calendar().save_event(calendar([event], now=event.start))
        except (caldav_errors.DAVError, OSError, ValueError) as exc:
            raise CalendarError(f"CalDAV event write: {type(exc).__name__}") from exc
        return event.uid

    def delete_event(self, event_id: str) -> None:
        try:
            self._calendar().event_by_uid(event_id).delete()
        except caldav_errors.NotFoundError:
            return  # already gone: what we wanted
        except (caldav_errors.DAVError, OSError, ValueError) as exc:
            raise CalendarError(f"CalDAV event delete: {type(exc).__name__}") from exc
