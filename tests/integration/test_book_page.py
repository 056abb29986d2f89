"""The public page over HTTP on a real database: the three steps, the booking and its mails,
the guest's links and cutoff, reservations, autobook's own bookings as busy, bad input and the
rate limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from appointments_support import (
    LONDON,
    count_appointments,
    csrf,
    day_after,
    local_times,
    outbox,
    reserve,
    set_up_page,
    slot_values,
    submit,
)
from autobook.db.models import Appointment, Booking, RateLimitHit
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app

FIELDS = [
    {"label": "Property address", "type": "text", "required": True},
    {"label": "Viewing for", "type": "select", "required": True, "options": ["Buy", "Rent"]},
    {"label": "Ok to call", "type": "checkbox", "required": False},
]


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        yield c


def _manage_token(html: str) -> str:
    found = re.search(r'href="/book/manage/([A-Za-z0-9_-]+)"', html)
    assert found
    return found.group(1)


def test_three_steps_book_mail_and_cancel_by_the_link(runtime: Runtime, client: TestClient) -> None:
    type_id = set_up_page(runtime, custom_fields=FIELDS)
    page = client.get("/book")
    assert page.status_code == 200 and "Property showing" in page.text
    step2 = client.get(f"/book/types/{type_id}")
    assert 'type="date"' in step2.text and f'max="{day_after(30).isoformat()}"' in step2.text
    day = day_after(3)
    values = slot_values(client, type_id, day)
    assert local_times(values)[:3] == ["08:00", "09:00", "10:00"] and len(values) == 12
    token = csrf(client)
    status, holder = reserve(client, token, type_id, values[2])
    assert status == 200 and holder

    bad = submit(client, token, type_id, values[2], holder, name="", email="nope", field_1="Lease")
    assert bad.status_code == 422
    for field in ("name", "email", "field_0", "field_1"):
        assert f'data-field="{field}"' in bad.text
    assert count_appointments(runtime) == 0

    done = submit(client, token, type_id, values[2], holder, field_0="1 Main St", field_1="Rent",
                  field_2="on", tz="America/New_York")  # fmt: skip
    assert done.status_code == 200 and 'data-testid="confirmation"' in done.text
    with transaction(runtime.sessions) as session:
        appointment = session.scalars(select(Appointment)).one()
        assert appointment.custom_field_values == {
            "Property address": "1 Main St", "Viewing for": "Rent", "Ok to call": True,
        }  # fmt: skip
        assert appointment.start_datetime.astimezone(LONDON).hour == 10
    assert values[2] not in slot_values(client, type_id, day)
    subjects = {m.kind: m.subject for m in outbox(runtime)}
    when = f"{day:%A} {day.day} {day:%B %Y}"
    assert subjects["guest_confirmation"] == f"Your Property showing is confirmed — {when} at 10:00"
    assert subjects["admin_alert"] == f"New booking: Ada Guest — Property showing on {when}"
    assert "admin_apprise" in subjects
    assert "BEGIN:VEVENT" in next(m.ics for m in outbox(runtime) if m.ics)

    manage = _manage_token(done.text)
    ics = client.get(f"/book/manage/{manage}/event.ics")
    assert ics.headers["content-type"].startswith("text/calendar") and "DTSTART:" in ics.text
    page = client.get(f"/book/manage/{manage}")
    assert "Cancel this appointment" in page.text
    gone = client.post(f"/book/manage/{manage}/cancel", data={"csrf_token": token})
    assert gone.status_code == 200 and 'data-testid="cancelled"' in gone.text
    assert count_appointments(runtime, "cancelled") == 1
    cancel_mail = [m for m in outbox(runtime) if m.kind == "guest_cancellation"]
    assert cancel_mail[0].subject == f"Your Property showing on {when} has been cancelled"
    assert values[2] in slot_values(client, type_id, day)  # free again
    assert client.get("/book/manage/not-a-token").status_code == 404


def test_cutoff_refuses_changes_close_to_the_start(runtime: Runtime, client: TestClient) -> None:
    type_id = set_up_page(runtime, opens=datetime.min.time(), closes=datetime.max.time())
    token = csrf(client)
    soon = datetime.now(UTC) + timedelta(hours=3)
    values = [v for v in slot_values(client, type_id, soon.astimezone(LONDON).date())
              if datetime.fromisoformat(v) > soon]  # fmt: skip
    if not values:  # late evening: take tomorrow's first, still inside 12 hours
        values = slot_values(client, type_id, day_after(1))
    _, holder = reserve(client, token, type_id, values[0])
    manage = _manage_token(submit(client, token, type_id, values[0], holder).text)
    answer = client.post(f"/book/manage/{manage}/cancel", data={"csrf_token": token})
    assert answer.status_code == 409 and "within 12 hours" in answer.text
    assert count_appointments(runtime) == 1


def test_a_held_slot_is_hidden_and_refused_to_another_guest(
    runtime: Runtime, client: TestClient
) -> None:
    type_id = set_up_page(runtime)
    day = day_after(2)
    first = slot_values(client, type_id, day)[0]
    token = csrf(client)
    _, holder = reserve(client, token, type_id, first)
    assert first not in slot_values(client, type_id, day)
    status, _ = reserve(client, token, type_id, first)
    assert status == 409
    taken = submit(client, token, type_id, first, "someone-else")
    assert taken.status_code == 409 and 'data-testid="slot-taken"' in taken.text
    assert submit(client, token, type_id, first, holder).status_code == 200


def test_a_court_autobook_booked_at_19_makes_the_owner_busy(
    runtime: Runtime, client: TestClient
) -> None:
    type_id = set_up_page(runtime, duration_minutes=30, buffer_after_minutes=15,
                          closes=datetime.strptime("21:00", "%H:%M").time())  # fmt: skip
    day = day_after(4)
    before = local_times(slot_values(client, type_id, day))
    assert {"18:30", "19:00", "19:30", "20:00"} <= set(before)
    start = datetime.combine(day, datetime.strptime("19:00", "%H:%M").time(), LONDON)
    with transaction(runtime.sessions) as session:
        session.add(Booking(site="better", venue="Hendon", court="Court 2", starts_at=start,
                            ends_at=start + timedelta(hours=1), status="confirmed"))  # fmt: skip
    after = local_times(slot_values(client, type_id, day))
    # 18:30 + 30 min + 15 min buffer reaches 19:15: gone too
    assert set(before) - set(after) == {"18:30", "19:00", "19:30"}
    assert "18:00" in after and "20:00" in after


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type_id": "abc", "date": "2030-01-01"}, "type_id"),
        ({"type_id": "999999", "date": "2030-01-01"}, "type_id"),
        ({"type_id": "", "date": "2030-01-01"}, "type_id"),
        ({"date": "not-a-date"}, "date"),
        ({"date": "2001-01-01"}, "date"),
        ({"date": "2999-01-01"}, "date"),
    ],
)
def test_bad_slot_queries_name_the_field(
    runtime: Runtime, client: TestClient, params: dict, field: str
) -> None:
    type_id = set_up_page(runtime)
    query = {"type_id": str(type_id)} | params
    answer = client.get("/book/slots", params=query)
    assert answer.status_code in (404, 422)
    assert f'data-field="{field}"' in answer.text


def test_bad_submissions_name_the_field_and_write_nothing(
    runtime: Runtime, client: TestClient
) -> None:
    type_id = set_up_page(runtime)
    token = csrf(client)
    start = slot_values(client, type_id, day_after(2))[0]
    cases = [
        ({"start": "yesterday"}, "start", 422),
        ({"start": "2030-01-01T10:00:00"}, "start", 422),
        ({"start": "2030-01-01T10:17:00+00:00"}, None, 409),  # not a slot of this type
        ({"type_id": "7777777"}, "type_id", 404),
        ({"name": "x" * 101}, "name", 422),
        ({"name": "Ada\x1b[31m"}, "name", 422),
        ({"notes": "n" * 2001}, "notes", 422),
        ({"email": "ada@"}, "email", 422),
        ({"phone": "call me"}, "phone", 422),
    ]
    for change, field, status in cases:
        data = {"type_id": type_id, "start": start} | change
        answer = submit(client, token, data.pop("type_id"), data.pop("start"), "", **data)
        assert answer.status_code == status, (change, answer.text)
        if field:
            assert f'data-field="{field}"' in answer.text, change
    assert count_appointments(runtime) == 0


def test_eleventh_submission_in_an_hour_is_refused(runtime: Runtime, client: TestClient) -> None:
    type_id = set_up_page(runtime)
    token = csrf(client)
    start = slot_values(client, type_id, day_after(2))[0]
    for _ in range(10):
        assert submit(client, token, type_id, start, "", email="bad").status_code == 422
    refused = submit(client, token, type_id, start, "")
    assert refused.status_code == 429 and "at most 10 an hour" in refused.text
    assert count_appointments(runtime) == 0
    with transaction(runtime.sessions) as session:  # stored, so every process sees it
        assert len(session.scalars(select(RateLimitHit)).all()) == 11


def test_guest_reschedules_by_the_link(runtime: Runtime, client: TestClient) -> None:
    type_id = set_up_page(runtime)
    set_up_page(runtime, name="Other type", rules=False)
    day = day_after(3)
    first, second = slot_values(client, type_id, day)[:2]
    token = csrf(client)
    _, holder = reserve(client, token, type_id, first)
    manage = _manage_token(submit(client, token, type_id, first, holder).text)
    page = client.get("/book", params={"replaces": manage})
    assert "Property showing" in page.text and "Other type" not in page.text
    _, holder = reserve(client, token, type_id, second)
    moved = submit(client, token, type_id, second, holder, replaces=manage)
    assert moved.status_code == 200 and 'data-testid="confirmation"' in moved.text
    with transaction(runtime.sessions) as session:
        rows = {a.status: a for a in session.scalars(select(Appointment))}
    assert rows["cancelled"].start_datetime == datetime.fromisoformat(first)
    assert rows["confirmed"].start_datetime == datetime.fromisoformat(second)
    assert first in slot_values(client, type_id, day)
    again = submit(client, token, type_id, first, "", replaces=manage)  # the old link is spent
    assert again.status_code == 409 and count_appointments(runtime) == 1


def test_two_guests_picking_one_time_at_once_get_one_hold(
    runtime: Runtime, client: TestClient
) -> None:
    type_id = set_up_page(runtime)
    token = csrf(client)
    for start in slot_values(client, type_id, day_after(2))[:5]:
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda s: reserve(client, token, type_id, s), [start] * 2))
        assert sorted(status for status, _ in answers) == [200, 409]
