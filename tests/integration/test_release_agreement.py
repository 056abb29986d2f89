"""The release instant has one source (`sites.release.release_for`): with AUTOBOOK_BETTER_RELEASE
set, the worker's plan, the API's task detail, the task page and the dashboard all name the
instant the setting gives, not the adapter's default rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from api_support import api_client
from fastapi.testclient import TestClient
from test_ui_helpers import add_task, signed_in

from autobook.config import Settings
from autobook.domain.release import LONDON
from autobook.runtime import Runtime
from autobook.vault import generate_key
from autobook.worker.plan import plan_task

RULE = "3d@06:30"  # the adapter's own rule is 7 days ahead at 22:00


@pytest.fixture
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("AUTOBOOK_BETTER_RELEASE", RULE)
    return Settings(
        AUTOBOOK_DATA_DIR=tmp_path / "data", DATABASE_URL=db_url, ENCRYPTION_KEY=generate_key()
    )


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


def test_worker_api_and_pages_agree_on_the_configured_release(
    settings: Settings, runtime: Runtime, client: TestClient
) -> None:
    day = datetime.now(UTC).date() + timedelta(days=20)
    task_id = add_task(runtime, site="better", venue="hendon-leisure-centre", sub_location=None,
                       activity="badminton-60min", target_date=day, times=["19:00", "18:00"],
                       strategy="snipe")  # fmt: skip
    expected = datetime.combine(day - timedelta(days=3), time(6, 30), LONDON).astimezone(UTC)
    shown = f"{expected:%Y-%m-%d %H:%M} UTC"

    plan = plan_task(runtime, task_id, now=expected - timedelta(days=2))
    assert plan.action == "scheduled" and plan.release_at == expected

    with api_client(settings, runtime) as api:
        detail = api.get(f"/api/v1/tasks/{task_id}").json()
        assert datetime.fromisoformat(detail["release_at"]) == expected

    page = client.get(f"/tasks/{task_id}").text
    assert shown in page and "3 days ahead at 06:30" in page
    assert shown in client.get("/dashboard/live").text
