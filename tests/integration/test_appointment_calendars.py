"""The owner's calendars: a real Radicale CalDAV server started by the tests (busy times in,
events out and deleted), an ICS feed as a busy source, and a calendar that fails: the
appointment is saved anyway, flagged, and the event written on a later pass."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_appointment_mail import FakeHttp

from appointments_support import (
    LONDON,
    Radicale,
    book,
    connect_calendar,
    csrf,
    day_after,
    local_times,
    set_up_page,
    slot_values,
)
from autobook.appointments.calendar_sync import refresh_busy, sync_events
from autobook.appointments.ics import Event, calendar
from autobook.db.models import Appointment, CalendarConnection
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.runner import free_port
from autobook.web.app import create_app


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c


def _at(day: object, hhmm: str) -> datetime:
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), LONDON)  # type: ignore[arg-type]


def test_caldav_busy_times_and_event_write_and_delete(
    runtime: Runtime, client: TestClient, radicale: Radicale
) -> None:
    url = radicale.new_calendar(f"cal-{secrets.token_hex(4)}")
    day = day_after(3)
    other = Event(uid="dentist-1@phone", start=_at(day, "14:00"), end=_at(day, "14:30"),
                  summary="Dentist")  # fmt: skip
    radicale.client().calendar(url=url).save_event(calendar([other], now=datetime.now(UTC)))
    type_id = set_up_page(runtime)
    connect_calendar(runtime, "caldav", url, writes=True, secret="x")
    assert refresh_busy(runtime, now=datetime.now(UTC)) == 0
    times = local_times(slot_values(client, type_id, day))
    assert "14:00" not in times and "13:00" in times and "15:00" in times

    start = next(v for v in slot_values(client, type_id, day) if local_times([v]) == ["10:00"])
    manage = book(client, type_id, start)
    assert sync_events(runtime, now=datetime.now(UTC)) == (1, 0)
    written = [e for e in radicale.events(url) if str(e["UID"]).endswith("@autobook")]
    assert len(written) == 1 and str(written[0]["SUMMARY"]) == "Property showing — Ada Guest"
    assert written[0]["DTSTART"].dt == _at(day, "10:00")
    refresh_busy(runtime, now=datetime.now(UTC))  # our own event does not come back as busy
    client.post(f"/book/manage/{manage}/cancel", data={"csrf_token": csrf(client)})
    assert start in slot_values(client, type_id, day)
    assert sync_events(runtime, now=datetime.now(UTC)) == (1, 0)
    assert [str(e["UID"]) for e in radicale.events(url)] == ["dentist-1@phone"]


def test_failing_calendar_saves_the_appointment_flagged_and_retries(
    runtime: Runtime, client: TestClient, radicale: Radicale
) -> None:
    url = radicale.new_calendar(f"cal-{secrets.token_hex(4)}")
    type_id = set_up_page(runtime)
    down = f"http://127.0.0.1:{free_port()}/owner/nowhere/"
    connection_id = connect_calendar(runtime, "caldav", down, writes=True)
    start = slot_values(client, type_id, day_after(2))[0]
    book(client, type_id, start)
    assert sync_events(runtime, now=datetime.now(UTC)) == (0, 1)
    assert refresh_busy(runtime, now=datetime.now(UTC)) == 1
    with transaction(runtime.sessions) as session:
        appointment = session.scalars(select(Appointment)).one()
        assert appointment.status == "confirmed" and appointment.calendar_sync_failed
        connection = session.get(CalendarConnection, connection_id)
        assert connection is not None and connection.last_error
        connection.url = url  # the server is back
    assert sync_events(runtime, now=datetime.now(UTC)) == (1, 0)
    with transaction(runtime.sessions) as session:
        appointment = session.scalars(select(Appointment)).one()
        assert not appointment.calendar_sync_failed and appointment.calendar_event_id
    assert len(radicale.events(url)) == 1


def test_ics_feed_is_a_busy_source(runtime: Runtime, client: TestClient, tmp_path: Path) -> None:
    day = day_after(5)
    # A weekly event as a phone writes it: in the owner's zone, so it stays at 09:00 local
    # across a clock change (a UTC-anchored one would move an hour).
    first = day - timedelta(days=7)
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//phone//EN", "BEGIN:VEVENT",
        "UID:gym@phone", f"DTSTAMP:{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART;TZID=Europe/London:{first:%Y%m%d}T090000",
        f"DTEND;TZID=Europe/London:{first:%Y%m%d}T103000",
        "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:Gym", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    feed = FakeHttp(get_body=text.encode())
    try:
        type_id = set_up_page(runtime)
        connect_calendar(runtime, "ics", f"{feed.url}/feed.ics")
        assert refresh_busy(runtime, now=datetime.now(UTC)) == 0
        times = local_times(slot_values(client, type_id, day))
        assert "09:00" not in times and "10:00" not in times and "11:00" in times
    finally:
        feed.server.shutdown()
