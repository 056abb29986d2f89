"""/api/v1/bookings on SQLite and PostgreSQL: seed 002's filters (accountId, date, status,
location), the site-local date across midnight in summer time, upcoming bookings, and cancel
(in our records, with a note that the site was not told)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from api_support import GYM_TASK, add_account, add_booking, add_task, api_client
from fastapi.testclient import TestClient

from autobook.config import Settings
from autobook.runtime import Runtime

# 23:30 UTC on 14 July is 00:30 on 15 July in London (BST): the booking is for the 15th.
LATE = datetime(2026, 7, 14, 23, 30, tzinfo=UTC)


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with api_client(settings, runtime) as client:
        yield client


def _ids(api: TestClient, query: str = "") -> list[int]:
    response = api.get(f"/api/v1/bookings{query}")
    assert response.status_code == 200, response.text
    return [b["id"] for b in response.json()]


def test_filters_of_seed_002(api: TestClient, runtime: Runtime) -> None:
    ann = add_account(runtime, "gym", "ann@example.com", "gym-pass-1")
    bob = add_account(runtime, "gym", "bob@example.com", "gym-pass-2")
    task_id = add_task(runtime, **GYM_TASK)
    late = add_booking(runtime, account_id=ann, starts_at=LATE, venue="X1", sub_location="A")
    early = add_booking(runtime, account_id=bob, starts_at=LATE - timedelta(hours=2),
                        status="failed", task_id=task_id)  # fmt: skip
    later = add_booking(runtime, account_id=ann, starts_at=LATE + timedelta(days=1))

    assert _ids(api) == [later, late, early], "latest slot first"
    assert _ids(api, f"?accountId={ann}") == [later, late]
    assert _ids(api, "?date=2026-07-15") == [late]
    assert _ids(api, "?date=2026-07-14") == [early]
    assert _ids(api, "?status=failed") == [early]
    assert _ids(api, "?location=x1") == [late]
    assert _ids(api, f"?accountId={ann}&location=Fitness") == [later]
    assert _ids(api, f"?taskId={task_id}") == [early]
    assert _ids(api, "?status=cancelled") == []
    assert _ids(api, "?limit=1&offset=1") == [late]

    shown = api.get(f"/api/v1/bookings/{late}").json()
    assert shown["booking_date"] == "2026-07-15" and shown["location"] == "X1"
    assert shown["sub_location"] == "A" and shown["price"] == "£0.00"
    assert shown["has_screenshot"] is False


def test_upcoming_are_live_and_not_started_soonest_first(api: TestClient, runtime: Runtime) -> None:
    now = datetime.now(UTC)
    soon = add_booking(runtime, starts_at=now + timedelta(hours=3))
    sooner = add_booking(runtime, starts_at=now + timedelta(hours=1), status="pending")
    add_booking(runtime, starts_at=now - timedelta(hours=1))  # started
    add_booking(runtime, starts_at=now + timedelta(hours=2), status="cancelled")
    add_booking(runtime, starts_at=now + timedelta(hours=2), status="failed")
    assert _ids(api, "/upcoming") == [sooner, soon]
    assert _ids(api, "/upcoming?limit=1") == [sooner]


def test_cancel_marks_it_cancelled_and_says_the_site_was_not_told(
    api: TestClient, runtime: Runtime
) -> None:
    booking = add_booking(runtime)
    response = api.post(f"/api/v1/bookings/{booking}/cancel")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["booking"]["status"] == "cancelled" and body["cancelled_on_site"] is False
    assert "on the site" in body["note"]
    assert _ids(api, "/upcoming") == []

    again = api.post(f"/api/v1/bookings/{booking}/cancel")
    assert again.status_code == 409
    assert again.json()["detail"] == [
        {"field": "status", "message": "a cancelled booking cannot be cancelled"}
    ]
    failed = add_booking(runtime, status="failed")
    assert api.post(f"/api/v1/bookings/{failed}/cancel").status_code == 409
    assert api.get(f"/api/v1/bookings/{failed}").json()["status"] == "failed"
