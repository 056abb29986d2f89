"""Notifications delivered by Apprise to a real HTTP receiver on loopback (json:// and form://),
from the global setting, the settings page's encrypted row and the task's own URLs; failures
reported by position and scheme, never by URL."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select
from test_cli_support import Cli

from autobook.db.models import Booking, Meta, SystemLog, Task
from autobook.db.notify_urls import META_KEY, encrypt_urls
from autobook.db.secrets import rotate_all, stale_ciphertexts
from autobook.db.session import transaction
from autobook.db.tasks import create_task
from autobook.domain.taskspec import TaskCreate
from autobook.notify import NotifyEvent, notify, send_test
from autobook.runtime import Runtime
from autobook.sites.registry import site_info
from autobook.vault import Vault, generate_key

SECRET = "tok3n-Xq9"  # stands for a webhook token inside a URL's path


class Receiver:
    """A loopback HTTP server that keeps every POST; paths under /broken answer 500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API names it
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(
                    {"path": self.path, "type": self.headers.get("Content-Type"), "body": body}
                )
                self.send_response(500 if self.path.startswith("/broken") else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, scheme: str, path: str) -> str:
        return f"{scheme}://127.0.0.1:{self.port}/{path}"

    def at(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["path"].split("?")[0] == f"/{path}"]

    def message(self, path: str) -> dict[str, str]:
        """The one message delivered to `path`, as title/message/type, from JSON or a form."""
        (hit,) = self.at(path)
        if hit["type"].startswith("application/json"):
            return json.loads(hit["body"])
        return {k: v[0] for k, v in parse_qs(hit["body"].decode()).items()}


@pytest.fixture(scope="module")
def server() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def rx(server: Receiver) -> Receiver:
    server.received.clear()
    return server


def add_task(runtime: Runtime, notify_urls: list[str] | None = None) -> Task:
    spec = TaskCreate(
        site="better",
        venue="hendon-leisure-centre",
        activity="badminton-60min",
        target_date=date(2026, 4, 5),
        times=["7pm", "8pm"],
        payment_method="credit",
    )
    with transaction(runtime.sessions) as session:
        # a fixed day, for the texts
        task = create_task(session, spec, site_info=site_info, today=date(2026, 4, 1))
        task.notify_urls_enc = encrypt_urls(runtime.vault, notify_urls or [])
        session.flush()
        session.expunge(task)
    return task


def booking() -> Booking:
    return Booking(
        site="better",
        venue="hendon-leisure-centre",
        court="Court 3",
        price="£14.00",
        reference="BK-7781",
        starts_at=datetime(2026, 4, 5, 18, 0, tzinfo=UTC),  # 19:00 BST
    )


def set_page_urls(runtime: Runtime, urls: list[str]) -> None:
    """What the settings page stores: the URLs joined by newlines, encrypted."""
    with transaction(runtime.sessions) as session:
        session.merge(Meta(key=META_KEY, value=runtime.vault.encrypt("\n".join(urls))))


def test_send_test_delivers_json_and_form(rx: Receiver) -> None:
    result = send_test([rx.url("json", "hook-a"), rx.url("form", "hook-b")])
    assert result.ok and result.sent == 2, result.message
    for path in ("hook-a", "hook-b"):
        message = rx.message(path)
        assert message["title"] == "autobook: test notification"
        assert "notifications work" in message["message"]


def test_send_test_reports_each_bad_url_by_position_and_scheme_only(rx: Receiver) -> None:
    urls = ["nosuchscheme://x", rx.url("json", f"broken/{SECRET}"), rx.url("json", "hook-ok")]
    result = send_test(urls)
    assert not result.ok and result.sent == 1
    assert result.failures == [
        "URL 1 (nosuchscheme) is not a valid Apprise URL",
        "URL 2 (json) did not accept the message",
    ]
    assert SECRET not in result.message and str(rx.port) not in result.message
    assert len(rx.at("hook-ok")) == 1


def test_send_test_without_urls_says_so() -> None:
    result = send_test([])
    assert not result.ok and result.message == "no notification URLs are set"


def test_booked_reaches_global_page_and_task_urls_with_every_detail(
    runtime: Runtime, rx: Receiver
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"notify_urls": rx.url("json", "from-env"), "public_url": "https://ab.example"}
    )
    set_page_urls(runtime, [rx.url("form", "from-page")])
    task = add_task(runtime, [rx.url("json", "from-task"), rx.url("json", "from-env")])
    notify(runtime, NotifyEvent.BOOKED, task, booking())
    assert len(rx.received) == 3  # the URL listed twice got one message
    for path in ("from-env", "from-page", "from-task"):
        message = rx.message(path)
        assert message["title"] == "Booked: Hendon Leisure Centre, Sun 05 Apr 19:00"
        assert message["type"] == "success"
        body = message["message"]
        for part in (
            "Venue: Hendon Leisure Centre",  # the adapter's names, not the keys
            "Activity: Badminton 60 min",
            "Date: Sun 05 Apr 2026",
            "Time: 19:00",
            "Court: Court 3",
            "Price: £14.00",
            "Reference: BK-7781",
            f"Task: https://ab.example/tasks/{task.id}",
        ):
            assert part in body, (part, body)


@pytest.mark.parametrize(
    ("event", "title", "kind"),
    [
        (NotifyEvent.FAILED, "Booking failed", "failure"),
        (NotifyEvent.SNIPE_LOST, "Snipe lost", "warning"),
        (NotifyEvent.AUTH_ERROR, "Log-in refused", "failure"),
        (NotifyEvent.PAYMENT_NEEDS_PERSON, "Payment needs you", "warning"),
    ],
)
def test_other_events_carry_the_wishes_and_the_reason(
    runtime: Runtime, rx: Receiver, event: NotifyEvent, title: str, kind: str
) -> None:
    task = add_task(runtime, [rx.url("json", "hook")])
    notify(runtime, event, task, reason="the site said: session full (password=hunter2)")
    message = rx.message("hook")
    assert message["title"] == f"{title}: Hendon Leisure Centre, Sun 05 Apr 19:00, 20:00"
    assert message["type"] == kind
    body = message["message"]
    assert "Time: 19:00, 20:00" in body and "Reference: —" in body and "Court: —" in body
    assert "Reason: the site said: session full" in body
    assert "hunter2" not in body  # a reason is masked like a log line
    assert f"/tasks/{task.id}" in body


def test_a_failing_url_never_raises_and_is_logged_without_its_secret(
    runtime: Runtime, rx: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    task = add_task(runtime, ["bogus://nothing", rx.url("json", f"broken/{SECRET}")])
    with caplog.at_level(logging.DEBUG):
        notify(runtime, NotifyEvent.BOOKED, task, booking())
    assert len(rx.at(f"broken/{SECRET}")) == 1  # it was tried
    assert SECRET not in caplog.text
    assert "URL 2 (json) did not accept the message" in caplog.text
    with runtime.sessions() as session:
        (row,) = session.scalars(select(SystemLog).where(SystemLog.task_id == task.id))
    assert row.level == "WARN" and row.source == "Notify"
    assert "URL 1 (bogus) is not a valid Apprise URL" in row.message
    assert SECRET not in row.message


def test_no_urls_anywhere_sends_nothing(runtime: Runtime, rx: Receiver) -> None:
    notify(runtime, NotifyEvent.BOOKED, add_task(runtime), booking())
    assert rx.received == []


def test_key_rotation_keeps_the_settings_page_urls_readable(runtime: Runtime, rx: Receiver) -> None:
    set_page_urls(runtime, [rx.url("json", "after-rotation")])
    new_vault = Vault(generate_key())
    with transaction(runtime.sessions) as session:
        rotate_all(session, Vault(new_vault.key, [runtime.vault.key]))
        assert stale_ciphertexts(session, new_vault) == 0
    runtime.vault = new_vault  # the old key is gone, as after a finished rotation
    notify(runtime, NotifyEvent.SNIPE_LOST, add_task(runtime))
    assert len(rx.at("after-rotation")) == 1


def test_cli_notify_test_with_urls_on_stdin_and_from_the_settings(
    runtime: Runtime, rx: Receiver
) -> None:
    cli = Cli(runtime)
    result = cli.ok("notify", "test", "--stdin", input=rx.url("json", "cli-stdin") + "\n")
    assert "sent to 1 service(s)" in result.output
    assert len(rx.at("cli-stdin")) == 1
    set_page_urls(runtime, [rx.url("form", "cli-page")])
    cli.ok("notify", "test", AUTOBOOK_NOTIFY_URLS=rx.url("json", "cli-env"))
    assert len(rx.at("cli-env")) == 1 and len(rx.at("cli-page")) == 1


def test_cli_notify_test_fails_cleanly(runtime: Runtime, rx: Receiver) -> None:
    cli = Cli(runtime)
    error = cli.fails("notify", "test", "--stdin", input=rx.url("json", f"broken/{SECRET}"))
    assert error == "Error: URLS: URL 1 (json) did not accept the message"
    assert cli.fails("notify", "test").startswith("Error: URLS: none given, and none configured")
