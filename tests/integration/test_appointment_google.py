"""The Google Calendar adapter against a local server answering Google's documented shapes
(tests/google_fake.py): busy times, an event written and deleted, an access token renewed
from the refresh token (at first use and after a 401), and a 5xx: the appointment is saved
and flagged, and the event written on a later pass. Also the OAuth connect flow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_web_helpers import setup_admin

from appointments_support import (
    LONDON,
    book,
    connect_calendar,
    csrf,
    day_after,
    local_times,
    set_up_page,
    slot_values,
)
from autobook.appointments.calendar_sync import refresh_busy, sync_events
from autobook.db.models import Appointment, CalendarConnection
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app
from google_fake import AUTH_CODE, CLIENT_ID, CLIENT_SECRET, GoogleState, google_server


@pytest.fixture
def google(runtime: Runtime) -> Iterator[GoogleState]:
    with google_server() as (url, state):
        runtime.settings = runtime.settings.model_copy(update={
            "google_oauth_url": url, "google_calendar_url": f"{url}/calendar/v3",
            "google_client_id": CLIENT_ID, "google_client_secret": CLIENT_SECRET,
        })  # fmt: skip
        yield state


@pytest.fixture
def client(runtime: Runtime, google: GoogleState) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c


def _appointment(runtime: Runtime) -> Appointment:
    with transaction(runtime.sessions) as session:
        return session.scalars(select(Appointment)).one()


def test_google_busy_event_write_renewal_and_delete(
    runtime: Runtime, client: TestClient, google: GoogleState
) -> None:
    type_id = set_up_page(runtime)
    connect_calendar(runtime, "google", "", writes=True, secret=google.refresh_token,
                     calendar_id="owner@example.test")  # fmt: skip
    day = day_after(3)
    busy_start = datetime.combine(day, datetime.strptime("15:00", "%H:%M").time(), LONDON)
    busy_end = busy_start + timedelta(hours=1)
    google.busy = [{"start": busy_start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                    "end": busy_end.astimezone(UTC).isoformat()}]  # fmt: skip
    assert refresh_busy(runtime, now=datetime.now(UTC)) == 0
    assert google.token_calls == 1  # no access token yet: renewed from the refresh token
    times = local_times(slot_values(client, type_id, day))
    assert "15:00" not in times and "14:00" in times and "16:00" in times

    start = slot_values(client, type_id, day)[0]
    manage = book(client, type_id, start)
    google.expire_tokens()  # the next call gets a 401 and must renew, then retry
    assert sync_events(runtime, now=datetime.now(UTC)) == (1, 0)
    assert google.token_calls == 2
    (event,) = google.events.values()
    assert event["summary"] == "Property showing — Ada Guest"
    assert event["calendarId"] == "owner@example.test"
    assert datetime.fromisoformat(event["start"]["dateTime"]) == datetime.fromisoformat(start)
    assert _appointment(runtime).calendar_event_id == event["id"]

    client.post(f"/book/manage/{manage}/cancel", data={"csrf_token": csrf(client)})
    assert sync_events(runtime, now=datetime.now(UTC)) == (1, 0)
    assert google.events == {}


def test_google_5xx_saves_the_appointment_flagged_and_retries(
    runtime: Runtime, client: TestClient, google: GoogleState
) -> None:
    type_id = set_up_page(runtime)
    connect_calendar(runtime, "google", "", writes=True, secret=google.refresh_token)
    start = slot_values(client, type_id, day_after(2))[0]
    google.fail_next = 1
    book(client, type_id, start)
    assert sync_events(runtime, now=datetime.now(UTC)) == (0, 1)
    appointment = _appointment(runtime)
    assert appointment.status == "confirmed" and appointment.calendar_sync_failed
    assert google.events == {}
    assert sync_events(runtime, now=datetime.now(UTC)) == (1, 0)
    assert not _appointment(runtime).calendar_sync_failed and len(google.events) == 1


def test_connecting_google_stores_the_refresh_token_in_the_vault(
    runtime: Runtime, client: TestClient, google: GoogleState
) -> None:
    setup_admin(client)
    answer = client.get("/admin/google/authorize", follow_redirects=False)
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert target.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "calendar.freebusy" in target and "access_type=offline" in target
    state = target.split("state=")[1].split("&")[0]
    bad = client.get("/admin/google/callback", params={"code": AUTH_CODE, "state": "forged"})
    assert bad.status_code == 403
    done = client.get("/admin/google/callback", params={"code": AUTH_CODE, "state": state},
                      follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    with transaction(runtime.sessions) as session:
        connection = session.scalars(select(CalendarConnection)).one()
        assert connection.kind == "google" and connection.writes_events
        assert connection.secret_enc and google.refresh_token not in connection.secret_enc
        assert runtime.vault.decrypt(connection.secret_enc) == google.refresh_token
