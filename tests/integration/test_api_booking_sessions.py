"""/api/v1/booking (seed 004) against a real database and the clinic simulator's page on
loopback: the seed's JSON shapes, the host allow-list, bad input named by field with nothing
written, cancelling, and the OpenAPI. No browser drives the sessions here (no handoff service
runs): they stay queued in `created`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from api_support import api_client
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from autobook.db.models import HandoffCallback, HandoffSession, HandoffTransition
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import clinic_thursday, sandbox_fixture

box = sandbox_fixture("clinic", "empty")


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    hosts = ",".join(urlsplit(box.url("clinic", o)).netloc for o in ("web", "moxie"))
    runtime.settings = runtime.settings.model_copy(
        update={"handoff_allowed_hosts": hosts, "handoff_callback_secret": "s3cret-for-tests"}
    )
    return runtime


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with api_client(rt.settings, rt) as c:
        yield c


def start_body(box: Sandbox, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bookingUrl": box.url("clinic", "web") + "/book",
        "date": clinic_thursday().isoformat(),
        "time": "2:30pm",
        "lead": {"firstName": "John", "lastName": "Smith", "phone": "+14407031022",
                 "email": "john@example.com", "notes": "First time patient"},
        "service": "Botox",
    }  # fmt: skip
    body.update(changes)
    return body


def count(rt: Runtime, model: type) -> int:
    with transaction(rt.sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_start_status_and_cancel_in_the_seeds_shapes(
    client: TestClient, box: Sandbox, rt: Runtime
) -> None:
    answer = client.post(
        "/api/v1/booking/start",
        json=start_body(box, provider="Brandi", callbackUrl="http://127.0.0.1:9/cb"),
    )
    assert answer.status_code == 201, answer.text
    started = answer.json()
    assert started["success"] is True and started["state"] == "created"
    sid = started["sessionId"]

    status = client.get(f"/api/v1/booking/{sid}/status").json()
    assert status == {"success": True, "sessionId": sid, "state": "created", "outcome": None,
                      "confirmationDetails": None, "error": None}  # fmt: skip
    not_yet = client.get(f"/api/v1/booking/{sid}/handoff-url")
    assert not_yet.status_code == 409 and not_yet.json()["success"] is False
    assert "ready_for_handoff" in not_yet.json()["error"]

    cancelled = client.delete(f"/api/v1/booking/{sid}")
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["outcome"]) == ("cancelled", "cancelled")
    again = client.delete(f"/api/v1/booking/{sid}")
    assert again.status_code == 409 and again.json()["detail"][0]["field"] == "sessionId"
    with transaction(rt.sessions) as session:
        moves = session.scalars(select(HandoffTransition).order_by(HandoffTransition.id)).all()
        assert [(m.from_state, m.to_state) for m in moves] == [
            ("", "created"),
            ("created", "cancelled"),
        ]
        assert all(m.at is not None for m in moves)
        [event] = session.scalars(select(HandoffCallback)).all()
        assert event.state == "cancelled" and event.body["eventId"] == event.event_id
        row = session.get(HandoffSession, sid)
        assert row is not None and row.request["lead"]["phone"] == "+14407031022"
        assert row.request["time"] == "14:30"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bookingUrl": "http://169.254.169.254/latest/meta-data"}, "bookingUrl"),
        ({"bookingUrl": "file:///etc/passwd"}, "bookingUrl"),
        ({"date": "2020-01-01"}, "date"),
        ({"date": "tomorrow-ish"}, "date"),
        ({"time": "25:99"}, "time"),
        (
            {"lead": {"firstName": "J", "lastName": "S", "phone": "abc", "email": "j@x.com"}},
            "lead.phone",
        ),
        (
            {
                "lead": {
                    "firstName": "J",
                    "lastName": "S",
                    "phone": "+4477009001",
                    "email": "not-an-email",
                }
            },
            "lead.email",
        ),
        ({"lead": {"firstName": "J", "phone": "+4477009001", "email": "j@x.com"}}, "lead.lastName"),
        ({"callbackUrl": "ftp://example.com/cb"}, "callbackUrl"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: TestClient, box: Sandbox, rt: Runtime, changes: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/v1/booking/start", json=start_body(box, **changes))
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["success"] is False and body["error"].startswith(field)
    assert body["detail"][0]["field"] == field
    assert count(rt, HandoffSession) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"service": "Liposuction"}, "service"), ({"provider": "Nobody"}, "provider")],
)
def test_a_service_or_provider_the_clinic_does_not_offer_is_a_422(
    client: TestClient, box: Sandbox, rt: Runtime, changes: dict[str, Any], field: str
) -> None:
    """Checked against the page's own data (the six-step widget carries it)."""
    page = box.url("clinic", "moxie") + "/booking/lumen-skin-clinic"
    answer = client.post("/api/v1/booking/start", json=start_body(box, bookingUrl=page, **changes))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == field
    assert count(rt, HandoffSession) == 0
    good = client.post("/api/v1/booking/start", json=start_body(box, bookingUrl=page))
    assert good.status_code == 201, good.text


def test_callback_needs_the_signing_secret(client: TestClient, box: Sandbox, rt: Runtime) -> None:
    rt.settings = rt.settings.model_copy(update={"handoff_callback_secret": None})
    answer = client.post("/api/v1/booking/start", json=start_body(box, callbackUrl="http://x/cb"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == "callbackUrl"
    assert count(rt, HandoffSession) == 0


def test_unknown_session_and_no_token(client: TestClient) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    for path in (f"/{unknown}/status", f"/{unknown}/handoff-url"):
        answer = client.get(f"/api/v1/booking{path}")
        assert answer.status_code == 404 and answer.json()["detail"][0]["field"] == "sessionId"
    assert client.delete(f"/api/v1/booking/{unknown}").status_code == 404
    assert client.get("/api/v1/booking/not-a-uuid/status").status_code == 422
    del client.headers["Authorization"]
    assert client.get(f"/api/v1/booking/{unknown}/status").status_code == 401


def test_the_api_is_in_the_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/booking/start"]
    assert "get" in paths["/api/v1/booking/{sessionId}/handoff-url"]
    assert "get" in paths["/api/v1/booking/{sessionId}/status"]
    assert "delete" in paths["/api/v1/booking/{sessionId}"]


def test_the_url_expiry_comes_from_the_settings(
    client: TestClient, box: Sandbox, rt: Runtime
) -> None:
    sid = client.post("/api/v1/booking/start", json=start_body(box)).json()["sessionId"]
    with transaction(rt.sessions) as session:
        row = session.get(HandoffSession, sid)
        assert row is not None and row.handoff_expires_at is not None
        assert row.handoff_expires_at - row.created_at == timedelta(seconds=900)
