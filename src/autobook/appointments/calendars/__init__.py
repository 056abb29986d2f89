"""The owner's calendars behind one small interface (`Calendar`): busy times for a range,
create an event, delete an event. CalDAV and Google read and write; an ICS feed only reads.

`open_calendar` builds the adapter of a stored connection, with its secret from the vault.
Events autobook writes carry a UID ending in `@autobook`; busy times skip them, so a guest's
own appointment never comes back as "the owner is busy" from the calendar it was written to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from autobook.appointments.availability import Interval
from autobook.appointments.ics import Event
from autobook.config import Settings
from autobook.db.models import CalendarConnection
from autobook.vault import Vault


class CalendarError(Exception):
    """A calendar call failed (unreachable, refused, or an answer it can't read)."""


class Calendar(Protocol):
    def busy(self, start: datetime, end: datetime) -> list[Interval]: ...

    def create_event(self, event: Event) -> str:
        """The event's id in that calendar (to delete it later)."""
        ...

    def delete_event(self, event_id: str) -> None: ...


def open_calendar(connection: CalendarConnection, vault: Vault, settings: Settings) -> Calendar:
    secret = vault.decrypt(connection.secret_enc) if connection.secret_enc else ""
    if connection.kind == "caldav":
        from autobook.appointments.calendars.caldav_calendar import CalDavCalendar

        return CalDavCalendar(connection.url, connection.username, secret)
    if connection.kind == "ics":
        from autobook.appointments.calendars.ics_feed import IcsFeed

        return IcsFeed(connection.url)
    if connection.kind == "google":
        from autobook.appointments.calendars.google import GoogleCalendar

        calendar_id = connection.calendar_id or "primary"
        return GoogleCalendar.from_settings(settings, refresh_token=secret, calendar_id=calendar_id)
    raise CalendarError(f"kind: unknown calendar kind {connection.kind!r}")
