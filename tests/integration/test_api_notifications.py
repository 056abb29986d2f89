"""POST /api/v1/notifications/test on SQLite and PostgreSQL, through Apprise to a real JSON
webhook on loopback: given URLs, the saved ones, a failing one named without its token, and
bad input."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from api_support import FUTURE, add_account, api_client
from fastapi.testclient import TestClient

from autobook.config import Settings
from autobook.db.models import Task
from autobook.db.notify_urls import decrypt_urls, write_notify_urls
from autobook.db.session import transaction
from autobook.notify import TEST_TITLE
from autobook.runtime import Runtime

TOKEN = "hook-token-5f2c9a"  # in the URL's path, as webhook tokens are


class Hook(ThreadingHTTPServer):
    received: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.server.received.append({"path": self.path, **json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def hook() -> Iterator[Hook]:
    server = Hook(("127.0.0.1", 0), _Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: Hook) -> str:
    return f"json://127.0.0.1:{server.server_address[1]}/{TOKEN}"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def api(settings: Settings, runtime: Runtime, hook: Hook) -> Iterator[TestClient]:
    hook.received.clear()
    with api_client(settings, runtime) as client:
        yield client


def test_given_urls_get_the_test_message(api: TestClient, hook: Hook) -> None:
    response = api.post("/api/v1/notifications/test", json={"urls": [_url(hook)]})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "sent": 1, "failures": [],
                               "message": "sent to 1 service(s)"}  # fmt: skip
    assert [(m["path"], m["title"]) for m in hook.received] == [(f"/{TOKEN}", TEST_TITLE)]


def test_without_urls_the_saved_ones_are_tested(
    api: TestClient, runtime: Runtime, hook: Hook
) -> None:
    none_saved = api.post("/api/v1/notifications/test")
    assert none_saved.status_code == 422
    assert none_saved.json()["detail"][0]["field"] == "urls"
    with transaction(runtime.sessions) as session:
        write_notify_urls(session, runtime.vault, [_url(hook)])
    assert api.post("/api/v1/notifications/test").json()["ok"] is True
    assert api.post("/api/v1/notifications/test", json={}).json()["sent"] == 1
    assert len(hook.received) == 2


def test_a_failing_url_is_named_by_position_and_scheme_only(api: TestClient, hook: Hook) -> None:
    dead = f"json://127.0.0.1:{_closed_port()}/{TOKEN}"
    response = api.post("/api/v1/notifications/test", json={"urls": [_url(hook), dead]})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["sent"] == 1
    assert body["failures"] == ["URL 2 (json) did not accept the message"]
    assert TOKEN not in response.text


@pytest.mark.parametrize(
    "body",
    [
        {"urls": ["not a url"]},
        {"urls": [f"json://{TOKEN}" + "x" * 3000]},
        {"urls": [f"json://h/{i}" for i in range(21)]},
        {"urls": "json://host/path"},
        {"urls": [42]},
        {"url": "json://host/path"},
    ],
    ids=["no scheme", "huge", "too many", "not a list", "not text", "unknown field"],
)
def test_bad_urls_are_422s_naming_the_field(
    api: TestClient, hook: Hook, body: dict[str, Any]
) -> None:
    response = api.post("/api/v1/notifications/test", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] in ("urls", "urls.0", "url")
    assert TOKEN not in response.text
    assert hook.received == []


def test_task_notify_urls_are_write_only_and_stored_encrypted(
    settings: Settings, runtime: Runtime
) -> None:
    """A task's own Apprise URLs are accepted on create, encrypted at rest, never echoed."""
    token = "hook-T0ken-42"
    account = add_account(runtime, "gym", "ann@example.com", "gym-pass-1")
    with api_client(settings, runtime) as client:
        body = {"site": "gym", "venue": "Fitness", "activity": "gym-60min",
                "account_ids": [account],
                "target_date": FUTURE.isoformat(), "times": ["7am"], "payment_method": "benefit",
                "notify_urls": [f"json://127.0.0.1:9/{token}"]}  # fmt: skip
        created = client.post("/api/v1/tasks", json=body)
        assert created.status_code == 201, created.text
        assert token not in created.text
        shown = client.get(f"/api/v1/tasks/{created.json()['id']}")
        assert token not in shown.text
        bad = client.post("/api/v1/tasks", json={**body, "notify_urls": ["not a url"]})
        assert bad.status_code == 422 and "notify_urls" in bad.text and "not a url" not in bad.text
    with transaction(runtime.sessions) as session:
        task = session.get(Task, created.json()["id"])
        assert task is not None and task.notify_urls_enc and token not in task.notify_urls_enc
        assert decrypt_urls(runtime.vault, task.notify_urls_enc) == [f"json://127.0.0.1:9/{token}"]
