"""The outbox sent by the worker's chores: to a real SMTP server (aiosmtpd) on loopback, with
the seed's subjects and the .ics attached; a mail server that is down costs a retry, not a
booking; Resend at its HTTP boundary; the admin alert to the Apprise URLs."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appointments_support import (
    Mailbox,
    book,
    day_after,
    outbox,
    set_up_page,
    slot_values,
    use_smtp,
)
from autobook.appointments.mailer import send_due_mails
from autobook.db.appointments import SETTINGS_ID
from autobook.db.models import AppointmentSettings, Meta
from autobook.db.notify_urls import META_KEY, encrypt_urls
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app
from autobook.worker.loop import Worker

RESEND_KEY = "re_test_Secr3tKey"


class FakeHttp:
    """A loopback HTTP server keeping each POST (path, auth header, JSON), answering `status`;
    a GET gets `get_body`."""

    def __init__(self, get_body: bytes = b"") -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # serves `get_body` (an ICS feed)
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(get_body)))
                self.end_headers()
                self.wfile.write(get_body)

            def do_POST(self) -> None:  # the http.server API names it
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.received.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"),
                     "json": json.loads(body or b"{}")}
                )  # fmt: skip
                payload = b'{"id": "4ef9a417-02e9-4d39-ad75-9611e0fcc33c"}'
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def fake_http() -> Iterator[FakeHttp]:
    fake = FakeHttp()
    yield fake
    fake.server.shutdown()


def _book(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        type_id = set_up_page(runtime)
        book(client, type_id, slot_values(client, type_id, day_after(2))[1], notes="Ring twice")


def test_confirmation_and_alert_reach_the_smtp_server(runtime: Runtime) -> None:
    _book(runtime)
    with Mailbox() as box:
        use_smtp(runtime, box.port)
        assert send_due_mails(runtime) == (3, 0)  # guest, admin, Apprise (none set: done)
    guest = box.to("ada@example.test")[0]
    assert str(guest["Subject"]).startswith("Your Property showing is confirmed — ")
    assert str(guest["From"]) == "Sam Owner <sam@example.test>"
    (ics,) = [p for p in guest.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "invite.ics" and "BEGIN:VEVENT" in ics.get_content()
    assert "/book/manage/" in guest.get_body(("plain",)).get_content()
    admin = box.to("owner@example.test")[0]
    assert str(admin["Subject"]).startswith("New booking: Ada Guest — Property showing on ")
    assert "Ring twice" in admin.get_body(("plain",)).get_content()
    assert {m.status for m in outbox(runtime)} == {"sent"}


def test_a_mail_server_that_is_down_costs_a_retry(runtime: Runtime) -> None:
    _book(runtime)
    with Mailbox() as box:
        port = box.port
    use_smtp(runtime, port)  # nobody listens there now
    now = datetime.now(UTC)
    sent, failed = send_due_mails(runtime, now=now)
    assert (sent, failed) == (1, 2)  # the Apprise row has no URLs: done; both mails wait
    waiting = [m for m in outbox(runtime) if m.status == "pending"]
    assert len(waiting) == 2 and all(m.attempts == 1 and m.next_try_at > now for m in waiting)
    assert all("Error" in (m.last_error or "") for m in waiting)
    assert send_due_mails(runtime, now=now) == (0, 0)  # not due yet
    with Mailbox() as box:
        use_smtp(runtime, box.port)
        assert send_due_mails(runtime, now=now + timedelta(minutes=2)) == (2, 0)
    assert len(box.messages) == 2


def test_resend_gets_its_documented_request(runtime: Runtime, fake_http: FakeHttp) -> None:
    _book(runtime)
    runtime.settings = runtime.settings.model_copy(update={"resend_url": fake_http.url})
    with transaction(runtime.sessions) as session:
        settings = session.get(AppointmentSettings, SETTINGS_ID)
        assert settings is not None
        settings.mail_transport = "resend"
        settings.resend_api_key_enc = runtime.vault.encrypt(RESEND_KEY)
    fake_http.status = 500
    assert send_due_mails(runtime) == (1, 2)
    assert all(RESEND_KEY not in (m.last_error or "") for m in outbox(runtime))
    fake_http.status, fake_http.received = 200, []
    assert send_due_mails(runtime, now=datetime.now(UTC) + timedelta(minutes=2)) == (2, 0)
    guest = next(r for r in fake_http.received if r["json"]["to"] == ["ada@example.test"])
    assert guest["path"] == "/emails" and guest["auth"] == f"Bearer {RESEND_KEY}"
    assert guest["json"]["subject"].startswith("Your Property showing is confirmed")
    assert guest["json"]["attachments"][0]["filename"] == "invite.ics"


def test_admin_alert_also_goes_to_the_apprise_urls(runtime: Runtime, fake_http: FakeHttp) -> None:
    _book(runtime)
    with transaction(runtime.sessions) as session:
        urls = [f"json://{fake_http.url.removeprefix('http://')}/hook"]
        session.add(Meta(key=META_KEY, value=encrypt_urls(runtime.vault, urls)))
    send_due_mails(runtime)  # mail not set up: the two mails wait, the Apprise one goes
    (hit,) = fake_http.received
    assert hit["json"]["title"].startswith("New booking: Ada Guest — Property showing on ")
    assert [m.kind for m in outbox(runtime) if m.status == "sent"] == ["admin_apprise"]


def test_the_worker_sends_the_outbox_beside_its_booking_loop(runtime: Runtime) -> None:
    _book(runtime)
    with Mailbox() as box:
        use_smtp(runtime, box.port)

        async def run_worker_until_mail() -> None:
            stop = asyncio.Event()
            running = asyncio.create_task(Worker(runtime, poll_s=0.2).run(stop))
            for _ in range(300):  # the chores' first pass comes at the worker's start
                if len(box.messages) >= 2:
                    break
                await asyncio.sleep(0.05)
            stop.set()
            await running

        asyncio.run(run_worker_until_mail())
    assert sorted(str(m["To"]) for m in box.messages) == ["ada@example.test", "owner@example.test"]
