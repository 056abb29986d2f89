"""/api/v1/tasks on SQLite and PostgreSQL: create, list with filters, the detail with accounts,
attempts and booking, edit while not running, stop, resume, delete — and the compare-and-set
that refuses to overwrite a status the worker changed meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_support import (
    BETTER_TASK,
    GYM_TASK,
    add_account,
    add_attempt,
    add_booking,
    add_card,
    add_task,
    api_client,
    force_status,
)
from fastapi.testclient import TestClient

from autobook.config import Settings
from autobook.db.session import transaction
from autobook.db.taskrepo import get_task, stop_task
from autobook.domain.errors import Conflict
from autobook.runtime import Runtime

TASK_KEYS = {"id", "site", "venue", "sub_location", "activity", "duration_minutes",
             "target_date", "times", "courts", "account_ids", "payment_method",
             "payment_profile_id", "strategy", "dry_run", "poll_interval_s", "status",
             "next_run_at", "last_checked_at", "error", "created_at", "updated_at"}  # fmt: skip


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with api_client(settings, runtime) as client:
        yield client


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_create_list_filter_and_read_a_task(api: TestClient, runtime: Runtime) -> None:
    ann = add_account(runtime, "gym", "ann@example.com", "gym-pass-1")
    bob = add_account(runtime, "gym", "bob@example.com", "gym-pass-2")
    body = {**GYM_TASK, "account_ids": [bob, ann], "sub_location": "", "courts": ["A"]}
    created = _ok(api.post("/api/v1/tasks", json=body), 201)
    assert set(created) == TASK_KEYS
    assert created["times"] == ["19:00", "20:00"] and created["account_ids"] == [bob, ann]
    assert created["status"] == "pending" and created["sub_location"] is None
    padel = {"site": "estelle", "venue": "padel-courts", "payment_method": "credit"}
    other = add_task(runtime, **{**GYM_TASK, **padel})
    force_status(runtime, other, "stopped")

    assert [t["id"] for t in _ok(api.get("/api/v1/tasks"))] == [other, created["id"]]
    assert [t["id"] for t in _ok(api.get("/api/v1/tasks?site=gym"))] == [created["id"]]
    assert [t["id"] for t in _ok(api.get("/api/v1/tasks?status=stopped"))] == [other]
    assert _ok(api.get("/api/v1/tasks?status=succeeded")) == []
    assert [t["id"] for t in _ok(api.get("/api/v1/tasks?limit=1&offset=1"))] == [created["id"]]

    add_attempt(runtime, created["id"], "no_slot")
    add_attempt(runtime, created["id"], "booked")
    booking = add_booking(runtime, task_id=created["id"], account_id=ann)
    detail = _ok(api.get(f"/api/v1/tasks/{created['id']}"))
    assert [a["login"] for a in detail["accounts"]] == ["bob@example.com", "ann@example.com"]
    assert detail["attempts"]["total"] == 2
    assert detail["attempts"]["by_outcome"] == {"no_slot": 1, "booked": 1}
    assert detail["attempts"]["last_outcome"] == "booked"
    assert [a["outcome"] for a in detail["recent_attempts"]] == ["booked", "no_slot"]
    assert detail["recent_attempts"][0]["steps"][0]["name"] == "login"
    assert detail["booking"]["id"] == booking and detail["booking"]["reference"] == "GYM-1"
    assert "password" not in str(detail["accounts"])


def test_create_refuses_accounts_of_another_site_and_unknown_profiles(
    api: TestClient, runtime: Runtime
) -> None:
    better = add_account(runtime, "better", "ann@example.com", "better-pass-1")
    wrong_site = api.post("/api/v1/tasks", json={**GYM_TASK, "account_ids": [better]})
    assert wrong_site.status_code == 422
    assert wrong_site.json()["detail"][0]["field"] == "account_ids"
    by_card = {**BETTER_TASK, "payment_method": "card"}
    no_profile = api.post("/api/v1/tasks", json={**by_card, "payment_profile_id": 9})
    assert no_profile.json()["detail"][0]["field"] == "payment_profile_id"
    card_without_profile = api.post("/api/v1/tasks", json=by_card)
    assert card_without_profile.status_code == 422
    assert card_without_profile.json()["detail"] == [
        {"field": "payment_profile_id", "message": "paying by card needs a payment profile"}
    ]
    assert _ok(api.get("/api/v1/tasks")) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"venue": "Padel"}, "venue", "not one of this site's venues"),
        ({"venue": "X1", "sub_location": "C"}, "sub_location", "not a part of X1"),
        ({"activity": "padel-60min"}, "activity", "not one of this site's activities"),
        ({"payment_method": "credit"}, "payment_method", "Gym (Fitness, X1, X3) takes benefit"),
    ],
)
def test_a_choice_the_site_does_not_offer_is_refused_on_create_and_edit(
    api: TestClient, runtime: Runtime, changes: dict[str, Any], field: str, message: str
) -> None:
    """Well-formed but not the gym's: a 422 naming the field, and nothing written or changed."""
    task_id = add_task(runtime, **GYM_TASK)
    before = _ok(api.get("/api/v1/tasks"))
    for response in (
        api.post("/api/v1/tasks", json={**GYM_TASK, **changes}),
        api.patch(f"/api/v1/tasks/{task_id}", json=changes),
    ):
        assert response.status_code == 422, response.text
        [entry] = response.json()["detail"]
        assert entry["field"] == field and entry["message"].startswith(message), entry
    assert _ok(api.get("/api/v1/tasks")) == before
    assert [t["id"] for t in before] == [task_id]


def test_edit_a_waiting_task_and_its_accounts(api: TestClient, runtime: Runtime) -> None:
    ann = add_account(runtime, "better", "ann@example.com", "better-pass-1")
    card = add_card(runtime)
    task_id = add_task(runtime, **BETTER_TASK)
    force_status(runtime, task_id, "scheduled")
    changes = {"times": ["6am"], "account_ids": [ann], "payment_method": "card",
               "payment_profile_id": card, "dry_run": True}  # fmt: skip
    edited = _ok(api.patch(f"/api/v1/tasks/{task_id}", json=changes))
    assert edited["times"] == ["06:00"] and edited["account_ids"] == [ann]
    assert edited["payment_profile_id"] == card and edited["dry_run"] is True
    assert edited["status"] == "pending", "a scheduled task is re-planned after an edit"
    assert edited["venue"] == "hendon-leisure-centre", "fields not sent stay as they were"

    # the merged task must still be valid: dropping the card's profile is refused
    dropped = api.patch(f"/api/v1/tasks/{task_id}", json={"payment_profile_id": None})
    assert dropped.status_code == 422
    assert dropped.json()["detail"][0]["field"] == "payment_profile_id"
    cleared = _ok(api.patch(f"/api/v1/tasks/{task_id}", json={"account_ids": []}))
    assert cleared["account_ids"] == []


@pytest.mark.parametrize("status", ["checking", "booking", "succeeded", "cancelled", "expired"])
def test_a_running_or_finished_task_cannot_be_edited(
    api: TestClient, runtime: Runtime, status: str
) -> None:
    task_id = add_task(runtime, **GYM_TASK)
    force_status(runtime, task_id, status)
    response = api.patch(f"/api/v1/tasks/{task_id}", json={"times": ["6am"]})
    assert response.status_code == 409, response.text
    assert response.json()["detail"] == [
        {"field": "status", "message": f"a {status} task cannot be edited"}
    ]
    assert _ok(api.get(f"/api/v1/tasks/{task_id}"))["times"] == ["19:00", "20:00"]


def test_stop_resume_and_their_repeats(api: TestClient, runtime: Runtime) -> None:
    task_id = add_task(runtime, **GYM_TASK)
    assert _ok(api.post(f"/api/v1/tasks/{task_id}/stop"))["status"] == "stopped"
    assert _ok(api.post(f"/api/v1/tasks/{task_id}/stop"))["status"] == "stopped"
    assert _ok(api.post(f"/api/v1/tasks/{task_id}/resume"))["status"] == "pending"
    assert _ok(api.post(f"/api/v1/tasks/{task_id}/resume"))["status"] == "pending"

    force_status(runtime, task_id, "checking")
    assert _ok(api.post(f"/api/v1/tasks/{task_id}/stop"))["status"] == "stopped"
    force_status(runtime, task_id, "failed")
    with transaction(runtime.sessions) as session:
        get_task(session, task_id).error = "authentication error"
    resumed = _ok(api.post(f"/api/v1/tasks/{task_id}/resume"))
    assert resumed["status"] == "pending" and resumed["error"] is None


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("booking", "stop", "a booking task cannot be stopped while it is booking; "
                            "wait for the attempt to end"),
        ("succeeded", "stop", "a succeeded task cannot be stopped"),
        ("succeeded", "resume", "a succeeded task cannot be resumed"),
        ("cancelled", "resume", "a cancelled task cannot be resumed"),
    ],
)  # fmt: skip
def test_stop_and_resume_refuse_what_the_transition_table_forbids(
    api: TestClient, runtime: Runtime, status: str, action: str, message: str
) -> None:
    task_id = add_task(runtime, **GYM_TASK)
    force_status(runtime, task_id, status)
    response = api.post(f"/api/v1/tasks/{task_id}/{action}")
    assert response.status_code == 409
    assert response.json()["detail"] == [{"field": "status", "message": message}]
    assert _ok(api.get(f"/api/v1/tasks/{task_id}"))["status"] == status


def test_delete_keeps_bookings_and_refuses_a_booking_task(
    api: TestClient, runtime: Runtime
) -> None:
    done = add_task(runtime, **GYM_TASK)
    booking = add_booking(runtime, task_id=done)
    add_attempt(runtime, done, "booked")
    force_status(runtime, done, "succeeded")
    assert api.delete(f"/api/v1/tasks/{done}").status_code == 204
    assert api.get(f"/api/v1/tasks/{done}").status_code == 404
    assert _ok(api.get(f"/api/v1/bookings/{booking}"))["task_id"] is None

    for status in ("pending", "checking", "stopped", "failed"):
        task_id = add_task(runtime, **GYM_TASK)
        force_status(runtime, task_id, status)
        assert api.delete(f"/api/v1/tasks/{task_id}").status_code == 204, status

    busy = add_task(runtime, **GYM_TASK)
    force_status(runtime, busy, "booking")
    refused = api.delete(f"/api/v1/tasks/{busy}")
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["message"] == (
        "a booking task cannot be deleted while it is booking; wait for the attempt to end"
    )
    assert [t["id"] for t in _ok(api.get("/api/v1/tasks"))] == [busy]


def test_a_change_the_worker_made_meanwhile_wins(runtime: Runtime) -> None:
    """Read in one session, the worker claims the task in another, then the stop is refused."""
    task_id = add_task(runtime, **GYM_TASK)
    with transaction(runtime.sessions) as session:
        task = get_task(session, task_id)
        assert task.status == "pending"
        force_status(runtime, task_id, "booking")  # the worker's own transaction commits
        with pytest.raises(Conflict, match="changed while this request ran"):
            stop_task(session, task_id=task_id)
    with transaction(runtime.sessions) as session:
        assert get_task(session, task_id).status == "booking"
