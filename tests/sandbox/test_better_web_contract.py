"""Contract of the Better simulator's web and payment origins over real HTTP, against
`../shared/sites/better.md` › "The user's path through the web site" (steps 1–5, cited below)
and its "Known traps". The clicks themselves are exercised in tests/e2e/test_better_by_hand.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from better_helpers import (
    B60,
    BEYOND,
    CARD,
    CREDIT,
    HENDON,
    NEXT_RELEASE_DAY,
    TOMORROW,
    events,
    hold_court,
    key,
    login,
)

from autobook.sandbox.better.site import DEMO_CARD_CVV

AUTH_COOKIE = "better.org.uk-authToken"
CONSENTED = "OptanonAlertBoxClosed=2027-01-13T09:00:00Z"
REFUSED = "We were unable to verify your card details"
HUMAN = {"webdriver": False, "card_number_keys": 16, "card_number_length": 16,
         "card_number_gaps_ms": [120, 95, 143, 88, 101, 130, 99, 87, 110, 140, 90, 105, 98, 115,
                                 122]}  # fmt: skip


@pytest.fixture
def web(urls: dict[str, str], admin: httpx.Client) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=urls["web"], timeout=10) as c:
        yield c


@pytest.fixture
def pay(urls: dict[str, str], admin: httpx.Client) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=urls["pay"], timeout=10) as c:
        yield c


def set_faults(admin: httpx.Client, **faults: Any) -> None:
    """PUT /_sandbox/faults, checking the site took every value."""
    r = admin.put("/_sandbox/faults", json=faults)
    assert r.status_code == 200, r.text
    assert r.json().items() >= faults.items()
    assert admin.get("/_sandbox/faults").json() == r.json()


def by_time(day: str, span: str | None = None) -> str:
    url = f"/location/{HENDON}/{B60}/{day}/by-time"
    return f"{url}/slot/{span}" if span else url


def as_user(token: str, quoted: bool = True) -> dict[str, str]:
    value = f'"{token}"' if quoted else token
    return {"Cookie": f"{AUTH_COOKIE}={value}; {CONSENTED}"}


# --- Step 1: availability page ---------------------------------------------------------------
def test_availability_page_cookie_banner_and_slot_links(web: httpx.Client) -> None:
    html = web.get(by_time(TOMORROW)).text
    assert 'id="onetrust-accept-btn-handler"' in html and "Accept All Cookies" in html
    assert re.search(rf'<a class="slot[^"]*" href="{by_time(TOMORROW, "07:00-08:00")}"', html)
    assert len(re.findall(r'href="[^"]*/slot/\d\d:\d\d-\d\d:\d\d"', html)) == 15
    consented = web.get(by_time(TOMORROW), headers={"Cookie": CONSENTED}).text
    assert "onetrust-accept-btn-handler" not in consented


def test_no_results_outside_the_window(web: httpx.Client) -> None:
    assert "No results were found at this centre" in web.get(by_time(BEYOND)).text
    assert "No results were found at this centre" not in web.get(by_time(TOMORROW)).text


def test_pre_release_slots_are_listed_without_links(web: httpx.Client) -> None:
    html = web.get(by_time(NEXT_RELEASE_DAY)).text
    assert "/slot/" not in html and "Bookable from 22:00 on Wed 13 Jan" in html


# --- Step 2: "Your selection" modal ---------------------------------------------------------
def test_selection_modal_defaults_to_court_1_even_when_full(
    web: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/_sandbox/better/occupancy",
               json={"key": key(TOMORROW, "20:00"), "taken": [1], "free": [2]})  # fmt: skip
    html = web.get(by_time(TOMORROW, "20:00-21:00")).text
    assert "Your selection" in html and "Select location" in html
    assert '<span class="combobox-value">FULL - Court 1</span>' in html
    assert re.search(r'<button type="submit"[^>]*id="book-now" disabled>Book now</button>', html)
    assert "The session being booked is already full" in html
    assert re.search(r'role="option"[^>]*data-full="false">Court 2</li>', html)
    admin.post("/_sandbox/better/occupancy", json={"key": key(TOMORROW, "20:00"), "free": [1]})
    html = web.get(by_time(TOMORROW, "20:00-21:00")).text
    assert '<span class="combobox-value">Court 1</span>' in html
    assert re.search(r'id="book-now" >Book now</button>', html)
    assert web.get(by_time(TOMORROW, "20:00-20:30")).status_code == 404


# --- Step 3: login --------------------------------------------------------------------------
def test_login_modal_selectors(web: httpx.Client) -> None:
    html = web.get(by_time(TOMORROW)).text
    assert 'data-testid="login"' in html
    assert 'id="username"' in html and 'id="password"' in html and 'data-testid="log-in"' in html
    assert "Email address or customer ID" in html


def test_login_sets_the_json_quoted_token_cookie_and_resets_the_modal(
    web: httpx.Client, admin: httpx.Client
) -> None:
    # Logging in from the modal returns to the plain listing: the selection is reset.
    html = web.get(by_time(TOMORROW, "20:00-21:00")).text
    assert f'name="next" value="{by_time(TOMORROW)}"' in html
    form = {"username": CREDIT[0], "password": CREDIT[1], "next": by_time(TOMORROW)}
    r = web.post("/login", data=form)
    assert r.status_code == 303 and r.headers["location"] == by_time(TOMORROW)
    cookie = r.headers["set-cookie"]
    assert re.match(rf'{re.escape(AUTH_COOKIE)}="v4\.local\.[\w-]+"; Path=/', cookie)
    assert 'data-testid="my-account"' in web.get(by_time(TOMORROW)).text
    web.cookies.clear()
    r = web.post("/login", data=form | {"password": "nope"})
    html = web.get(r.headers["location"]).text
    assert "These credentials do not match our records." in html
    assert [e["detail"]["ok"] for e in events(admin, "login")] == [True, False]


@pytest.mark.parametrize("quoting", ["json", "bare", "percent"])
def test_api_token_in_the_cookie_is_a_login(web: httpx.Client, api: httpx.Client,
                                            quoting: str) -> None:  # fmt: skip
    token = login(api, CREDIT)
    value = {"json": f'"{token}"', "bare": token, "percent": f"%22{token}%22"}[quoting]
    html = web.get(by_time(TOMORROW), headers={"Cookie": f"{AUTH_COOKIE}={value}"}).text
    assert 'data-testid="my-account"' in html and 'data-testid="login"' not in html


def test_expired_sessions_log_the_web_user_out(
    web: httpx.Client, api: httpx.Client, admin: httpx.Client
) -> None:
    token = login(api, CREDIT)
    set_faults(admin, expire_sessions=True)
    assert 'data-testid="login"' in web.get(by_time(TOMORROW), headers=as_user(token)).text
    assert api.get("/auth/user").status_code == 401


# --- Steps 4–5: checkout and confirmation -----------------------------------------------------
def test_checkout_page_for_credit(web: httpx.Client, api: httpx.Client) -> None:
    token = login(api, CREDIT)
    hold_court(api)
    html = web.get("/basket/checkout", headers=as_user(token)).text
    assert "Pay full amount using credit" in html
    assert "I agree to the Terms and Conditions" in html
    assert re.search(r'aria-label="Pay now"[^>]*>Pay £16\.40 now</button>', html, re.S)


def test_checkout_page_for_cards(
    web: httpx.Client, api: httpx.Client, urls: dict[str, str]
) -> None:
    token = login(api, CARD)
    hold_court(api)
    html = web.get("/basket/checkout", headers=as_user(token)).text
    assert re.search(
        r'type="radio" name="card_choice" value="saved" checked> Pay with saved card', html
    )
    assert 'aria-label="Security Code (CVV)"' in html and "Pay with a different card" in html
    for name in ("billingFirstName", "billingLastName", "billingAddressLineOne", "billingCity",
                 "billingPostcode"):  # fmt: skip
        assert f'name="{name}"' in html
    assert re.search(rf'data-src="{urls["pay"]}/iframe\?session_key=[0-9A-F]{{32}}"', html)
    assert '<script src="/gtm.js" async></script>' in html  # the iframe waits for analytics


def test_web_checkout_with_credit_confirms(
    web: httpx.Client, api: httpx.Client, admin: httpx.Client
) -> None:
    token = login(api, CREDIT)
    hold_court(api)
    r = web.post("/basket/checkout", data={"method": "credit"}, headers=as_user(token))
    assert r.status_code == 422 and "You must accept the terms and conditions." in r.text
    r = web.post("/basket/checkout", data={"method": "credit", "terms": "1"},
                 headers=as_user(token))  # fmt: skip
    assert r.status_code == 303
    reference = re.fullmatch(r"/booking-confirmed/(\d+)", r.headers["location"]).group(1)
    html = web.get(r.headers["location"], headers=as_user(token)).text
    assert "<h1>Checkout successful</h1>" in html and reference in html
    [booking] = events(admin, "booking")
    assert booking["reference"] == reference and booking["slot"] == key(TOMORROW, "20:00")


# --- Payment origin: the card iframe and card identifiers (Known traps) ----------------------
def checkout_session(api: httpx.Client, user: tuple[str, str]) -> dict[str, Any]:
    login(api, user)
    hold_court(api)
    return api.get("/checkout/prepare").json()


def new_card(pay: httpx.Client, session_key: str, number: str = "4929000000006",
             telemetry: dict[str, Any] | None = None) -> httpx.Response:  # fmt: skip
    body = {"cardDetails": {"cardholderName": "N Card", "cardNumber": number,
                            "expiryDate": "1230", "securityCode": "123"},
            "telemetry": HUMAN if telemetry is None else telemetry}  # fmt: skip
    return pay.post("/api/v1/card-identifiers", json=body,
                    headers={"Authorization": f"Bearer {session_key}"})  # fmt: skip


def test_iframe_fields(pay: httpx.Client) -> None:
    html = pay.get("/iframe", params={"session_key": "X"}).text
    for name in ("cardholder-name", "card-number", "expiry-date", "security-code"):
        assert f'id="{name}" name="{name}"' in html


def test_prepare_gives_saved_card_and_session_key(api: httpx.Client) -> None:
    prep = checkout_session(api, CARD)
    assert prep["saved_card"]["last_four"] == "0006" and re.fullmatch(
        r"[0-9A-F]{32}", prep["session_key"]
    )


def test_iframe_refuses_webdriver_and_instant_typing(
    pay: httpx.Client, api: httpx.Client, admin: httpx.Client
) -> None:
    key_ = checkout_session(api, CREDIT)["session_key"]
    for telemetry, reason in (
        (HUMAN | {"webdriver": True}, "webdriver"),
        (HUMAN | {"card_number_keys": 0, "card_number_gaps_ms": []}, "instant_typing"),
        (HUMAN | {"card_number_gaps_ms": [2] * 15}, "instant_typing"),
    ):
        r = new_card(pay, key_, telemetry=telemetry)
        assert r.status_code == 422 and r.json()["errors"][0]["clientMessage"].startswith(REFUSED)
        assert events(admin, "payment")[-1]["detail"]["reason"] == reason
    assert new_card(pay, key_).status_code == 201
    knobs = {"webdriver": False, "instant_typing": False, "min_key_gap_ms": 30}
    admin.put("/_sandbox/better/bot-detection", json=knobs).raise_for_status()
    r = new_card(pay, key_, telemetry={"webdriver": True})
    assert r.status_code == 201 and r.json()["lastFourDigits"] == "0006"
    assert "4929000000006" not in str(admin.get("/_sandbox/events").json())


def test_card_validation_and_auth(pay: httpx.Client, api: httpx.Client) -> None:
    key_ = checkout_session(api, CREDIT)["session_key"]
    r = new_card(pay, key_, number="4929000000007")
    assert (
        r.status_code == 422
        and r.json()["errors"][0]["description"] == "The card number is invalid"
    )
    assert new_card(pay, "NOT-A-SESSION").status_code == 401


def test_saved_card_cvv_checked_on_the_pay_origin_then_authorise_and_complete(
    pay: httpx.Client, api: httpx.Client, admin: httpx.Client
) -> None:
    prep = checkout_session(api, CARD)
    url = f"/api/v1/card-identifiers/{prep['saved_card']['id']}/security-code"
    auth = {"Authorization": f"Bearer {prep['session_key']}"}
    assert pay.post(url, json={"securityCode": "999"}, headers=auth).status_code == 422
    cart = api.get("/activities/cart").json()["data"]
    r = api.post("/checkout/authorise", json={"item_hash": cart["itemHash"]})
    assert r.status_code == 422  # no CVC linked yet
    assert pay.post(url, json={"securityCode": DEMO_CARD_CVV}, headers=auth).status_code == 204
    r = api.post("/checkout/authorise", json={"item_hash": "stale"})
    assert r.status_code == 409
    r = api.post("/checkout/authorise", json={"item_hash": cart["itemHash"],
                                              "browserJavascriptEnabled": True})  # fmt: skip
    assert r.status_code == 200
    uuid = r.json()["transaction_uuid"]
    pay_body = {"payments": [{"tender_type": "card", "amount": cart["total"],
                              "transaction_uuid": uuid}],
                "terms": [1], "source": "activity-booking", "completed_waivers": [],
                "selected_user_id": None}  # fmt: skip
    r = api.post("/checkout/complete", json=pay_body)
    assert r.status_code == 200 and r.json()["complete_order_id"]
    assert [e["detail"]["method"] for e in events(admin, "booking")] == ["saved_card"]
    assert api.post("/checkout/complete", json=pay_body).status_code == 422  # cart now empty
    assert DEMO_CARD_CVV not in str([e["detail"] for e in events(admin, "payment")])


def test_decline_payments_fault(pay: httpx.Client, api: httpx.Client, admin: httpx.Client) -> None:
    prep = checkout_session(api, CREDIT)
    ident = new_card(pay, prep["session_key"]).json()["cardIdentifier"]
    set_faults(admin, decline_payments=True)
    cart = api.get("/activities/cart").json()["data"]
    r = api.post("/checkout/authorise", json={"item_hash": cart["itemHash"],
                                              "card_identifier": ident,
                                              "session_key": prep["session_key"]})  # fmt: skip
    assert r.status_code == 422 and "declined" in r.json()["message"]
    assert events(admin, "payment")[-1]["detail"]["outcome"] == "declined"
    assert events(admin, "booking") == []
