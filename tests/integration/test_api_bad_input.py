"""Bad input to the tasks, bookings, logs, stats and sites endpoints, on SQLite and PostgreSQL:
wrong types, empty, huge, unknown fields, malformed and unknown ids, injection strings. Each is
a 4xx whose entry names the field; nothing is written; the injected text never comes back.
And every /api/v1 route, as the schema lists them, refuses a request without a token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import (
    GYM_TASK,
    add_booking,
    add_task,
    api_client,
    shared_fixture,  # noqa: F401 (the `shared` fixture)
)
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from autobook.config import Settings
from autobook.db.models import Booking, Task
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import MAX_BODY_BYTES, create_app

SQLI = "'; DROP TABLE tasks; --"
XSS = "<script>alert(1)</script>"
JSON_CT = {"content-type": "application/json"}
HUGE = b'{"venue": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'


def _body(field: str, value: Any, status: int = 422, expect: str | None = None) -> Any:
    return pytest.param(
        "POST", "/api/v1/tasks", {"json": {**GYM_TASK, field: value}}, status, expect or field,
        id=f"POST tasks {field}={str(value)[:24]!r}",
    )  # fmt: skip


def _case(method: str, path: str, field: str, status: int = 422, **request: Any) -> Any:
    return pytest.param(method, path, request, status, field, id=f"{method} {path[:60]} {field}")


def _query(path: str, query: str, field: str, status: int = 422) -> Any:
    return _case("GET", f"{path}?{query}", field, status)


BAD_IDS = [("0", 422), ("-1", 422), ("abc", 422), ("1.5", 422), ("99999999999999999999", 422),
           ("1%3B%20DROP%20TABLE%20tasks", 422), ("%3Cscript%3E", 422),
           ("424242", 404)]  # fmt: skip
ID_ROUTES = [
    ("GET", "/api/v1/tasks/{}", "task_id"),
    ("PATCH", "/api/v1/tasks/{}", "task_id"),
    ("DELETE", "/api/v1/tasks/{}", "task_id"),
    ("POST", "/api/v1/tasks/{}/stop", "task_id"),
    ("POST", "/api/v1/tasks/{}/resume", "task_id"),
    ("GET", "/api/v1/bookings/{}", "booking_id"),
    ("POST", "/api/v1/bookings/{}/cancel", "booking_id"),
]
BAD_TASK_FIELDS = [
    ("site", 123), ("site", SQLI), ("site", ""), ("venue", ""), ("venue", "v" * 201),
    ("venue", None), ("target_date", "2026-13-01"), ("target_date", XSS),
    ("times", []), ("times", ["25pm"]), ("times", "7pm"), ("times", ["7"]),
    ("times", ["7pm", "19:00"]), ("times", [f"{h}pm" for h in range(1, 10)]),
    ("times", [SQLI]), ("times", [XSS, "7pm"]), ("account_ids", [0]),
    ("account_ids", [1, 1]), ("account_ids", [2**40]), ("payment_method", "cash"),
    ("account_ids", "1"),
    ("payment_profile_id", 0), ("payment_profile_id", "abc"), ("strategy", XSS),
    ("dry_run", "maybe"), ("poll_interval_s", 1), ("poll_interval_s", 10**20),
    ("duration_minutes", 0), ("courts", "A"), ("status", "succeeded"),
    # well-formed, but not something the gym offers (its venues, parts, activity, payment)
    ("venue", "Padel"), ("venue", "hendon-leisure-centre"), ("sub_location", "A"),
    ("activity", "badminton-60min"), ("payment_method", "credit"),
    ("payment_method", "saved_card"),
]  # fmt: skip
BAD_CHANGES = [
    ("site", "estelle"), ("times", []), ("venue", None), ("status", "booking"),
    ("poll_interval_s", -5), ("target_date", SQLI), ("account_ids", [424242]),
    ("venue", "Nowhere"), ("sub_location", "C"), ("activity", "padel-60min"),
    ("payment_method", "credit"),
]  # fmt: skip

CASES = [
    *(_body(f, v) for f, v in BAD_TASK_FIELDS),
    _body("account_ids", [424242], expect="account_ids"),
    _body("payment_profile_id", 424242, expect="payment_profile_id"),
    _body("payment_method", "card", expect="payment_profile_id"),
    _body("account_ids", ["x"], expect="account_ids.0"),
    _case("PATCH", "/api/v1/tasks/{task}", "payment_profile_id", json={"payment_method": "card"}),
    _case("POST", "/api/v1/tasks", "site", json={}),
    _case("POST", "/api/v1/tasks", "body", json=[GYM_TASK]),
    _case("POST", "/api/v1/tasks", "body", content=b"null", headers=JSON_CT),
    _case("POST", "/api/v1/tasks", "body", content=b'{"site": ', headers=JSON_CT),
    _case("POST", "/api/v1/tasks", "body", 413, content=HUGE, headers=JSON_CT),
    *(_case("PATCH", "/api/v1/tasks/{task}", f, json={f: v}) for f, v in BAD_CHANGES),
    _case("PATCH", "/api/v1/tasks/{task}", "body", json="times"),
    _case("PATCH", "/api/v1/tasks/{task}", "body", 413, content=HUGE, headers=JSON_CT),
    _query("/api/v1/tasks", "status=nope", "status"),
    _query("/api/v1/tasks", f"site={XSS}", "site"),
    _query("/api/v1/tasks", "limit=0", "limit"),
    _query("/api/v1/tasks", "limit=100000", "limit"),
    _query("/api/v1/tasks", "offset=-1", "offset"),
    _query("/api/v1/bookings", "accountId=abc", "accountId"),
    _query("/api/v1/bookings", "accountId=0", "accountId"),
    _query("/api/v1/bookings", "date=2026-13-01", "date"),
    _query("/api/v1/bookings", f"date={SQLI}", "date"),
    _query("/api/v1/bookings", "status=booked", "status"),
    _query("/api/v1/bookings", "location=", "location"),
    _query("/api/v1/bookings", "location=" + "l" * 300, "location"),
    _query("/api/v1/bookings", "taskId=99999999999", "taskId"),
    _query("/api/v1/bookings/upcoming", "limit=-3", "limit"),
    _query("/api/v1/logs", "level=info", "level"),
    _query("/api/v1/logs", f"level={XSS}", "level"),
    _query("/api/v1/logs", "source=", "source"),
    _query("/api/v1/logs", "source=%20%20", "source"),
    _query("/api/v1/logs", "source=" + "s" * 40, "source"),
    _query("/api/v1/logs", "taskId=x", "taskId"),
    _query("/api/v1/logs", "beforeId=0", "beforeId"),
    _query("/api/v1/logs", "limit=5000", "limit"),
    _query("/api/v1/stats", "days_back=-1", "days_back"),
    _query("/api/v1/stats", "days_ahead=100000", "days_ahead"),
    # control characters (PostgreSQL cannot store NUL): refused everywhere, by the field
    _body("venue", "Fit\x00ness"),
    _body("courts", ["A", "B\x07"], expect="courts.1"),
    _case("PATCH", "/api/v1/tasks/{task}", "activity", json={"activity": "pad\x00el"}),
    _query("/api/v1/bookings", "location=X%001", "location"),
    _query("/api/v1/tasks", "site=gym%00", "site"),
    _case(
        "POST",
        "/api/v1/accounts",
        "display_name",
        json={"site": "gym", "display_name": "A\x00", "login": "x@y", "password": "pw-123456"},
    ),
    _case(
        "POST",
        "/api/v1/tasks/import",
        "venue",
        data={"venue": "X\x001", "site": "gym"},
        files={"file": ("t.csv", b"Date,Time1\n2030-01-01,7pm\n", "text/csv")},
    ),
    _case("POST", "/api/v1/notifications/test", "urls.0", json={"urls": ["json://h/\x00"]}),
    _case("GET", "/api/v1/sites/nowhere", "site"),
    _case("GET", f"/api/v1/sites/{SQLI}", "site"),
    *(
        _case(m, p.format(i), f, s, json={"times": ["7pm"]} if m == "PATCH" else None)
        for m, p, f in ID_ROUTES
        for i, s in BAD_IDS
    ),
]


def _counts(runtime: Runtime) -> tuple[int, int, list[str]]:
    with transaction(runtime.sessions) as session:
        tasks = session.scalar(select(func.count()).select_from(Task)) or 0
        bookings = session.scalar(select(func.count()).select_from(Booking)) or 0
        statuses = list(session.scalars(select(Task.status).order_by(Task.id)))
        return tasks, bookings, statuses


@pytest.fixture(scope="module")
def api(shared: Runtime) -> Iterator[TestClient]:
    with api_client(shared.settings, shared) as client:
        client.task_id = add_task(shared, **GYM_TASK)  # type: ignore[attr-defined]
        add_booking(shared)
        yield client


@pytest.mark.parametrize(("method", "path", "request_args", "status", "field"), CASES)
def test_bad_input_names_the_field_and_writes_nothing(
    api: TestClient,
    shared: Runtime,
    method: str,
    path: str,
    request_args: dict[str, Any],
    status: int,
    field: str,
) -> None:
    before = _counts(shared)
    url = path.format(task=api.task_id)  # type: ignore[attr-defined]
    response = api.request(method, url, **request_args)
    assert response.status_code == status, response.text
    entries = response.json()["detail"]
    assert field in [e["field"] for e in entries], entries
    assert all(set(e) == {"field", "message"} and e["message"] for e in entries)
    for injected in (SQLI, XSS):
        assert injected not in response.text
    assert _counts(shared) == before


def test_every_api_route_in_the_schema_needs_a_token(settings: Settings, runtime: Runtime) -> None:
    with TestClient(create_app(settings, runtime=runtime)) as anon:
        schema = anon.get("/openapi.json").json()
        routes = [(m.upper(), p) for p, ops in schema["paths"].items() for m in ops]
        assert ("POST", "/api/v1/tasks/import") in routes
        for method, path in routes:
            if not path.startswith("/api/v1/"):
                continue
            url = path.replace("{site}", "gym")
            url = url.split("{")[0] + "1" + url.split("}")[1] if "{" in url else url
            response = anon.request(method, url, headers={"Authorization": "Bearer abk_nope"})
            assert response.status_code == 401, (method, path)
            assert json.loads(response.text)["detail"][0]["field"] == "authorization"
