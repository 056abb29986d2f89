"""Helpers for the booking-session (seed 004) tests: the app with its handoff service served on
loopback, a real HTTP server that receives callbacks, and waiting for a session's state."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from playwright.sync_api import Page

from autobook.db.auth import create_token
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox, ServerThread
from autobook.web.app import create_app
from engine_support import clinic_thursday

SECRET = "callback-secret-for-tests"
POLL_S = 0.2
# A bound so a broken run ends, never an assertion on speed: a loaded 2-core run has taken
# over 30 s for a queued session to end.
PATIENCE_S = 90.0
FINAL = {"completed", "failed", "abandoned", "cancelled"}
Find = Callable[[Any], Any]  # the held page → a locator on it


def handoff_runtime(runtime: Runtime, box: Sandbox, **settings: Any) -> Runtime:
    """The test's runtime allowed to browse the clinic simulator, polling fast."""
    hosts = ",".join(urlsplit(box.url("clinic", o)).netloc for o in ("web", "moxie"))
    values = {"handoff_allowed_hosts": hosts, "handoff_callback_secret": SECRET,
              "handoff_poll_s": 0.3, "human_typing_ms": 0, "handoff_callback_retry_s": 0.5,
              "clinic_url": None, **settings}  # fmt: skip
    runtime.settings = runtime.settings.model_copy(update=values)
    return runtime


@contextmanager
def service(runtime: Runtime) -> Iterator[httpx.Client]:
    """The app with its handoff service on loopback; an API client with a bearer token."""
    with served(runtime) as (client, _app):
        yield client


@contextmanager
def served(runtime: Runtime) -> Iterator[tuple[httpx.Client, FastAPI]]:
    """`service`, with the app (its `state.handoffs` is the running handoff service)."""
    app = create_app(runtime.settings, runtime=runtime, handoffs=True)
    thread = ServerThread(app)
    # Links the API hands out (a live handoff's page) point at this server.
    runtime.settings = runtime.settings.model_copy(update={"public_url": thread.url})
    thread.start()
    try:
        with api_client(runtime, thread.url) as client:
            yield client, app
    finally:
        thread.stop()


def api_client(runtime: Runtime, url: str) -> httpx.Client:
    with transaction(runtime.sessions) as session:
        token = create_token(session, name="handoff tests")[1]
    return httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})


@dataclass
class Receiver:
    """A callback receiver: every POST with its headers, answered 200 (or `fail_first` 500s)."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    fail_first: int = 0

    def events(self) -> list[tuple[str, str]]:
        return [(p["body"]["event"], p["body"]["eventId"]) for p in self.posts if p["ok"]]

    def verified(self) -> bool:
        return all(
            p["signature"] == "sha256=" + hmac.new(SECRET.encode(), p["raw"],
                                                   hashlib.sha256).hexdigest()
            for p in self.posts
        )  # fmt: skip


@contextmanager
def receiver(fail_first: int = 0) -> Iterator[Receiver]:
    got = Receiver(fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            ok = got.fail_first <= 0
            got.fail_first -= 1
            got.posts.append({"raw": raw, "body": json.loads(raw), "ok": ok,
                              "signature": self.headers.get("X-Autobook-Signature"),
                              "event_id": self.headers.get("X-Autobook-Event-Id")})  # fmt: skip
            self.send_response(200 if ok else 500)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    got.url = f"http://127.0.0.1:{server.server_address[1]}/callbacks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()


def start_body(booking_url: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bookingUrl": booking_url, "date": clinic_thursday().isoformat(), "time": "2:30pm",
        "lead": {"firstName": "Jane", "lastName": "Doe", "phone": "+447700900123",
                 "email": "jane@example.com", "notes": "First time patient"},
        "service": "Botox", "provider": "Alex",
    }  # fmt: skip
    body.update(changes)
    return body


def wait_for(api: httpx.Client, session_id: str, states: set[str]) -> dict[str, Any]:
    """Poll the status until the session is in one of `states` (or has ended)."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        status = api.get(f"/api/v1/booking/{session_id}/status").json()
        if status["state"] in states or status["state"] in FINAL:
            return status
        assert time.monotonic() < deadline, f"session stuck in {status['state']}"
        time.sleep(POLL_S)


def wait_until(check: Any) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not check():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(POLL_S)


def held_box(app: FastAPI, session_id: str, find: Find) -> dict[str, float]:
    """Where the held tab shows the field (what the person sees in the picture)."""
    service = app.state.handoffs
    page = service.live[session_id]
    loop = service.running[session_id].get_loop()
    return asyncio.run_coroutine_threadsafe(find(page).first.bounding_box(), loop).result(15)


def tap_on_picture(person: Page, app: FastAPI, session_id: str, find: Find) -> None:
    """Scroll the held tab (by the person's wheel) until the field shows, then tap it."""
    for _ in range(12):
        where = held_box(app, session_id, find)
        if where["y"] >= 0 and where["y"] + where["height"] < 800:
            break
        screen = person.locator("#screen").bounding_box()
        assert screen is not None
        # On the picture where the person's own page has scrolled it to.
        person.mouse.move(screen["x"] + 50, max(screen["y"], 0) + 50)
        person.mouse.wheel(0, 250 if where["y"] > 0 else -250)
        person.wait_for_timeout(300)
    picture = person.locator("#screen")
    scale = picture.evaluate("img => img.clientWidth / img.naturalWidth")
    picture.click(position={"x": (where["x"] + where["width"] / 2) * scale,
                            "y": (where["y"] + where["height"] / 2) * scale})  # fmt: skip
