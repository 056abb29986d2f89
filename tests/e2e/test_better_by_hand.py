"""Book a Better badminton court by hand in real Chromium, three ways: account credit, the saved
card + CVV, and a new card typed key by key into the payment iframe. Each run leaves exactly one
`booking` event for the slot in the site's event log.

The payment iframe refuses cards typed under automation (`navigator.webdriver` true, as in any
Playwright-driven Chromium). For the new-card run we hide the flag with a context init script —
what real bots do — rather than switching the trap off, so the trap itself stays under test;
`test_iframe_refuses_a_card_under_webdriver` shows the refusal when the flag is left visible.
"""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from autobook.sandbox.better.site import DEMO_CARD_CVV, DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import LONDON, sandbox_fixture, sim_fixture

pytestmark = pytest.mark.e2e

NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)
DAY = "2027-01-14"  # tomorrow: released (7 days ahead at 22:00)
VENUE, ACTIVITY, SPAN = "hendon-leisure-centre", "badminton-60min", "20:00-21:00"
KEY = f"{VENUE}/{ACTIVITY}/{DAY}/20:00"
HIDE_WEBDRIVER = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"
KEY_DELAY_MS = 60  # a person's typing pace; the iframe refuses "instant typing"


def court_one_taken(admin: httpx.Client) -> None:
    """Court 1 of the slot taken, so the modal defaults to "FULL - Court 1" and a free court
    must be picked."""
    admin.post("/_sandbox/better/occupancy", json={"key": KEY, "taken": [1], "free": [2, 3, 4]})
    admin.delete("/_sandbox/events").raise_for_status()


box = sandbox_fixture("better", "demo")
admin = sim_fixture("better", seed="demo", now=NOW, prepare=court_one_taken)


@pytest.fixture
def web(box: Sandbox) -> str:
    return box.url("better", "web")


def choose_court_two(page: Page, web: str, login: str, password: str) -> None:
    """Availability page → cookies → log in first → slot → pick a free court → Book now."""
    page.goto(f"{web}/location/{VENUE}/{ACTIVITY}/{DAY}/by-time")
    page.click("#onetrust-accept-btn-handler")
    page.click('[data-testid="login"]')
    page.locator("#username").press_sequentially(login)
    page.locator("#password").press_sequentially(password)
    page.click('[data-testid="log-in"]')
    expect(page.locator('[data-testid="my-account"]')).to_be_visible()

    page.click(f'a[href*="/slot/{SPAN}"]')
    expect(page.get_by_role("heading", name="Your selection")).to_be_visible()
    book = page.get_by_role("button", name="Book now")
    expect(page.get_by_text("FULL - Court 1")).to_be_visible()
    expect(book).to_be_disabled()
    page.get_by_text("FULL - Court 1").click()
    page.get_by_role("listbox").get_by_role("option", name="Court 2", exact=True).click()
    expect(book).to_be_enabled()
    book.click()
    expect(page).to_have_url(re.compile(r"/basket/checkout$"))
    expect(page.locator(".item-location")).to_have_text("Court 2")


def pay_and_confirm(page: Page) -> str:
    page.get_by_label("I agree to the Terms and Conditions").check()
    page.get_by_role("button", name="Pay now").click()
    expect(page).to_have_url(re.compile(r"/booking-confirmed/\d+$"), timeout=15_000)
    expect(page.get_by_role("heading", name="Checkout successful")).to_be_visible()
    return page.url.rsplit("/", 1)[1]


def assert_one_booking(admin: httpx.Client, reference: str, method: str) -> None:
    bookings = [e for e in admin.get("/_sandbox/events?kind=booking").json() if e["slot"] == KEY]
    assert len(bookings) == 1, bookings
    assert bookings[0]["reference"] == reference
    assert bookings[0]["detail"]["court"] == "Court 2"
    assert bookings[0]["detail"]["method"] == method


def test_book_with_account_credit(page: Page, web: str, admin: httpx.Client) -> None:
    login, password = DEMO_USERS[1]
    choose_court_two(page, web, login, password)
    page.get_by_label("Pay full amount using credit").check()
    expect(page.get_by_role("button", name="Pay now")).to_have_text("Pay now")
    reference = pay_and_confirm(page)
    assert_one_booking(admin, reference, "credit")


def test_book_with_saved_card_and_cvv(page: Page, web: str, admin: httpx.Client) -> None:
    login, password = DEMO_USERS[2]
    choose_court_two(page, web, login, password)
    expect(page.get_by_label("Pay with saved card")).to_be_checked()
    page.get_by_label("Security Code (CVV)").press_sequentially(DEMO_CARD_CVV, delay=KEY_DELAY_MS)
    expect(page.get_by_role("button", name="Pay now")).to_have_text("Pay £16.40 now")
    reference = pay_and_confirm(page)
    assert_one_booking(admin, reference, "saved_card")


def new_card_user(admin: httpx.Client) -> tuple[str, str]:
    login, password = "newcard@example.com", "Newcard-pass-1"
    admin.post(
        "/_sandbox/better/users", json={"email": login, "password": password}
    ).raise_for_status()
    return login, password


def type_new_card(page: Page) -> None:
    for field, value in {
        "First name": "Nia", "Last name": "Newcard", "Address line 1": "1 High Street",
        "Town/city": "London", "Postcode": "NW4 4AB",
    }.items():  # fmt: skip
        page.get_by_label(field, exact=True).press_sequentially(value)
    card = page.frame_locator("#payment-iframe")
    card.locator('[name="cardholder-name"]').press_sequentially("Nia Newcard", delay=20)
    card.locator('[name="card-number"]').press_sequentially("4929000000006", delay=KEY_DELAY_MS)
    card.locator('[name="expiry-date"]').press_sequentially("1230", delay=KEY_DELAY_MS)
    card.locator('[name="security-code"]').press_sequentially("123", delay=KEY_DELAY_MS)


def test_book_with_new_card_in_iframe(
    context: BrowserContext, web: str, admin: httpx.Client
) -> None:
    context.add_init_script(HIDE_WEBDRIVER)
    page = context.new_page()
    login, password = new_card_user(admin)
    choose_court_two(page, web, login, password)
    expect(page.get_by_label("Pay with a different card")).to_be_checked()
    type_new_card(page)
    reference = pay_and_confirm(page)
    assert_one_booking(admin, reference, "card")
    payments = admin.get("/_sandbox/events?kind=payment").json()
    assert [p["detail"]["outcome"] for p in payments] == ["authorised"]
    assert "4929000000006" not in str(admin.get("/_sandbox/events").json())


def test_iframe_refuses_a_card_under_webdriver(page: Page, web: str, admin: httpx.Client) -> None:
    login, password = new_card_user(admin)
    choose_court_two(page, web, login, password)
    type_new_card(page)
    page.get_by_label("I agree to the Terms and Conditions").check()
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("#payment-error")).to_contain_text("unable to verify your card")
    expect(page.frame_locator("#payment-iframe").locator("#card-error")).to_contain_text(
        "unable to verify your card"
    )
    assert admin.get("/_sandbox/events?kind=booking").json() == []
    refused = admin.get("/_sandbox/events?kind=payment").json()
    assert refused[0]["detail"] == {"outcome": "refused", "reason": "webdriver", "last4": "0006"}
