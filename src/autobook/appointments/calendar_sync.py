"""Keeping the owner's calendars and the public page in step (run by the worker's chores):

- busy times: each connection's busy intervals for the booking window are read and stored
  (`calendar_busy`), so /book answers from the database and never waits on a calendar;
- events: each confirmed appointment without an event gets one on the writing calendar, each
  cancelled one loses its event. A failure leaves the appointment as it is, flagged
  (`calendar_sync_failed`, shown in the admin list), and the next pass tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from autobook.appointments.calendars import Calendar, CalendarError, open_calendar
from autobook.appointments.details import as_event
from autobook.db import appointments as repo
from autobook.db import calendars as stored
from autobook.db.models import Appointment, AppointmentType
from autobook.db.session import transaction
from autobook.runtime import Runtime

log = logging.getLogger(__name__)


def refresh_busy(runtime: Runtime, *, now: datetime) -> int:
    """Read every connection's busy times for the booking window; connections that failed."""
    with transaction(runtime.sessions) as session:
        days = repo.page_settings(session).max_future_days
        targets = [(c.id, open_calendar(c, runtime.vault, runtime.settings))
                   for c in stored.connections(session)]  # fmt: skip
    start, end = now - timedelta(days=1), now + timedelta(days=days + 2)
    failed = 0
    for connection_id, calendar in targets:
        try:
            spans = [(i.start, i.end) for i in calendar.busy(start, end)]
        except CalendarError as exc:
            failed += 1
            log.warning("calendar %s: busy times not read (%s)", connection_id, exc)
            with transaction(runtime.sessions) as session:
                stored.record_status(session, connection_id, now=now, error=str(exc))
            continue
        with transaction(runtime.sessions) as session:
            stored.replace_busy(session, connection_id, spans)
            stored.record_status(session, connection_id, now=now, error=None)
    return failed


def sync_events(runtime: Runtime, *, now: datetime) -> tuple[int, int]:
    """Write and delete pending events; (done, failed)."""
    with transaction(runtime.sessions) as session:
        writer = stored.event_writer(session)
        if writer is None:
            return 0, 0
        calendar = open_calendar(writer, runtime.vault, runtime.settings)
        work = [(a.id, "delete") for a in stored.events_to_delete(session)]
        work += [(a.id, "write") for a in stored.events_to_write(session)]
    done = failed = 0
    for appointment_id, action in work:
        if _sync_one(runtime, calendar, appointment_id, action):
            done += 1
        else:
            failed += 1
    return done, failed


def _sync_one(runtime: Runtime, calendar: Calendar, appointment_id: int, action: str) -> bool:
    with transaction(runtime.sessions) as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        kind = session.get(AppointmentType, appointment.appointment_type_id)
        assert kind is not None
        event, event_id = as_event(appointment, kind), appointment.calendar_event_id
    try:
        if action == "write":
            event_id = calendar.create_event(event)
        else:
            calendar.delete_event(event_id or "")
            event_id = None
    except CalendarError as exc:
        log.warning("appointment %s: calendar %s failed (%s)", appointment_id, action, exc)
        with transaction(runtime.sessions) as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is not None:
                appointment.calendar_sync_failed = True
        return False
    with transaction(runtime.sessions) as session:
        appointment = session.get(Appointment, appointment_id)
        if appointment is not None:
            appointment.calendar_event_id, appointment.calendar_sync_failed = event_id, False
    return True
