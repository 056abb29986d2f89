"""/api/v1 for the public page on a real database: types, rules, overrides, blocked periods
and appointments, with bad input named by field and nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

import pytest
from api_support import api_client
from fastapi.testclient import TestClient

from appointments_support import LONDON, csrf, day_after, reserve, slot_values, submit
from autobook.config import Settings
from autobook.runtime import Runtime

TYPE = {"name": "Viewing", "duration_minutes": 30, "buffer_after_minutes": 10,
        "custom_fields": [{"label": "Budget", "type": "select", "required": True,
                           "options": ["<500k", ">500k"]}]}  # fmt: skip


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with api_client(settings, runtime) as client:
        yield client


def _fields(answer: object) -> set[str]:
    return {e["field"] for e in answer.json()["detail"]}  # type: ignore[attr-defined]


def test_types_rules_overrides_blocked_and_appointments(api: TestClient) -> None:
    made = api.post("/api/v1/appointment-types", json=TYPE)
    assert made.status_code == 201, made.text
    type_id = made.json()["id"]
    for day in range(7):
        rule = {"day_of_week": day, "start_time": "09:00", "end_time": "12:00"}
        assert api.post("/api/v1/availability-rules", json=rule).status_code == 201
    monday = {"day_of_week": 0, "start_time": "11:00", "end_time": "13:00"}
    overlap = api.post("/api/v1/availability-rules", json=monday)
    assert overlap.status_code == 422 and "overlaps Monday's 09:00–12:00" in overlap.text
    day = day_after(3)
    api.post("/api/v1/availability-overrides", json={"day": day.isoformat()})  # closed
    assert slot_values(api, type_id, day) == []
    # 30 + 10 minute chunks, a start every 30 minutes: 09:00 … 11:00 (11:00–11:40 fits)
    assert len(slot_values(api, type_id, day_after(4))) == 5
    # The morning's hours, with the owner's offset that day (+01:00 in summer).
    opens, closes = (datetime.combine(day_after(4), time(h), LONDON) for h in (9, 12))
    blocked = {"start_datetime": opens.isoformat(), "end_datetime": closes.isoformat(),
               "reason": "Holiday"}  # fmt: skip
    made_block = api.post("/api/v1/blocked-periods", json=blocked)
    assert made_block.status_code == 201
    assert slot_values(api, type_id, day_after(4)) == []
    gone = api.delete(f"/api/v1/blocked-periods/{made_block.json()['id']}")
    assert gone.status_code == 204 and slot_values(api, type_id, day_after(4))

    start = slot_values(api, type_id, day_after(5))[0]
    token = csrf(api)
    _, holder = reserve(api, token, type_id, start)
    assert submit(api, token, type_id, start, holder, field_0=">500k").status_code == 200
    (listed,) = api.get("/api/v1/appointments").json()
    assert listed["custom_field_values"] == {"Budget": ">500k"}
    assert "cancel_token" not in listed
    cancelled = api.post(f"/api/v1/appointments/{listed['id']}/cancel", json={"reason": "Ill"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancel_reason"] == "Ill"
    again = api.post(f"/api/v1/appointments/{listed['id']}/cancel", json={})
    assert again.status_code == 409
    assert api.delete(f"/api/v1/appointment-types/{type_id}").status_code == 204
    assert api.get("/api/v1/appointment-types", params={"active_only": True}).json() == []
    assert "/api/v1/appointment-types" in api.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/appointment-types", {"name": "", "duration_minutes": 30}, "name"),
        ("/api/v1/appointment-types", {"name": "A", "duration_minutes": 0}, "duration_minutes"),
        ("/api/v1/appointment-types", {"name": "A\x1b", "duration_minutes": 30}, "name"),
        ("/api/v1/appointment-types", {"name": "A", "duration_minutes": 30, "color": "red"},
         "color"),
        ("/api/v1/appointment-types", {"name": "A", "duration_minutes": 30,
                                       "custom_fields": [{"label": "X", "type": "select"}]},
         "custom_fields.0.options"),
        ("/api/v1/availability-rules", {"day_of_week": 7, "start_time": "09:00",
                                        "end_time": "10:00"}, "day_of_week"),
        ("/api/v1/availability-rules", {"day_of_week": 1, "start_time": "10:00",
                                        "end_time": "09:00"}, "end_time"),
        ("/api/v1/availability-rules", {"day_of_week": 1, "start_time": "09:00",
                                        "end_time": "10:00+01:00"}, "end_time"),
        ("/api/v1/availability-overrides", {"day": "2030-02-03", "start_time": "09:00Z",
                                            "end_time": "10:00"}, "start_time"),
        ("/api/v1/availability-overrides", {"day": "2030-02-30"}, "day"),
        ("/api/v1/availability-overrides", {"day": "2030-02-03", "start_time": "09:00"},
         "end_time"),
        ("/api/v1/blocked-periods", {"start_datetime": "2030-01-01T10:00:00",
                                     "end_datetime": "2030-01-01T11:00:00+00:00"},
         "start_datetime"),
        ("/api/v1/blocked-periods", {"start_datetime": "2030-01-01T10:00:00+00:00",
                                     "end_datetime": "2030-01-01T09:00:00+00:00"},
         "end_datetime"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(api: TestClient, path: str, body: dict, field: str) -> None:
    answer = api.post(path, json=body)
    assert answer.status_code == 422, answer.text
    assert field in _fields(answer), answer.text
    listed = api.get(path).json()
    assert listed == []


def test_unknown_ids_are_404(api: TestClient) -> None:
    assert api.put("/api/v1/appointment-types/999", json=TYPE).status_code == 404
    assert api.delete("/api/v1/availability-rules/999").status_code == 404
    assert api.post("/api/v1/appointments/999/cancel", json={}).status_code == 404
