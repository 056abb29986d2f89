"""A member books a gym slot by hand in real Chromium: log in, pick the day, the location and
the sub-location, book the hourly slot with the button, read the reference; the site's event
log then holds exactly one booking for that slot."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import Page, expect

from autobook.sandbox.gym.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import LONDON, sandbox_fixture, sim_fixture

pytestmark = pytest.mark.e2e

NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)
DAY = "2027-01-15"  # its slots up to 09:00 are unlocked at NOW (48 hours ahead)


box = sandbox_fixture("gym", "quiet")
admin = sim_fixture("gym", seed="quiet", now=NOW)


@pytest.fixture
def gym_url(box: Sandbox) -> str:
    return box.url("gym", "web")


def test_member_books_a_slot_by_hand(page: Page, gym_url: str, admin: httpx.Client) -> None:
    email, password = DEMO_USERS[0]
    page.goto(gym_url)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.click("#email")
    page.locator("#email").press_sequentially(email)
    page.locator("#password").press_sequentially(password)
    page.click("#login-button")
    expect(page.locator("#member-name")).to_have_text("Alex Morgan")

    page.click(f'a.day[data-date="{DAY}"]')
    expect(page.locator("#sub-location-field")).to_be_hidden()
    page.select_option("#location", "X1")
    expect(page.locator("#sub-location-field")).to_be_visible()
    page.select_option("#sub-location", "A")
    page.click("#show-slots")
    expect(page.locator("#slots-heading")).to_have_text("X1 A · Friday 15 January 2027")

    row = page.locator('tr.slot[data-time="09:00"]')
    expect(row.locator(".places")).to_have_text("6 of 6 places left")
    expect(page.locator('tr.slot[data-time="10:00"] .state')).to_contain_text("Opens Wed 13 Jan")
    row.locator(".book-button").click()

    expect(page.locator("#confirmation-title")).to_have_text("Booking confirmed")
    reference = page.locator("#booking-reference").inner_text()
    assert re.fullmatch(r"GYM-[A-Z0-9]{6}", reference)
    expect(page.locator("#booking-location")).to_have_text("X1 A")

    page.click("#nav-bookings")
    expect(page.locator(f'tr.booking[data-reference="{reference}"] .status')).to_have_text(
        "Confirmed"
    )
    bookings = admin.get("/_sandbox/events", params={"kind": "booking"}).json()
    assert len(bookings) == 1
    assert bookings[0]["slot"] == f"{DAY}T09:00|X1|A"
    assert (bookings[0]["actor"], bookings[0]["reference"]) == (email, reference)
    assert bookings[0]["detail"]["via"] == "web"


def test_bad_choice_shows_an_error(page: Page, gym_url: str, admin: httpx.Client) -> None:
    email, password = DEMO_USERS[1]
    page.goto(gym_url)
    page.locator("#email").press_sequentially(email)
    page.locator("#password").press_sequentially("wrong-password")
    page.click("#login-button")
    expect(page.locator("#error")).to_have_text("Invalid email or password.")
    page.locator("#password").press_sequentially(password)
    page.click("#login-button")
    page.select_option("#location", "X3")
    page.click("#show-slots")  # no sub-location chosen
    expect(page.locator("#error")).to_have_text("Please choose a sub-location (A or B).")
