"""Book an Estelle Manor padel court by hand in real Chromium, as a member would.

Only the login page is opened by URL; everything after is clicks and typing, because the site
sends anyone who opens a booking page by URL back to its home page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from autobook.sandbox.estelle.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import reset_sim, sandbox_fixture, sim_now

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = DEMO_USERS[0]


box = sandbox_fixture("estelle", "demo")


@pytest.fixture
def fresh(box: Sandbox) -> str:
    url = box.url("estelle", "web")
    reset_sim(url, "demo")
    return url


def site_today(url: str) -> date:
    return sim_now(url).date()


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/page/login")
    page.locator("input[name=email]").press_sequentially(EMAIL, delay=10)
    page.locator("input[name=password]").press_sequentially(PASSWORD, delay=10)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/")
    if page.locator("#cookie-accept").is_visible():
        page.click("#cookie-accept")


def to_availability(page: Page, day: date) -> None:
    """Home → Book Now → Padel Courts → the month's button → type the date → Show Availability."""
    page.click("#book-now-button")
    page.click("a:has-text('Padel Courts')")
    page.click(f"a.btn-secondary:text-is('{day.strftime('%B').upper()}')")
    date_input = page.locator("#from_date")
    date_input.click()
    date_input.press("Control+a")
    date_input.press("Backspace")
    date_input.press_sequentially(day.strftime("%d/%m/%Y"), delay=20)
    date_input.press("Escape")
    page.click("#btnApply")
    expect(page.locator("div.cardBtn-bd").first).to_be_visible()


def first_free_card(page: Page, after_hour: int) -> tuple[Locator, str, str]:
    """The first card with a free court from `after_hour` on: (card, slot_start, court name)."""
    cards = page.locator("div.cardBtn-bd")
    for i in range(cards.count()):
        card = cards.nth(i)
        booked = int(card.locator("span.totalBooked").inner_text())
        total = int(card.locator("span.totalSlots").inner_text())
        start = (card.locator("span.slot_start").text_content() or "").strip()
        if booked < total and int(start[11:13]) >= after_hour:
            court = card.locator("span.slot-subject-spa").inner_text().strip()
            return card, start, court
    raise AssertionError("no free court on this date")


def slot_key(slot_start: str, court: str) -> str:
    when = datetime.strptime(slot_start, "%d/%m/%Y %H:%M:%S")
    return f"{when:%Y-%m-%dT%H:%M}/court-{court.rsplit(' ', 1)[-1]}"


def test_book_a_court_by_hand(page: Page, fresh: str) -> None:
    day = site_today(fresh) + timedelta(days=3)
    log_in(page, fresh)
    to_availability(page, day)
    card, start, court = first_free_card(page, after_hour=9)
    assert start.startswith(day.strftime("%d/%m/%Y"))
    card.click()
    expect(page.locator("#summary-court")).to_have_text(court)
    page.click("#btnConfirm")
    page.wait_for_url(f"{fresh}/spa/booking/*")
    expect(page.locator("h1")).to_have_text("Booking Confirmed")
    reference = page.locator("#booking-reference").inner_text().strip()

    bookings = httpx.get(f"{fresh}/_sandbox/events", params={"kind": "booking"}).json()
    assert len(bookings) == 1
    (booking,) = bookings
    assert booking["slot"] == slot_key(start, court)
    assert booking["actor"] == EMAIL and booking["reference"] == reference
    assert booking["detail"]["court"] == court


def test_typing_the_booking_url_lands_on_home(page: Page, fresh: str) -> None:
    log_in(page, fresh)
    page.goto(f"{fresh}/spa/16499")
    assert page.url == f"{fresh}/"
    expect(page.locator("#book-now-button")).to_be_visible()


def test_a_second_tab_reuses_the_login(context: BrowserContext, fresh: str) -> None:
    first = context.new_page()
    log_in(first, fresh)
    day = site_today(fresh) + timedelta(days=2)
    to_availability(first, day)
    second = context.new_page()
    second.goto(f"{fresh}/")  # opening the site's home in a new tab, already logged in
    expect(second.locator("#book-now-button")).to_be_visible()
    to_availability(second, day)
    card, _start, _court = first_free_card(first, after_hour=7)
    card.click()
    first.click("#btnConfirm")
    first.wait_for_url(f"{fresh}/spa/booking/*")
    logins = httpx.get(f"{fresh}/_sandbox/events", params={"kind": "login"}).json()
    assert len(logins) == 1
