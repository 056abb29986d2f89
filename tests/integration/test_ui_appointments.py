"""The admin pages of the public page, signed in, on a real database: types with custom
fields, weekly hours, overrides and blocked periods, settings with mail secrets in the vault,
calendars, the private feed, the appointments list with cancel, and the dashboard card."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_web_helpers import setup_admin

from appointments_support import (
    csrf,
    day_after,
    local_times,
    outbox,
    reserve,
    slot_values,
    submit,
)
from autobook.db.models import (
    AppointmentSettings,
    AppointmentType,
    AvailabilityRule,
    BlockedPeriod,
    CalendarConnection,
)
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app

TYPE_FORM = {
    "name": "Property showing",
    "description": "A walk round",
    "duration_minutes": "45",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "15",
    "color": "#22aa44",
    "active": "on",
    "custom_fields": "Property address | text | required\n"
    "Viewing for | select | required | Buy, Rent",
}


@pytest.fixture
def admin(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        setup_admin(client)
        yield client


def _post(client: TestClient, path: str, data: dict[str, str]):
    return client.post(path, data={"csrf_token": csrf(client)} | data, follow_redirects=False)


def _errors(html: str) -> str:
    return html.split('class="errors"')[1].split("</ul>")[0] if 'class="errors"' in html else ""


def test_setting_up_the_page_and_managing_appointments(admin: TestClient, runtime: Runtime) -> None:
    assert _post(admin, "/appointments/types", TYPE_FORM).status_code == 303
    with transaction(runtime.sessions) as session:
        kind = session.scalars(select(AppointmentType)).one()
        assert kind.custom_fields[1] == {
            "label": "Viewing for",
            "type": "select",
            "required": True,
            "options": ["Buy", "Rent"],
        }
        type_id = kind.id
    assert "Property address" in admin.get("/appointments/types").text
    for day in range(7):
        rule = {"day_of_week": str(day), "start_time": "09:00", "end_time": "12:00"}
        assert _post(admin, "/appointments/rules", rule).status_code == 303
    overlap = _post(
        admin,
        "/appointments/rules",
        {"day_of_week": "2", "start_time": "11:30", "end_time": "13:00"},
    )
    assert overlap.status_code == 422 and 'data-field="start_time"' in _errors(overlap.text)
    settings = {
        "timezone": "Europe/London",
        "min_advance_hours": "0",
        "max_future_days": "20",
        "cancel_cutoff_hours": "6",
        "hold_seconds": "30",
        "owner_name": "Sam",
        "from_email": "sam@example.test",
        "notify_email": "",
        "notifications_enabled": "on",
    }
    assert _post(admin, "/appointments/settings", settings).status_code == 303
    day = day_after(2)
    _post(
        admin,
        "/appointments/blocked",
        {"start_datetime": f"{day}T09:00", "end_datetime": f"{day}T10:30", "reason": "Dentist"},
    )
    with transaction(runtime.sessions) as session:
        blocked = session.scalars(select(BlockedPeriod)).one()
        assert blocked.start_datetime.isoformat().endswith("+00:00")  # stored in UTC
    times = local_times(slot_values(admin, type_id, day))
    assert times and all(t >= "10:30" for t in times)
    _post(admin, "/appointments/overrides", {"day": str(day_after(3))})
    assert slot_values(admin, type_id, day_after(3)) == []

    start = slot_values(admin, type_id, day_after(4))[0]
    token = csrf(admin)
    _, holder = reserve(admin, token, type_id, start)
    booked = submit(admin, token, type_id, start, holder, field_0="1 Main St", field_1="Buy")
    assert booked.status_code == 200, booked.text
    assert "Ada Guest" in admin.get("/").text  # the dashboard card
    listing = admin.get("/appointments")
    assert "1 Main St" in listing.text
    appointment_id = listing.text.split('action="/appointments/')[1].split("/cancel")[0]
    _post(admin, f"/appointments/{appointment_id}/cancel", {"reason": "Owner is ill"})
    assert "Owner is ill" in admin.get("/appointments").text
    assert [m.kind for m in outbox(runtime)][-1] == "guest_cancellation"
    assert _post(admin, f"/appointments/types/{type_id}/retire", {}).status_code == 303
    assert 'data-testid="type-card"' not in admin.get("/book").text


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/appointments/types", TYPE_FORM | {"name": ""}, "name"),
        ("/appointments/types", TYPE_FORM | {"duration_minutes": "two"}, "duration_minutes"),
        (
            "/appointments/types",
            TYPE_FORM | {"custom_fields": "Colour | select | required"},
            "custom_fields.0.options",
        ),
        ("/appointments/types", TYPE_FORM | {"custom_fields": "X | radio"}, "custom_fields.0.type"),
        (
            "/appointments/rules",
            {"day_of_week": "1", "start_time": "10:00", "end_time": "09:00"},
            "end_time",
        ),
        ("/appointments/overrides", {"day": "2030-13-01"}, "day"),
        (
            "/appointments/blocked",
            {"start_datetime": "soon", "end_datetime": "2030-01-01T10:00"},
            "start_datetime",
        ),
        ("/appointments/settings", {"timezone": "Mars/Olympus"}, "timezone"),
        ("/appointments/settings", {"timezone": "UTC", "from_email": "nope"}, "from_email"),
        ("/appointments/mail", {"mail_transport": "smtp", "smtp_port": "99999"}, "smtp_port"),
        ("/appointments/calendars", {"kind": "caldav", "url": "ftp://x"}, "url"),
    ],
)
def test_bad_form_input_names_the_field(
    admin: TestClient, runtime: Runtime, path: str, data: dict[str, str], field: str
) -> None:
    answer = _post(admin, path, data)
    assert answer.status_code == 422, answer.text[:500]
    assert f'data-field="{field}"' in _errors(answer.text)
    with transaction(runtime.sessions) as session:
        for model in (AppointmentType, AvailabilityRule, BlockedPeriod, CalendarConnection):
            assert session.scalars(select(model)).first() is None


def test_mail_secrets_go_to_the_vault_and_the_feed_url_works(
    admin: TestClient, runtime: Runtime
) -> None:
    mail = {
        "mail_transport": "smtp",
        "smtp_host": "mail.example.test",
        "smtp_port": "465",
        "smtp_security": "ssl",
        "smtp_username": "sam",
        "smtp_password": "Pa55-smtp-word",
    }
    assert _post(admin, "/appointments/mail", mail).status_code == 303
    page = admin.get("/appointments/settings")
    assert "Pa55-smtp-word" not in page.text and "(stored)" in page.text
    with transaction(runtime.sessions) as session:
        s = session.get(AppointmentSettings, 1)
        assert s and s.smtp_password_enc and "Pa55" not in s.smtp_password_enc
        assert runtime.vault.decrypt(s.smtp_password_enc) == "Pa55-smtp-word"
    assert (
        _post(
            admin,
            "/appointments/calendars",
            {"kind": "ics", "url": "https://example.test/busy.ics"},
        ).status_code
        == 303
    )
    assert "https://example.test/busy.ics" in admin.get("/appointments/settings").text
    made = _post(admin, "/appointments/feed", {})
    feed_url = made.text.split('data-testid="feed-url">')[1].split("<")[0]
    feed = admin.get(feed_url.split("testserver")[1])
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    assert admin.get("/calendar/not-the-token.ics").status_code == 404
