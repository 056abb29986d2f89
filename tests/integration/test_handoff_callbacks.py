"""Callbacks of booking sessions (seed 004) to a real HTTP receiver on loopback: signed with
HMAC-SHA256 over the exact body, retried with a doubling wait while the receiver fails,
every attempt logged on the event's row, delivered once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from autobook.db import handoffs as repo
from autobook.db.models import HandoffCallback
from autobook.db.session import transaction
from autobook.handoff.callbacks import Deliveries, body_bytes, signature
from autobook.runtime import Runtime
from engine_support import clinic_thursday
from handoff_support import SECRET, receiver, service, wait_until

CLINIC = "http://clinic.example:8080/book"


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    runtime.settings = runtime.settings.model_copy(update={
        "handoff_allowed_hosts": urlsplit(CLINIC).netloc, "handoff_callback_secret": SECRET,
        "handoff_callback_retry_s": 0.2})  # fmt: skip
    return runtime


def a_session(rt: Runtime, callback_url: str) -> str:
    request = {"bookingUrl": CLINIC, "date": clinic_thursday().isoformat(), "time": "14:30",
               "lead": {"firstName": "J", "lastName": "D", "phone": "+447700900123",
                        "email": "j@example.com"}}  # fmt: skip
    with transaction(rt.sessions) as session:
        # Leased to a live process elsewhere: this test's service must not drive it.
        row = repo.create_session(session, session_id="0" * 8 + "-0000-0000-0000-" + "1" * 12,
                                  booking_url=CLINIC, request=request, callback_url=callback_url,
                                  url_ttl=timedelta(minutes=15))  # fmt: skip
        row.state, row.lease_owner = "monitoring", "elsewhere"
        row.lease_until = datetime.now(UTC) + timedelta(hours=1)
        return row.id


def test_a_failing_receiver_gets_the_event_again_until_it_answers(rt: Runtime) -> None:
    with receiver(fail_first=2) as calls, service(rt) as api:
        sid = a_session(rt, calls.url)
        assert api.delete(f"/api/v1/booking/{sid}").status_code == 200
        wait_until(lambda: len(calls.events()) == 1)

    assert [p["ok"] for p in calls.posts] == [False, False, True]
    assert len({p["body"]["eventId"] for p in calls.posts}) == 1  # one event, sent 3 times
    assert calls.verified()
    body = calls.posts[-1]["body"]
    assert (body["event"], body["state"], body["outcome"]) == ("cancelled",) * 3
    assert calls.posts[-1]["event_id"] == body["eventId"]
    with transaction(rt.sessions) as session:
        [event] = session.scalars(select(HandoffCallback)).all()
        assert event.attempts == 3 and event.delivered_at is not None
        assert event.next_attempt_at is None
        assert [entry["status"] for entry in event.log] == [500, 500, 200]


def test_retries_double_and_span_at_least_ten_minutes(rt: Runtime) -> None:
    rt.settings = rt.settings.model_copy(update={"handoff_callback_retry_s": 30})
    deliveries = Deliveries(rt)
    created = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    row = HandoffCallback(created_at=created, attempts=0)
    now, waits = created, []
    while True:
        row.attempts += 1
        nxt = deliveries._retry_at(row, now)
        if nxt is None:
            break
        waits.append((nxt - now).total_seconds())
        now = nxt
    assert waits[:4] == [30, 60, 120, 240]
    assert now - created >= timedelta(minutes=10)  # tried for at least ten minutes
    asyncio.run(deliveries.close())


def test_the_signature_is_over_the_exact_bytes() -> None:
    body = {"b": 1, "a": "é"}
    raw = body_bytes(body)
    assert raw == b'{"a":"\\u00e9","b":1}'  # compact, sorted, ASCII: easy to reproduce
    assert signature("k", raw) != signature("k", body_bytes({"a": "é", "b": 2}))
    assert signature("k", raw).startswith("sha256=") and len(signature("k", raw)) == 71
