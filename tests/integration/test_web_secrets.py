"""Secrets never come back: an account with a known password and a card with a known number and
CVV go in through the API, then no API answer (create, list, get, update, errors), no HTML page
and no log line contains any of those plaintexts."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_web_helpers import make_token, setup_admin, sign_out

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.web.app import create_app

PASSWORD = "Tr0ub4dor&3-site-secret"
NEW_PASSWORD = "correct-horse-2-site-secret"
CARD_NUMBER = "4000056655665556"
CVV = "7391"
SECRETS = [PASSWORD, NEW_PASSWORD, CARD_NUMBER, CVV]

ACCOUNT = {"site": "estelle", "display_name": "Sam", "login": "sam@example.com",
           "password": PASSWORD}  # fmt: skip
CARD = {"alias": "Debit", "cardholder_name": "Sam Smith", "card_number": CARD_NUMBER,
        "expiry_month": "12", "expiry_year": "2032", "cvv": CVV, "store_cvv": True}  # fmt: skip


def _leaks(text: str) -> list[str]:
    """Each secret as a whole token (digits not inside a longer run, so a timestamp's
    microseconds never count), plus the card number in any common grouping."""
    found = [s for s in SECRETS if re.search(rf"(?<![0-9]){re.escape(s)}(?![0-9])", text)]
    grouped = " ".join(CARD_NUMBER[i : i + 4] for i in range(0, 16, 4))
    found += [g for g in (grouped, grouped.replace(" ", "-"), CARD_NUMBER[:12]) if g in text]
    return found


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime=runtime)) as c:
        assert setup_admin(c).status_code == 303
        c.headers["Authorization"] = f"Bearer {make_token(runtime)}"
        yield c


def _api_answers(c: TestClient) -> list[tuple[str, str]]:
    """Every kind of API answer that could carry a secret, as (what, body)."""
    account = c.post("/api/v1/accounts", json=ACCOUNT)
    assert account.status_code == 201
    aid = account.json()["id"]
    card = c.post("/api/v1/payment-profiles", json={**CARD, "account_id": aid})
    assert card.status_code == 201 and card.json()["has_cvv"] is True
    pid = card.json()["id"]
    answers = [
        account,
        card,
        c.post("/api/v1/accounts", json=ACCOUNT),  # 409 duplicate
        c.post("/api/v1/accounts", json={**ACCOUNT, "daily_limit": "x"}),  # 422
        c.post("/api/v1/accounts", json={**ACCOUNT, "password": 5}),  # 422 on the password
        c.patch(f"/api/v1/accounts/{aid}", json={"password": NEW_PASSWORD}),
        c.patch(f"/api/v1/accounts/{aid}", json={"password": NEW_PASSWORD, "login": "x"}),
        c.get("/api/v1/accounts"),
        c.get(f"/api/v1/accounts/{aid}"),
        c.post("/api/v1/payment-profiles", json={**CARD, "store_cvv": False}),  # CVV opt-in
        c.post("/api/v1/payment-profiles", json={**CARD, "expiry_month": "13"}),
        c.post("/api/v1/payment-profiles", json={**CARD, "cvv": CVV + "x"}),
        c.post("/api/v1/payment-profiles", json={**CARD, "card_number": CARD_NUMBER + "x"}),
        c.post("/api/v1/payment-profiles", json={**CARD, "account_id": 999_999}),
        c.get("/api/v1/payment-profiles"),
        c.get(f"/api/v1/payment-profiles/{pid}"),
        c.get("/api/v1/tokens"),
        c.get("/openapi.json"),
        c.get("/health"),
    ]
    assert [a.status_code for a in answers[2:7]] == [409, 422, 422, 200, 422]
    assert [a.status_code for a in answers[9:14]] == [422] * 5
    return [(f"{a.request.method} {a.request.url.path} → {a.status_code}", a.text) for a in answers]


def _pages(c: TestClient) -> list[tuple[str, str]]:
    pages = [c.get(path) for path in ("/", "/no-such-page", "/docs")]
    sign_out(c)
    pages += [c.get("/login"), c.get("/setup")]
    assert pages[0].status_code == 200 and "Sign out" in pages[0].text
    return [(f"page {p.request.url.path}", p.text) for p in pages]


def test_no_secret_in_any_answer_page_or_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answers = _api_answers(client) + _pages(client)
    assert len(answers) == 24
    leaks = {what: found for what, body in answers if (found := _leaks(body))}
    assert leaks == {}
    assert _leaks(caplog.text) == []
    # The check itself can see a secret when there is one.
    assert _leaks(f'{{"cvv":"{CVV}","n":"{CARD_NUMBER[:4]} {CARD_NUMBER[4:8]}"}}') == [CVV]
    assert _leaks("created_at 2026-01-01T10:00:00.173912Z") == []
