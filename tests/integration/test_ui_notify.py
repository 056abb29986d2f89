"""The settings page's "Send a test notification" button delivers through Apprise to a real
HTTP receiver on loopback, and a failed delivery is reported by the field without the URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import post, signed_in

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.sandbox.runner import free_port


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[dict]]]:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()


def test_the_test_button_delivers_to_the_saved_urls(
    client: TestClient, receiver: tuple[int, list[dict]]
) -> None:
    port, received = receiver
    url = f"json://127.0.0.1:{port}/hook-notify-secret-42"
    assert 'action="/settings/notifications/test"' not in client.get("/settings").text
    assert post(client, "/settings/notifications", {"notify_urls": url}).status_code == 303
    assert 'action="/settings/notifications/test"' in client.get("/settings").text
    answer = post(client, "/settings/notifications/test")
    assert answer.status_code == 200 and "Test notification sent" in answer.text
    assert [r["path"] for r in received] == ["/hook-notify-secret-42"]
    assert "test" in json.dumps(received[0]["body"]).lower()
    assert "notify-secret-42" not in answer.text


def test_a_failed_test_is_reported_without_the_url(client: TestClient) -> None:
    closed = f"json://127.0.0.1:{free_port()}/hook?token=notify-secret-43"
    assert post(client, "/settings/notifications", {"notify_urls": closed}).status_code == 303
    answer = post(client, "/settings/notifications/test")
    assert answer.status_code == 422
    assert 'id="notify_urls-error"' in answer.text and "failed" in answer.text
    assert "notify-secret-43" not in answer.text and "127.0.0.1" not in answer.text
