"""The REST API on a real database: bearer tokens, accounts and payment profiles CRUD, token
listing and revocation, and the OpenAPI schema's promises (write-only secrets, CVV warning)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_web_helpers import make_token

from autobook.config import Settings
from autobook.db.auth import revoke_token
from autobook.db.models import SiteAccount
from autobook.db.session import transaction
from autobook.domain.accounts import CVV_WARNING
from autobook.runtime import Runtime
from autobook.web.app import create_app

ACCOUNT = {"site": "better", "display_name": "Alex", "login": "alex@example.com",
           "password": "site-pass-1"}  # fmt: skip
CARD = {
    "alias": "Visa",
    "cardholder_name": "Alex Morgan",
    "card_number": "4111 1111 1111 1111",
    "expiry_month": "7",
    "expiry_year": "2031",
}


@pytest.fixture
def anon(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime=runtime)) as c:
        yield c


@pytest.fixture
def api(anon: TestClient, runtime: Runtime) -> TestClient:
    anon.headers["Authorization"] = f"Bearer {make_token(runtime)}"
    return anon


def _created(api: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


BAD_AUTHORIZATIONS = [None, "", "Bearer", "Bearer ", "Bearer abk_not-a-real-token",
                      "Bearer nope", "Basic YWRtaW46YWRtaW4=", "abk_without_scheme",
                      "Bearer abk_" + "x" * 4000]  # fmt: skip
API_ROUTES = [("GET", "/api/v1/accounts"), ("POST", "/api/v1/accounts"),
              ("GET", "/api/v1/accounts/1"), ("PATCH", "/api/v1/accounts/1"),
              ("DELETE", "/api/v1/accounts/1"), ("GET", "/api/v1/payment-profiles"),
              ("POST", "/api/v1/payment-profiles"), ("GET", "/api/v1/payment-profiles/1"),
              ("DELETE", "/api/v1/payment-profiles/1"), ("GET", "/api/v1/tokens"),
              ("DELETE", "/api/v1/tokens/1")]  # fmt: skip
UNAUTHORIZED = {
    "detail": [
        {
            "field": "authorization",
            "message": "send a valid API token as `Authorization: Bearer abk_…`",
        }
    ]
}


def test_every_api_route_needs_a_valid_bearer_token(anon: TestClient) -> None:
    for method, path in API_ROUTES:
        for authorization in BAD_AUTHORIZATIONS:
            headers = {"Authorization": authorization} if authorization is not None else {}
            body = ACCOUNT if method in ("POST", "PATCH") else None
            response = anon.request(method, path, headers=headers, json=body)
            case = (method, path, (authorization or "")[:30])
            assert response.status_code == 401, case
            assert response.headers["www-authenticate"] == "Bearer", case
            assert response.json() == UNAUTHORIZED, case


def test_revoked_token_is_refused(api: TestClient, runtime: Runtime) -> None:
    assert api.get("/api/v1/accounts").status_code == 200
    token_id = api.get("/api/v1/tokens").json()[0]["id"]
    with transaction(runtime.sessions) as session:
        assert revoke_token(session, token_id)
    assert api.get("/api/v1/accounts").status_code == 401


def test_accounts_crud(api: TestClient, runtime: Runtime) -> None:
    created = _created(api, "/api/v1/accounts", ACCOUNT)
    assert set(created) == {"id", "site", "display_name", "login", "phone", "daily_limit",
                            "has_session", "needs_login", "created_at", "updated_at"}  # fmt: skip
    assert created["has_session"] is False and created["needs_login"] is False
    assert created["phone"] is None
    gym = _created(api, "/api/v1/accounts", {**ACCOUNT, "site": "gym", "daily_limit": 2})
    account_id = created["id"]

    assert [a["id"] for a in api.get("/api/v1/accounts").json()] == [account_id, gym["id"]]
    assert [a["id"] for a in api.get("/api/v1/accounts?site=gym").json()] == [gym["id"]]
    assert api.get(f"/api/v1/accounts/{account_id}").json() == created

    with transaction(runtime.sessions) as session:  # as if the worker had saved a session
        account = session.get(SiteAccount, account_id)
        assert account is not None
        account.session_state_enc = runtime.vault.encrypt("{}")
        account.needs_login = True
    assert api.get(f"/api/v1/accounts/{account_id}").json()["has_session"] is True

    patched = api.patch(f"/api/v1/accounts/{account_id}", json={"display_name": "Alex M"})
    assert patched.status_code == 200
    assert patched.json()["display_name"] == "Alex M" and patched.json()["has_session"] is True
    repassed = api.patch(f"/api/v1/accounts/{account_id}", json={"password": "new-site-pass"})
    assert repassed.json()["has_session"] is False and repassed.json()["needs_login"] is False
    with transaction(runtime.sessions) as session:
        account = session.get(SiteAccount, account_id)
        assert account is not None
        assert runtime.vault.decrypt(account.password_enc) == "new-site-pass"

    assert api.delete(f"/api/v1/accounts/{account_id}").status_code == 204
    gone = api.get(f"/api/v1/accounts/{account_id}")
    assert gone.status_code == 404
    assert gone.json()["detail"] == [
        {"field": "account_id", "message": f"account {account_id} not found"}
    ]
    assert [a["id"] for a in api.get("/api/v1/accounts").json()] == [gym["id"]]


def test_account_phone_is_shown_changed_and_cleared(api: TestClient, runtime: Runtime) -> None:
    """Phone is personal data, not a secret: stored as typed (single-spaced), shown back."""
    clinic = {**ACCOUNT, "site": "clinic", "phone": " +44 7700  900123 "}
    created = _created(api, "/api/v1/accounts", clinic)
    assert created["phone"] == "+44 7700 900123"
    path = f"/api/v1/accounts/{created['id']}"
    assert api.get(path).json()["phone"] == "+44 7700 900123"
    assert api.patch(path, json={"display_name": "Jane"}).json()["phone"] == "+44 7700 900123"
    assert api.patch(path, json={"phone": "07700900999"}).json()["phone"] == "07700900999"
    with transaction(runtime.sessions) as session:
        account = session.get(SiteAccount, created["id"])
        assert account is not None and account.phone == "07700900999"
    assert api.patch(path, json={"phone": ""}).json()["phone"] is None
    assert api.patch(path, json={"phone": "+447700900123"}).json()["phone"] == "+447700900123"
    assert api.patch(path, json={"phone": None}).json()["phone"] is None


def test_duplicate_account_is_a_409_naming_login(api: TestClient) -> None:
    _created(api, "/api/v1/accounts", ACCOUNT)
    response = api.post("/api/v1/accounts", json={**ACCOUNT, "display_name": "Other"})
    assert response.status_code == 409
    [entry] = response.json()["detail"]
    assert entry["field"] == "login" and "exists" in entry["message"]
    assert len(api.get("/api/v1/accounts").json()) == 1


def test_payment_profiles_crud(api: TestClient) -> None:
    account = _created(api, "/api/v1/accounts", ACCOUNT)
    with_cvv = _created(
        api,
        "/api/v1/payment-profiles",
        {**CARD, "cvv": "123", "store_cvv": True, "account_id": account["id"]},
    )
    assert with_cvv["card_last4"] == "1111" and with_cvv["card_display"] == "•••• 1111"
    assert with_cvv["has_cvv"] is True and with_cvv["account_id"] == account["id"]
    assert with_cvv["expiry_month"] == "07" and with_cvv["expiry_year"] == "31"
    assert not {"card_number", "cvv", "card_number_enc", "cvv_enc"} & set(with_cvv)
    plain = _created(api, "/api/v1/payment-profiles", {**CARD, "alias": "No CVV"})
    assert plain["has_cvv"] is False and plain["account_id"] is None

    listed = api.get("/api/v1/payment-profiles").json()
    assert [p["id"] for p in listed] == [with_cvv["id"], plain["id"]]
    assert api.get(f"/api/v1/payment-profiles/{plain['id']}").json() == plain

    assert api.delete(f"/api/v1/payment-profiles/{with_cvv['id']}").status_code == 204
    assert api.get(f"/api/v1/payment-profiles/{with_cvv['id']}").status_code == 404
    # Removing an account keeps its cards, unlinked.
    linked = _created(api, "/api/v1/payment-profiles", {**CARD, "account_id": account["id"]})
    assert api.delete(f"/api/v1/accounts/{account['id']}").status_code == 204
    assert api.get(f"/api/v1/payment-profiles/{linked['id']}").json()["account_id"] is None


def test_cvv_needs_the_explicit_opt_in(api: TestClient) -> None:
    response = api.post("/api/v1/payment-profiles", json={**CARD, "cvv": "123"})
    assert response.status_code == 422
    [entry] = response.json()["detail"]
    assert "store_cvv" in entry["message"] and "PCI DSS" in entry["message"]
    assert api.get("/api/v1/payment-profiles").json() == []


def test_tokens_are_listed_without_their_secret_and_can_be_revoked(
    api: TestClient, runtime: Runtime
) -> None:
    other = make_token(runtime, name="ci")
    listed = api.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["tests", "ci"]
    assert listed[0]["last_used_at"] is not None  # this very request used it
    assert other not in api.get("/api/v1/tokens").text
    assert other.startswith(listed[1]["prefix"])
    assert api.delete(f"/api/v1/tokens/{listed[1]['id']}").status_code == 204
    assert api.get("/api/v1/tokens").json()[1]["revoked"] is True
    assert (
        api.get("/api/v1/accounts", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    )
    missing = api.delete("/api/v1/tokens/424242")
    assert missing.status_code == 404 and missing.json()["detail"][0]["field"] == "token_id"


def test_openapi_shows_secrets_as_write_only_and_warns_about_cvv(anon: TestClient) -> None:
    schema = anon.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    card_in = components["PaymentProfileIn"]["properties"]
    assert CVV_WARNING in card_in["cvv"]["description"]
    assert card_in["card_number"].get("writeOnly") is True
    assert components["AccountCreate"]["properties"]["password"].get("writeOnly") is True
    for name, component in components.items():
        if name.endswith("Public"):
            assert not {"password", "card_number", "cvv", "token"} & set(component["properties"])
    assert "ApiToken" in schema["components"]["securitySchemes"]
    assert anon.get("/docs").status_code == 200
