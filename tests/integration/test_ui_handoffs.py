"""The Handoffs pages on a real database: the list of booking sessions (with its htmx live
partial) and one session's page with its timeline, outcome and confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import add_task, set_status, signed_in

from autobook.config import Settings
from autobook.db import handoffs as repo
from autobook.db.session import transaction
from autobook.domain.handoff import SessionOutcome, SessionState
from autobook.handoff.moves import advance
from autobook.runtime import Runtime

SID = "12345678-0000-4000-8000-000000000001"


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


@pytest.fixture
def completed(runtime: Runtime) -> str:
    request = {"bookingUrl": "https://clinic.example/book", "date": "2030-06-13",
               "time": "14:30", "service": "Botox",
               "lead": {"firstName": "J", "lastName": "D", "phone": "+447700900123",
                        "email": "j@example.com"}}  # fmt: skip
    with transaction(runtime.sessions) as session:
        repo.create_session(session, session_id=SID, booking_url=request["bookingUrl"],
                            request=request, callback_url=None,
                            url_ttl=timedelta(minutes=15))  # fmt: skip
        for expected, target in ((SessionState.CREATED, SessionState.NAVIGATING),
                                 (SessionState.NAVIGATING, SessionState.READY_FOR_HANDOFF),
                                 (SessionState.READY_FOR_HANDOFF, SessionState.MONITORING)):
            assert advance(session, SID, target, expected=expected)  # fmt: skip
        assert advance(session, SID, SessionState.COMPLETED, outcome=SessionOutcome.SUCCESS.value,
                       confirmation={"confirmationNumber": "MX-7K2P9Q", "service": "Botox",
                                     "provider": "Brandi Lopez",
                                     "appointmentTime": "2030-06-13T14:30:00+01:00"})  # fmt: skip
    return SID


def test_the_list_shows_each_session_with_its_state(client: TestClient, completed: str) -> None:
    page = client.get("/handoffs")
    assert page.status_code == 200 and 'aria-current="page">Handoffs' in page.text
    assert f'data-session-id="{completed}"' in page.text and "completed" in page.text
    live = client.get("/handoffs/live")
    assert live.status_code == 200 and 'hx-get="/handoffs/live"' in live.text
    assert "<html" not in live.text  # a partial for the poll


def test_a_session_page_has_the_timeline_and_the_outcome(
    client: TestClient, completed: str
) -> None:
    page = client.get(f"/handoffs/{completed}")
    assert page.status_code == 200
    text = page.text
    assert "MX-7K2P9Q" in text and "Brandi Lopez" in text and "success" in text
    states = ["created", "navigating", "ready_for_handoff", "monitoring", "completed"]
    timeline = text[text.index('data-testid="handoff-timeline"'):]
    assert [s for s in states if s in timeline] == states
    assert "hx-get" not in text[text.index('id="handoff-live"'):][:200]  # ended: no poll


def test_unknown_or_malformed_ids(client: TestClient) -> None:
    assert client.get("/handoffs/12345678-0000-4000-8000-00000000ffff").status_code == 404
    assert client.get("/handoffs/not-an-id").status_code in (404, 422)


def test_a_task_awaiting_payment_shows_its_session_and_the_open_link(
    client: TestClient, runtime: Runtime
) -> None:
    task = add_task(runtime)
    set_status(runtime, task, "awaiting_payment")
    sid = "12345678-0000-4000-8000-000000000002"
    with transaction(runtime.sessions) as session:
        row = repo.create_session(session, session_id=sid, booking_url="https://c.example/book",
                                  request={}, callback_url=None, task_id=task,
                                  url_ttl=timedelta(minutes=15))  # fmt: skip
        row.state, row.mode = "monitoring", "url"
        row.handoff_url_enc = runtime.vault.encrypt("https://c.example/book/s/abc/step/5")
    answer = client.get(f"/tasks/{task}")
    page = answer.text
    assert answer.status_code == 200
    assert "waiting for a person to pay" in client.get("/").text  # the dashboard's line
    handoff = page[page.index('data-testid="task-handoff"'):]
    assert f'href="/handoffs/{sid}"' in handoff and "monitoring" in handoff
    assert 'hx-get="/tasks/' in page  # watched live while the person may pay
    session_page = client.get(f"/handoffs/{sid}").text
    assert "https://c.example/book/s/abc/step/5" in session_page  # to send the person again
