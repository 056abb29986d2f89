"""No secret in any page: a site password, a card number and CVV, a notification URL's token
and an API token go in through the settings forms; then every page, partial, filtered list,
error page and form answer is searched for them (the token's own one-time answer aside)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import add_attempt, add_booking, future_day, post, signed_in

from autobook.config import Settings
from autobook.runtime import Runtime

PASSWORD = "Tr0ub4dor&3-page-secret"
CARD = "4000056655665556"
CVV = "7391"
HOOK_TOKEN = "hook-token-9f8e7d"


def _leaks(text: str, token: str) -> list[str]:
    secrets = [PASSWORD, CVV, HOOK_TOKEN, token, CARD, CARD[:12]]
    found = [s for s in secrets if re.search(rf"(?<![0-9A-Za-z]){re.escape(s)}", text)]
    grouped = " ".join(CARD[i : i + 4] for i in range(0, 16, 4))
    return found + [g for g in (grouped, grouped.replace(" ", "-")) if g in text]


def _fill_in(client: TestClient) -> str:
    """Everything secret, typed into the real forms; returns the API token shown once."""
    account = {"site": "gym", "display_name": "Sam", "login": "sam@example.com",
               "password": PASSWORD}  # fmt: skip
    assert post(client, "/settings/accounts", account).status_code == 303
    card = {"alias": "Debit", "cardholder_name": "Sam S", "card_number": CARD,
            "expiry_month": "12", "expiry_year": "2031", "cvv": CVV, "store_cvv": "1"}  # fmt: skip
    assert post(client, "/settings/payments", card).status_code == 303
    urls = f"json://127.0.0.1:9/hook?token={HOOK_TOKEN}"
    assert post(client, "/settings/notifications", {"notify_urls": urls}).status_code == 303
    created = post(client, "/settings/tokens", {"name": "ci"})
    token = re.search(r'data-testid="new-token">(abk_[^<]+)<', created.text)
    assert token is not None
    return token.group(1)


def _answers(client: TestClient, runtime: Runtime) -> list[tuple[str, str]]:
    task = {"site": "gym", "venue": "X1", "sub_location": "A", "activity": "gym-60min",
            "target_date": future_day().isoformat(), "times": ["07:00"], "account_ids": ["1"],
            "payment_method": "benefit", "payment_profile_id": "1"}  # fmt: skip
    assert post(client, "/tasks/new", task).status_code == 303
    add_attempt(runtime, 1, shot="shot.png")
    add_booking(runtime, task_id=1, account_id=1)
    responses = [client.get(p) for p in (
        "/", "/dashboard/live", "/tasks/new", "/tasks/new/fields?site=gym", "/tasks/1",
        "/bookings", "/bookings?account=1", "/logs", "/logs/tail", "/import", "/settings",
        "/settings?ok=account", "/no-such-page", "/tasks/999",
    )]  # fmt: skip
    responses += [
        post(client, "/settings/accounts", {"site": "gym", "display_name": "Sam",
                                            "login": "sam@example.com", "password": PASSWORD}),
        post(client, "/settings/payments", {"alias": "x", "cardholder_name": "y",
                                            "card_number": CARD, "expiry_month": "13",
                                            "expiry_year": "2031", "cvv": CVV}),
        post(client, "/settings/notifications", {"notify_urls": f"bad {HOOK_TOKEN}"}),
        post(client, "/tasks/new", {**task, "times": ["99:99"]}),
    ]  # fmt: skip
    assert [r.status_code for r in responses[-4:]] == [422] * 4
    return [(f"{r.request.method} {r.request.url.path}", r.text) for r in responses]


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


def test_no_secret_in_any_page(client: TestClient, runtime: Runtime) -> None:
    token = _fill_in(client)
    pages = _answers(client, runtime)
    assert len(pages) == 18
    leaks = {what: found for what, body in pages if (found := _leaks(body, token))}
    assert leaks == {}
    # The check can see each secret when it is there.
    assert _leaks(f"{PASSWORD} {CVV} x{CARD[:4]} {CARD[4:8]}", token) == [PASSWORD, CVV]
    assert _leaks(f"?token={HOOK_TOKEN} {token}", token) == [HOOK_TOKEN, token]
