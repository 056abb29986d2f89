"""No API answer ever carries a secret, on SQLite and PostgreSQL. Known secrets go in — a site
password, a card number and CVV, the API token itself, notification URLs with a webhook token
(saved globally and on a task) — and worker-written text quotes some of them (as a careless
site error might). Then every GET route the schema lists, and the writes of the task, booking,
import and notification endpoints (successes and errors), are searched for the plaintexts."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from api_support import FUTURE, add_attempt, add_booking, api_client
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update

from autobook.config import Settings
from autobook.db.handoffs import create_session
from autobook.db.models import Attempt, AttemptStep, Booking, Task
from autobook.db.notify_urls import write_notify_urls
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.domain.handoff import SessionState
from autobook.runtime import Runtime

PASSWORD = "Pl8ypus-site-secret"
CARD_NUMBER = "5555555555554444"
CVV = "8316"
NOTIFY_TOKEN = "wh00k-t0ken-93be1"
# Paying by card (the card is one of the secrets): a Better task, as the gym takes benefit only.
BETTER = {"site": "better", "venue": "hendon-leisure-centre", "activity": "badminton-60min"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NOTIFY_URL = f"json://bot:{NOTIFY_TOKEN}@127.0.0.1:{_closed_port()}/{NOTIFY_TOKEN}"

SESSION_ID = "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"  # the API wants a UUID's length


def _leaks(text: str, secrets: list[str]) -> list[str]:
    """Each secret as a whole token (a digit run inside a longer one, like a timestamp's
    microseconds, does not count), and the card number in any common grouping."""
    found = [s for s in secrets if re.search(rf"(?<![0-9]){re.escape(s)}(?![0-9])", text)]
    grouped = " ".join(CARD_NUMBER[i : i + 4] for i in range(0, 16, 4))
    return found + [g for g in (grouped, grouped.replace(" ", "-"), CARD_NUMBER[:12]) if g in text]


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with api_client(settings, runtime) as client:
        yield client


def _seed(api: TestClient, runtime: Runtime) -> dict[str, Any]:
    """Secrets in through the API and the stores; worker-written text that quotes them."""
    account = {"site": "better", "display_name": "Sam", "login": "sam@example.com",
               "password": PASSWORD}  # fmt: skip
    aid = api.post("/api/v1/accounts", json=account).json()["id"]
    card = {"alias": "Debit", "cardholder_name": "Sam Smith", "card_number": CARD_NUMBER,
            "expiry_month": "12", "expiry_year": "2032", "cvv": CVV, "store_cvv": True}  # fmt: skip
    pid = api.post("/api/v1/payment-profiles", json=card).json()["id"]
    task = {**BETTER, "target_date": FUTURE.isoformat(), "times": ["7pm"], "account_ids": [aid],
            "payment_method": "card", "payment_profile_id": pid}  # fmt: skip
    tid = api.post("/api/v1/tasks", json=task).json()["id"]
    bid = add_booking(runtime, task_id=tid, account_id=aid, site="better", venue=BETTER["venue"])
    aid_attempt = add_attempt(runtime, tid, "declined", error=f"card={CARD_NUMBER} cvv={CVV}")
    with transaction(runtime.sessions) as session:
        write_notify_urls(session, runtime.vault, [NOTIFY_URL])
        session.execute(update(Task).where(Task.id == tid).values(
            error=f"site said: password={PASSWORD}",
            notify_urls_enc=runtime.vault.encrypt(NOTIFY_URL)))  # fmt: skip
        session.execute(update(Booking).where(Booking.id == bid).values(
            error_message=f"declined {CARD_NUMBER[:4]} {CARD_NUMBER[4:8]} "
                          f"{CARD_NUMBER[8:12]} {CARD_NUMBER[12:]}"))  # fmt: skip
        session.add(AttemptStep(attempt_id=aid_attempt, seq=2, name="pay", status="failed",
                                detail=f"typed cvv: {CVV} token={NOTIFY_TOKEN}"))  # fmt: skip
        write_log(session, level="ERROR", source="Worker", task_id=tid,
                  message=f"notify {NOTIFY_URL} failed; card {CARD_NUMBER}")  # fmt: skip
        assert session.get(Attempt, aid_attempt) is not None
        # a booking session waiting for its person (seed 004), for the /booking/{sessionId} GETs
        handoff = create_session(session, session_id=SESSION_ID, request={},
                                 booking_url="https://app.joinmoxie.com/booking/lumen",
                                 callback_url=None, url_ttl=timedelta(minutes=15))  # fmt: skip
        handoff.state = SessionState.READY_FOR_HANDOFF.value
        handoff.handoff_url_enc = runtime.vault.encrypt("https://app.joinmoxie.com/booking/pay")
    ids = {"account_id": aid, "profile_id": pid, "task_id": tid, "booking_id": bid,
           "site": "better", "sessionId": SESSION_ID}  # fmt: skip
    return ids


def _every_get(api: TestClient, ids: dict[str, Any]) -> list[Response]:
    paths = api.get("/openapi.json").json()["paths"]
    answers = []
    for path, operations in paths.items():
        if "get" in operations:
            url = path.format(**ids)
            answers.append(api.get(url))
            assert answers[-1].status_code == 200, (url, answers[-1].text)
    assert len(answers) >= 15, "the schema lists every GET route"
    return answers


def _writes(api: TestClient, ids: dict[str, Any]) -> list[Response]:
    tid, bid = ids["task_id"], ids["booking_id"]
    csv = f"Date,Time1,account\n{FUTURE},8pm,sam@example.com\n{FUTURE},nope,{PASSWORD}\n"
    files = {"file": ("t.csv", csv.encode(), "text/csv")}
    form = {**BETTER, "payment_method": "card", "payment_profile_id": str(ids["profile_id"])}
    return [
        api.patch(f"/api/v1/tasks/{tid}", json={"times": ["6am"]}),
        api.patch(f"/api/v1/tasks/{tid}", json={"venue": PASSWORD * 20}),  # 422
        api.post(f"/api/v1/tasks/{tid}/stop"),
        api.post(f"/api/v1/tasks/{tid}/resume"),
        # in autobook only: the booking's account is on the real Better host
        api.post(f"/api/v1/bookings/{bid}/cancel?on_site=false"),
        api.post("/api/v1/tasks/import", files=files, data=form),  # 422, a bad row
        api.post("/api/v1/tasks/import", files=files, data={**form, "all_or_nothing": "false"}),
        api.post("/api/v1/notifications/test"),  # the saved URL fails: named without it
        api.post("/api/v1/notifications/test", json={"urls": [NOTIFY_URL]}),
        api.post("/api/v1/notifications/test", json={"urls": [f"{NOTIFY_TOKEN} no scheme"]}),
        api.get("/api/v1/logs?source=" + PASSWORD[:5]),
        api.get(f"/api/v1/bookings?location={PASSWORD}"),
    ]


def test_no_api_answer_contains_a_secret(api: TestClient, runtime: Runtime) -> None:
    ids = _seed(api, runtime)
    token = api.headers["Authorization"].removeprefix("Bearer ")
    secrets = [PASSWORD, CARD_NUMBER, CVV, NOTIFY_TOKEN, token]
    detail = api.get(f"/api/v1/tasks/{ids['task_id']}").json()
    assert detail["error"] == "site said: password=[redacted]", "the text is still there, masked"
    answers = _every_get(api, ids) + _writes(api, ids)
    assert [a.status_code for a in answers[-12:]] == [200, 422, 200, 200, 200, 422, 201, 200,
                                                      200, 422, 200, 200]  # fmt: skip
    for answer in answers:
        assert _leaks(answer.text, secrets) == [], f"{answer.request.method} {answer.request.url}"
    # the checks can fail: the same search finds each secret where it is shown in full
    assert _leaks(f"{PASSWORD} {CVV} {token} {NOTIFY_URL} 5555 5555 5555 4444", secrets) == [
        PASSWORD, CVV, NOTIFY_TOKEN, token, "5555 5555 5555 4444"]  # fmt: skip
