"""Book at the Moxie-style clinic by hand in real Chromium: clicks and typing through all five
steps, the seed-004 handoff (a bot fills steps 1–4, a person pays on the step-5 URL in another
browser), and a declined card."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from autobook.sandbox.runner import Sandbox
from engine_support import reset_sim, sandbox_fixture

pytestmark = pytest.mark.e2e

FIXED_NOW = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)  # a Tuesday
DAY = "2026-03-26"  # Thursday: Brandi works 10:00–18:00


box = sandbox_fixture("clinic", "demo")


@pytest.fixture
def base(box: Sandbox) -> str:
    url = box.url("clinic", "web")
    reset_sim(url, "demo", now=FIXED_NOW)
    return url


def bookings(base: str) -> list[dict]:
    return httpx.get(f"{base}/_sandbox/events", params={"kind": "booking"}).json()


def fill_steps_1_to_4(page: Page, base: str) -> str:
    """Service, provider, date and time, contact details, as a person clicks and types them.
    Returns the slot key chosen."""
    page.goto(f"{base}/")
    page.click("text=Book Now")
    expect(page.locator(".step-counter")).to_have_text("Step 1 of 5")
    page.click(".service-option[data-service='botox']")
    page.click("button:has-text('Continue')")
    expect(page.locator(".step-counter")).to_have_text("Step 2 of 5")
    page.click(".provider-option[data-provider='brandi']")
    page.click("button:has-text('Continue')")
    expect(page.locator(".step-counter")).to_have_text("Step 3 of 5")
    page.click(f".date-option[data-date='{DAY}']")
    expect(page.locator(".selected-date")).to_have_text("Thursday 26 March 2026")
    slot = page.locator(".time-slot").first
    at = slot.get_attribute("data-time")
    slot.click()
    page.click("button:has-text('Continue')")
    expect(page.locator(".step-counter")).to_have_text("Step 4 of 5")
    page.locator("#first_name").press_sequentially("Jane")
    page.locator("#last_name").press_sequentially("Doe")
    page.locator("#phone").press_sequentially("07700 900123")
    page.locator("#email").press_sequentially("jane@example.com")
    page.locator("#notes").press_sequentially("First time patient")
    page.click("button:has-text('Continue to Payment')")
    expect(page.locator(".step-counter")).to_have_text("Step 5 of 5")
    return f"brandi/{DAY}/{at}"


def pay_by_hand(page: Page, card: str) -> None:
    page.locator("#card_number").press_sequentially(card)
    page.locator("#expiry").press_sequentially("12/30")
    page.locator("#cvv").press_sequentially("123")
    page.click("button:has-text('Book Appointment')")


def test_book_by_hand_through_all_five_steps(page: Page, base: str) -> None:
    slot = fill_steps_1_to_4(page, base)
    pay_by_hand(page, "4111111111111111")
    page.wait_for_url("**/confirmation")
    expect(page.locator("h1")).to_have_text("Booking Confirmed")
    expect(page.locator("body")).to_contain_text("Appointment Scheduled")
    reference = page.locator(".confirmation-number").inner_text()
    [booking] = bookings(base)
    assert booking["slot"] == slot and booking["reference"] == reference
    assert booking["detail"]["service"] == "Botox" and booking["detail"]["card_last4"] == "1111"


def test_person_pays_on_the_step5_url_in_another_browser(
    browser: Browser, page: Page, base: str
) -> None:
    slot = fill_steps_1_to_4(page, base)  # the bot's browser context
    handoff_url = page.url
    assert handoff_url.endswith("/step/5")
    person_context = browser.new_context()  # the patient's phone: no cookies, no history
    try:
        person = person_context.new_page()
        person.goto(handoff_url)
        expect(person.locator(".summary-service")).to_contain_text("Botox")
        expect(person.locator(".summary-provider")).to_contain_text("Brandi")
        pay_by_hand(person, "4111111111111111")
        person.wait_for_url("**/confirmation")
        expect(person.locator(".confirmation-number")).to_have_text(bookings(base)[0]["reference"])
    finally:
        person_context.close()
    [booking] = bookings(base)
    assert booking["slot"] == slot and booking["actor"] == "jane@example.com"


def test_declined_card_shows_card_declined_and_books_nothing(page: Page, base: str) -> None:
    fill_steps_1_to_4(page, base)
    pay_by_hand(page, "4000000000000002")
    error = page.locator(".error-message")
    expect(error).to_contain_text("Payment Failed")
    expect(error).to_contain_text("Card Declined")
    assert page.url.endswith("/step/5")
    expect(page.locator(".confirmation-number")).to_have_count(0)
    page.click("text=Try Again")
    expect(page.locator("button:has-text('Book Appointment')")).to_be_visible()
    assert bookings(base) == []
