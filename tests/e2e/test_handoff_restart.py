"""Booking sessions survive a restart: the service is killed (SIGKILL, no goodbye) while a
session is being watched; the next service takes it over once the dead one's lease runs out,
the person still pays on the handoff URL, and the outcome is detected and called back. A
session the dead service left mid-navigation ends failed with a clear error."""

from __future__ import annotations

import base64
import pickle
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from test_handoff_url import person_pays

from autobook.db import handoffs as repo
from autobook.db.models import HandoffCallback
from autobook.db.session import transaction
from autobook.domain.handoff import SessionState
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox, free_port
from engine_support import SQLITE_ONLY, sandbox_fixture, sim_events, sim_fixture
from handoff_support import (
    api_client,
    handoff_runtime,
    receiver,
    service,
    start_body,
    wait_for,
    wait_until,
)

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("clinic", "empty")
clinic = sim_fixture("clinic", seed="empty")
GOOD_CARD = "4111111111111111"


def delivered(rt: Runtime, sid: str) -> int:
    with transaction(rt.sessions) as session:
        rows = session.scalars(select(HandoffCallback).where(HandoffCallback.session_id == sid))
        return sum(row.delivered_at is not None for row in rows)


def serve_apart(rt: Runtime) -> tuple[subprocess.Popen[bytes], str]:
    """`serve` with its handoff service in a process of its own; its URL once it answers."""
    port = free_port("127.0.0.1")
    blob = base64.b64encode(pickle.dumps(rt.settings)).decode()
    script = Path(__file__).with_name("handoff_serve.py")
    process = subprocess.Popen([sys.executable, str(script), blob, str(port)])
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code < 500
        except httpx.HTTPError:
            return False

    wait_until(up)
    return process, url


def test_a_watched_session_is_watched_again_after_a_kill(
    runtime: Runtime, box: Sandbox, clinic: httpx.Client, browser: Browser
) -> None:
    rt = handoff_runtime(runtime, box)
    with receiver() as calls:
        process, url = serve_apart(rt)
        try:
            with api_client(rt, url) as api:
                body = start_body(f"{clinic.base_url}/book", callbackUrl=calls.url)
                sid = api.post("/api/v1/booking/start", json=body).json()["sessionId"]
                assert wait_for(api, sid, {"ready_for_handoff"})["state"] == "ready_for_handoff"
                handoff = api.get(f"/api/v1/booking/{sid}/handoff-url").json()
                wait_until(lambda: len(calls.events()) == 1)
                # Killed while monitoring, not between the receiver's answer and the record
                # of it: that delivery would be sent again once its claim ran out (60 s).
                wait_until(lambda: delivered(rt, sid) == 1)
        finally:
            process.kill()  # SIGKILL: no shutdown, the lease stays taken
            process.wait()

        with service(rt) as api:  # the service again, on the same database
            assert api.get(f"/api/v1/booking/{sid}/status").json()["state"] == "monitoring"
            person_pays(browser, handoff["handoffUrl"], GOOD_CARD)
            status = wait_for(api, sid, set())
            wait_until(lambda: len(calls.events()) == 2)

    assert (status["state"], status["outcome"]) == ("completed", "success"), status
    [booked] = sim_events(str(clinic.base_url), "booking")
    assert status["confirmationDetails"]["confirmationNumber"] == booked["reference"]
    assert [e for e, _ in calls.events()] == ["ready_for_handoff", "completed"]
    assert calls.verified()


def test_a_session_left_mid_navigation_ends_failed_saying_why(
    runtime: Runtime, box: Sandbox, clinic: httpx.Client
) -> None:
    """As a killed service leaves it: navigating, leased to a process that is gone."""
    rt = handoff_runtime(runtime, box)
    sid = str(uuid.uuid4())
    long_ago = datetime.now(UTC) - timedelta(minutes=1)
    with transaction(rt.sessions) as session:
        repo.create_session(session, session_id=sid, booking_url=f"{clinic.base_url}/book",
                            request=start_body(f"{clinic.base_url}/book", time="14:30"),
                            callback_url=None, url_ttl=timedelta(minutes=15))  # fmt: skip
        assert repo.transition(session, sid, SessionState.CREATED, SessionState.NAVIGATING,
                               lease_owner="dead-host:1:abc", lease_until=long_ago)  # fmt: skip
    with service(rt) as api:
        status = wait_for(api, sid, set())
    assert (status["state"], status["outcome"]) == ("failed", "error")
    assert "restarted" in status["error"] and "start again" in status["error"]
