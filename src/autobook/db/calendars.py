"""Stored calendar connections, the busy times last read from them, and the appointments
whose calendar event is still to be written or deleted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from autobook.db.models import Appointment, CalendarBusy, CalendarConnection

WRITABLE_KINDS = ("caldav", "google")
BATCH = 20


def connections(session: Session) -> list[CalendarConnection]:
    return list(session.scalars(select(CalendarConnection).order_by(CalendarConnection.id)))


def event_writer(session: Session) -> CalendarConnection | None:
    """The calendar appointments are written to: the first writable one marked so."""
    query = select(CalendarConnection).where(
        CalendarConnection.writes_events.is_(True), CalendarConnection.kind.in_(WRITABLE_KINDS)
    )
    return session.scalars(query.order_by(CalendarConnection.id)).first()


def replace_busy(
    session: Session, connection_id: int, spans: Iterable[tuple[datetime, datetime]]
) -> None:
    session.execute(delete(CalendarBusy).where(CalendarBusy.connection_id == connection_id))
    session.add_all(
        CalendarBusy(connection_id=connection_id, start_datetime=a, end_datetime=b)
        for a, b in spans
    )


def record_status(
    session: Session, connection_id: int, *, now: datetime, error: str | None
) -> None:
    connection = session.get(CalendarConnection, connection_id)
    if connection is None:
        return
    connection.last_error = error[:500] if error else None
    if error is None:
        connection.last_ok_at = now


def events_to_write(session: Session) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.status == "confirmed", Appointment.calendar_event_id.is_(None)
    )
    return list(session.scalars(query.order_by(Appointment.id).limit(BATCH)))


def events_to_delete(session: Session) -> list[Appointment]:
    query = select(Appointment).where(
        Appointment.status == "cancelled", Appointment.calendar_event_id.is_not(None)
    )
    return list(session.scalars(query.order_by(Appointment.id).limit(BATCH)))
