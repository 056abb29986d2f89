"""Bad input to every web endpoint: wrong types, empty, huge, unknown fields, unknown and
malformed ids, injection strings. Each answer is a 4xx whose error names the field; nothing is
written; no secret or injected string comes back."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import shared_fixture  # noqa: F401 (the `shared` fixture)
from fastapi.testclient import TestClient
from test_web_helpers import make_token, row_counts

from autobook.config import Settings
from autobook.db.accounts import create_account, create_payment_profile
from autobook.db.models import SiteAccount
from autobook.db.session import transaction
from autobook.domain.accounts import AccountCreate, PaymentProfileCreate
from autobook.runtime import Runtime
from autobook.web.app import MAX_BODY_BYTES, create_app

SQLI = "'; DROP TABLE site_accounts; --"
XSS = "<script>alert(1)</script>"
ACCOUNT = {
    "site": "better",
    "display_name": "Alex",
    "login": "new@example.com",
    "password": "pw-never-shown-1",
}
CARD = {
    "alias": "Visa",
    "cardholder_name": "Alex Morgan",
    "card_number": "4111111111111111",
    "expiry_month": "07",
    "expiry_year": "31",
}
SECRET_KEYS = {"password", "card_number", "cvv"}
JSON_CT = {"content-type": "application/json"}
HUGE = b'{"site": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'


def _chunks() -> Iterator[bytes]:
    yield from (b"x" * 65536 for _ in range(MAX_BODY_BYTES // 65536 + 2))


def _case(method: str, path: str, field: str, status: int = 422, **request: Any) -> Any:
    return pytest.param(method, path, request, status, field, id=f"{method} {path} {field}")


def _body(path: str, field: str, value: Any, base: dict[str, Any], status: int = 422) -> Any:
    return pytest.param(
        "POST",
        path,
        {"json": {**base, field: value}},
        status,
        field,
        id=f"POST {path} {field}={str(value)[:30]!r}",
    )


BAD_IDS = [
    ("0", 422),
    ("-1", 422),
    ("abc", 422),
    ("1.5", 422),
    ("99999999999999999999", 422),
    ("1%3B%20DROP%20TABLE%20site_accounts", 422),
    ("%3Cscript%3E", 422),
    ("424242", 404),
]
ID_ROUTES = [
    ("GET", "/api/v1/accounts/{}", "account_id"),
    ("PATCH", "/api/v1/accounts/{}", "account_id"),
    ("DELETE", "/api/v1/accounts/{}", "account_id"),
    ("GET", "/api/v1/payment-profiles/{}", "profile_id"),
    ("DELETE", "/api/v1/payment-profiles/{}", "profile_id"),
    ("DELETE", "/api/v1/tokens/{}", "token_id"),
]

CASES = [
    # accounts: wrong types, empty, huge, unknown fields, injection strings
    *(
        _body("/api/v1/accounts", f, v, ACCOUNT)
        for f, v in [
            ("site", 123),
            ("site", SQLI),
            ("site", XSS),
            ("site", ""),
            ("display_name", []),
            ("display_name", ""),
            ("display_name", "x" * 10_000),
            ("login", "   "),
            ("login", "l" * 100_000),
            ("password", 12345678),
            ("password", ""),
            ("password", "p" * 5000),
            ("daily_limit", "lots"),
            ("daily_limit", 0),
            ("daily_limit", 10**20),
            ("phone", "call me"),
            ("phone", "+44 12"),
            ("phone", "1" * 16),
            ("phone", "0770-0900-123"),
            ("phone", "44+7700900123"),
            ("phone", "9" * 100),
            ("phone", 447700900123),
            ("phone", SQLI),
            ("phone", XSS),
            ("is_admin", True),
        ]
    ),
    _body("/api/v1/accounts", "login", "existing@example.com", {**ACCOUNT}, status=409),
    _case("POST", "/api/v1/accounts", "site", json={}),
    _case("POST", "/api/v1/accounts", "body", json=[]),
    _case("POST", "/api/v1/accounts", "body", json="a string"),
    _case("POST", "/api/v1/accounts", "body", content=b"", headers=JSON_CT),
    _case("POST", "/api/v1/accounts", "body", content=b"null", headers=JSON_CT),
    _case("POST", "/api/v1/accounts", "body", content=b'{"site": ', headers=JSON_CT),
    _case(
        "POST",
        "/api/v1/accounts",
        "body",
        content=json.dumps(ACCOUNT).encode(),
        headers={"content-type": "text/plain"},
    ),
    _case("POST", "/api/v1/accounts", "body", 413, content=HUGE, headers=JSON_CT),
    _case("POST", "/api/v1/accounts", "body", 413, content=_chunks, headers=JSON_CT),
    _case("GET", "/api/v1/accounts?site=%3Cscript%3E", "site"),
    _case("GET", "/api/v1/accounts?site=%27%20OR%201%3D1%20--", "site"),
    # account updates
    *(
        _case("PATCH", "/api/v1/accounts/{account}", f, json={f: v})
        for f, v in [
            ("password", ""),
            ("display_name", 5),
            ("display_name", "d" * 500),
            ("site", "gym"),
            ("daily_limit", -1),
            ("phone", "ring me"),
            ("phone", 7700900123),
            ("login", SQLI),
        ]
    ),
    _case("PATCH", "/api/v1/accounts/{account}", "body", json=[ACCOUNT]),
    _case("PATCH", "/api/v1/accounts/{account}", "body", 413, content=HUGE, headers=JSON_CT),
    # payment profiles
    *(
        _body("/api/v1/payment-profiles", f, v, CARD)
        for f, v in [
            ("card_number", "4111 1111 1111 1112"),
            ("card_number", XSS),
            ("card_number", SQLI),
            ("card_number", 4111111111111111),
            ("card_number", ""),
            ("card_number", "4" * 5000),
            ("card_number", "4111²111 1111 1111"),
            ("expiry_month", "13"),
            ("expiry_month", 12),
            ("expiry_month", SQLI),
            ("expiry_year", "2020"),
            ("expiry_year", "' OR 1=1 --"),
            ("store_cvv", "maybe"),
            ("account_id", 424242),
            ("account_id", "x"),
            ("account_id", 10**30),
            ("account_id", -5),
            ("alias", ""),
            ("alias", "a" * 1000),
            ("cardholder_name", None),
            ("postcode", "p" * 100),
            ("pan", "4111111111111111"),
        ]
    ),
    _body("/api/v1/payment-profiles", "cvv", "12a", {**CARD, "store_cvv": True}),
    _case("POST", "/api/v1/payment-profiles", "body", json={**CARD, "cvv": "987"}),  # no opt-in
    _case("POST", "/api/v1/payment-profiles", "card_number", json={}),
    _case("POST", "/api/v1/payment-profiles", "body", content=b"[1,", headers=JSON_CT),
    _case("POST", "/api/v1/payment-profiles", "body", 413, content=HUGE, headers=JSON_CT),
    # unknown and malformed ids on every route that takes one
    *(
        _case(m, p.format(i), f, s, json={"display_name": "New"} if m == "PATCH" else None)
        for m, p, f in ID_ROUTES
        for i, s in BAD_IDS
    ),
    # HTML forms: the CSRF check comes first
    _case("POST", "/login", "csrf_token", 403, data={"username": SQLI, "password": XSS}),
    _case("POST", "/setup", "csrf_token", 403, data={"username": XSS, "password": "x" * 20}),
    _case("POST", "/logout", "csrf_token", 403, data={"csrf_token": SQLI}),
    _case(
        "POST",
        "/login",
        "body",
        413,
        content=HUGE,
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
]


def _seed(runtime: Runtime) -> tuple[int, str]:
    """An account, a card and an API token: what the cases refer to."""
    with transaction(runtime.sessions) as session:
        existing = {**ACCOUNT, "login": "existing@example.com"}
        account = create_account(
            session, data=AccountCreate.model_validate(existing), vault=runtime.vault
        )
        create_payment_profile(
            session, data=PaymentProfileCreate.model_validate(CARD), vault=runtime.vault
        )
        account_id = account.id
    return account_id, make_token(runtime)


def _client(settings: Settings, runtime: Runtime) -> TestClient:
    app = create_app(settings, runtime=runtime)
    app.state.existing_account, token = _seed(runtime)
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """A fresh app, for the cases that write or change the app."""
    with _client(settings, runtime) as client:
        yield client


@pytest.fixture(scope="module")
def shared_client(shared: Runtime) -> Iterator[TestClient]:
    """One app for the whole table of bad input: no case writes anything (each one checks
    that), so a fresh app per case would only pay its start again."""
    with _client(shared.settings, shared) as client:
        yield client


@pytest.fixture
def bad_api(shared_client: TestClient, shared: Runtime) -> TestClient:
    """The shared app, with no cookies from the last case, and its rows back in place if a
    test using the `runtime` fixture emptied the tables in between (xdist may interleave)."""
    shared_client.cookies.clear()
    with transaction(shared.sessions) as session:
        present = session.get(SiteAccount, shared_client.app.state.existing_account)
    if present is None:
        shared_client.app.state.existing_account, token = _seed(shared)
        shared_client.headers["Authorization"] = f"Bearer {token}"
    return shared_client


def _fields(response: Any) -> list[str | None]:
    if response.headers["content-type"].startswith("application/json"):
        return [entry["field"] for entry in response.json()["detail"]]
    return [field for field in ("csrf_token", "body") if f'data-field="{field}"' in response.text]


def _must_not_echo(request: dict[str, Any]) -> list[str]:
    """The secret values and injected strings sent, which no answer may repeat."""
    body = request.get("json")
    values = [v for k, v in body.items() if k in SECRET_KEYS] if isinstance(body, dict) else []
    values += [v for v in (request.get("data") or {}).values()]
    values += [SQLI, XSS] if any(s in repr(request) for s in (SQLI, XSS)) else []
    return [v for v in values if isinstance(v, str) and len(v) >= 3]


@pytest.mark.parametrize(("method", "path", "request_kw", "status", "field"), CASES)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    bad_api: TestClient,
    shared: Runtime,
    method: str,
    path: str,
    request_kw: dict[str, Any],
    status: int,
    field: str,
) -> None:
    kwargs = {**request_kw}
    if callable(kwargs.get("content")):
        kwargs["content"] = kwargs["content"]()  # a generator: sent chunked, no Content-Length
    before = row_counts(shared)
    path = path.replace("{account}", str(bad_api.app.state.existing_account))
    response = bad_api.request(method, path, follow_redirects=False, **kwargs)
    assert response.status_code == status, response.text[:500]
    assert field in _fields(response), response.text[:500]
    for value in _must_not_echo(request_kw):
        assert value not in response.text
    assert row_counts(shared) == before


@pytest.mark.parametrize("value", [SQLI, XSS, "Robert'); DROP TABLE payment_profiles;--"])
def test_injection_strings_in_free_text_are_stored_verbatim(api: TestClient, value: str) -> None:
    created = api.post("/api/v1/accounts", json={**ACCOUNT, "display_name": value, "login": value})
    assert created.status_code == 201
    fetched = api.get(f"/api/v1/accounts/{created.json()['id']}").json()
    assert fetched["display_name"] == value and fetched["login"] == value
    assert len(api.get("/api/v1/accounts").json()) == 2  # the table is still there
    assert api.get("/api/v1/payment-profiles").status_code == 200


def test_unexpected_errors_are_a_generic_500_without_details(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> None:
        raise RuntimeError("card 4111111111111111 leaked")

    api.app.add_api_route("/api/v1/boom", boom)
    with caplog.at_level(logging.DEBUG):
        response = api.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json() == {
        "detail": [{"field": None, "message": "internal error; see the server log"}]
    }
    assert response.headers["x-frame-options"] == "DENY"
    assert "RuntimeError" in caplog.text and "4111111111111111" not in caplog.text
