"""/api/v1/logs, /stats and /sites on SQLite and PostgreSQL: log filters and paging, every
statistic from known rows, and each site's choices as its adapter declares them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from api_support import GYM_TASK, add_account, add_attempt, add_booking, add_task, api_client
from api_support import force_status as set_status
from fastapi.testclient import TestClient

from autobook.config import Settings
from autobook.db.bookings import local_date
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.domain.sites import Site
from autobook.runtime import Runtime
from autobook.sites import registry


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with api_client(settings, runtime) as client:
        yield client


def _log(runtime: Runtime, level: str, source: str, message: str, task_id: int | None = None):
    with transaction(runtime.sessions) as session:
        return write_log(session, level=level, source=source, message=message, task_id=task_id).id


def _messages(api: TestClient, query: str = "") -> list[str]:
    response = api.get(f"/api/v1/logs{query}")
    assert response.status_code == 200, response.text
    return [e["message"] for e in response.json()]


def test_logs_filter_by_level_source_and_task_and_page_back(
    api: TestClient, runtime: Runtime
) -> None:
    task_id = add_task(runtime, **GYM_TASK)
    first = _log(runtime, "INFO", "Worker", "started")
    _log(runtime, "ERROR", "Worker", "login refused", task_id)
    third = _log(runtime, "WARN", "Web", "slow answer")
    _log(runtime, "INFO", "Worker", "card 4111 1111 1111 1111 typed")

    assert _messages(api) == ["card [redacted card] typed", "slow answer", "login refused",
                              "started"]  # fmt: skip
    assert _messages(api, "?level=ERROR") == ["login refused"]
    assert _messages(api, "?source=Web") == ["slow answer"]
    assert _messages(api, f"?taskId={task_id}") == ["login refused"]
    assert _messages(api, f"?beforeId={third}&limit=1") == ["login refused"]
    assert _messages(api, f"?beforeId={first}") == []
    assert "4111 1111" not in api.get("/api/v1/logs").text


def test_stats_count_tasks_attempts_and_bookings(api: TestClient, runtime: Runtime) -> None:
    ann = add_account(runtime, "gym", "ann@example.com", "gym-pass-1")
    statuses = ["succeeded", "succeeded", "failed", "expired", "cancelled", "pending"]
    tasks = [add_task(runtime, **GYM_TASK) for _ in statuses]
    for task_id, status in zip(tasks, statuses, strict=True):
        set_status(runtime, task_id, status)
    add_attempt(runtime, tasks[0], "booked")
    add_attempt(runtime, tasks[2], "auth")
    add_attempt(runtime, tasks[5], None)  # still running
    now = datetime.now(UTC)
    add_booking(runtime, account_id=ann, starts_at=now + timedelta(days=1), venue="X1")
    add_booking(runtime, account_id=ann, starts_at=now + timedelta(days=1, hours=1))
    add_booking(runtime, starts_at=now - timedelta(days=3), status="cancelled")

    response = api.get("/api/v1/stats?days_back=3&days_ahead=2")
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["tasks_total"] == 6 and stats["active_tasks"] == 1
    assert stats["tasks_by_status"]["succeeded"] == 2
    assert stats["success_rate"] == 0.5, "2 succeeded of 4 ended; the cancelled one is not ended"
    assert stats["attempts_total"] == 3
    assert stats["attempts_by_outcome"] == {"booked": 1, "auth": 1}
    assert stats["bookings_total"] == 3
    assert stats["bookings_by_status"] == {"confirmed": 2, "cancelled": 1}
    assert stats["bookings_by_location"] == {"X1": 1, "Fitness": 1}
    assert stats["bookings_by_account"] == [{"account_id": ann, "display_name": "ann", "count": 2}]
    assert stats["upcoming_bookings"] == 2
    days = stats["bookings_by_day"]
    today = local_date(now)
    assert days[0]["date"] == (today - timedelta(days=3)).isoformat()
    assert len(days) == 6 and sum(d["count"] for d in days) == 2, "cancelled ones not counted"
    tomorrow = local_date(now + timedelta(days=1)).isoformat()
    assert {d["date"]: d["count"] for d in days}.get(tomorrow, 0) >= 1


def test_stats_of_an_empty_database(api: TestClient) -> None:
    stats = api.get("/api/v1/stats").json()
    assert stats["success_rate"] is None and stats["next_run_at"] is None
    assert len(stats["bookings_by_day"]) == 30 + 14 + 1


def _loadable(site: Site) -> bool:
    try:
        registry.site_info(site)
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("site", list(Site), ids=str)
def test_sites_show_what_each_adapter_declares(
    api: TestClient, settings: Settings, site: Site
) -> None:
    if not _loadable(site):
        pytest.skip(f"the {site} adapter does not import yet")
    info = registry.site_info(site)
    listed = {s["name"]: s for s in api.get("/api/v1/sites").json()}
    assert list(listed) == [s.value for s in Site]
    shown = api.get(f"/api/v1/sites/{site}").json()
    assert shown == listed[site.value] and shown["available"] is True
    assert [v["key"] for v in shown["venues"]] == [v.key for v in info.venues]
    if info.venues:  # a clinic's come from its page: none without its URL
        assert shown["venues"][0]["sub_locations"] == list(info.venues[0].sub_locations)
    assert [a["key"] for a in shown["activities"]] == [a.key for a in info.activities]
    assert shown["payment_methods"] == [m.value for m in info.payment_methods]
    assert shown["release"]["description"]
    assert shown["zone"] == info.zone.key == "Europe/London"
