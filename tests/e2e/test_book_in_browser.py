"""The public page in real Chromium against a real server on loopback: a guest books through
the three steps on a phone-sized screen, and two guests submit one slot at the same moment
(twenty rounds): each round gives exactly one appointment and the other page says the time
was just taken. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from appointments_support import (
    LONDON,
    Mailbox,
    Radicale,
    connect_calendar,
    count_appointments,
    day_after,
    set_up_page,
    use_smtp,
)
from autobook.appointments.chores import run_chores
from autobook.runtime import Runtime
from engine_support import app_server

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}  # fmt: skip
ROUNDS = 20


DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shots_dir(tmp_path: Path) -> Path:
    """With AUTOBOOK_DOCS_SCREENSHOTS=1 the pictures go to the README's docs/screenshots
    (off by default so test runs never dirty the tree)."""
    return DOCS if os.environ.get("AUTOBOOK_DOCS_SCREENSHOTS") == "1" else tmp_path


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    # Behind a "proxy" on loopback: each guest says who they are in X-Forwarded-For, so the
    # race rounds are not all counted against one address by the hourly limit.
    runtime.settings = runtime.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    with app_server(runtime) as url:
        yield url


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(**PHONE)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


# htmx wires up swapped-in elements just after the swap: a date typed before that is missed.
HTMX_READY = "e => Boolean(e['htmx-internal-data'] && e['htmx-internal-data'].initHash)"


def pick_date(page: Page, day: str) -> None:
    date_input = page.locator("#book-date")
    for _ in range(200):  # wait_for_function would need eval, which the page's CSP forbids
        if date_input.evaluate(HTMX_READY):
            break
        page.wait_for_timeout(10)
    date_input.fill(day)


def to_form(page: Page, server: str, day: str, slot: str | None = None) -> None:
    """Steps 1 and 2: the first type, `day`, and the slot at `slot` (local HH:MM) or the first."""
    page.goto(f"{server}/book")
    page.get_by_test_id("type-card").first.click()
    pick_date(page, day)
    slots = page.get_by_test_id("slot")
    (slots.filter(has_text=slot).first if slot else slots.first).click()
    expect(page.get_by_role("heading", name="3. Your details")).to_be_visible()


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


def test_guest_books_through_three_steps_on_a_phone(
    runtime: Runtime,
    server: str,
    phone: BrowserContext,
    tmp_path: Path,
    radicale: Radicale,
    mailbox: Mailbox,
) -> None:
    set_up_page(runtime, custom_fields=[{"label": "Property address", "type": "text",
                                         "required": True}])  # fmt: skip
    calendar_url = radicale.new_calendar(f"e2e-{secrets.token_hex(4)}")
    connect_calendar(runtime, "caldav", calendar_url, writes=True)
    box = mailbox
    use_smtp(runtime, box.port)
    page = phone.new_page()
    page.goto(f"{server}/book")
    expect(page.get_by_test_id("type-card")).to_have_count(1)
    page.screenshot(path=shots_dir(tmp_path) / "appt_book_phone_types.png", full_page=True)
    page.get_by_test_id("type-card").click()
    day = day_after(3)
    pick_date(page, day.isoformat())
    expect(page.get_by_test_id("slot").first).to_be_visible()
    page.screenshot(path=shots_dir(tmp_path) / "appt_book_phone_slots.png", full_page=True)
    page.get_by_test_id("slot").filter(has_text="11:00").first.click()
    page.get_by_label("Name").fill("Ada Guest")
    page.get_by_label("Email").fill("ada@example.test")
    page.get_by_role("button", name="Book 11:00").click()
    expect(page.locator(".field-error")).to_have_text("Property address is required")
    page.get_by_label("Property address").fill("1 Main Street")
    page.screenshot(path=shots_dir(tmp_path) / "appt_book_phone_form.png", full_page=True)
    page.get_by_role("button", name="Book 11:00").click()
    expect(page.get_by_test_id("confirmation")).to_contain_text("11:00")
    page.screenshot(path=shots_dir(tmp_path) / "appt_book_phone_done.png", full_page=True)
    assert count_appointments(runtime) == 1
    run_chores(runtime)  # what the worker does next: the calendar event, then the mails
    (event,) = radicale.events(calendar_url)
    assert event["DTSTART"].dt.astimezone(LONDON).strftime("%H:%M") == "11:00"
    guest = box.to("ada@example.test")
    assert len(guest) == 1 and str(guest[0]["Subject"]).startswith("Your Property showing is")
    assert any(p.get_filename() == "invite.ics" for p in guest[0].iter_attachments())
    assert str(box.to("owner@example.test")[0]["Subject"]).startswith("New booking: Ada Guest")

    with page.expect_download() as download:
        page.get_by_test_id("ics-link").click()
    assert "BEGIN:VEVENT" in Path(download.value.path()).read_text()
    page.get_by_test_id("manage-link").click()
    page.get_by_role("button", name="Cancel this appointment").click()
    expect(page.get_by_test_id("cancelled")).to_be_visible()
    assert count_appointments(runtime) == 0
    run_chores(runtime)
    assert radicale.events(calendar_url) == []
    assert str(box.to("ada@example.test")[-1]["Subject"]).endswith("has been cancelled")


def test_two_guests_submit_one_slot_at_once(
    runtime: Runtime, server: str, browser: Browser
) -> None:
    # No hold: both guests reach the form for the same slot, so the submissions race.
    set_up_page(runtime, duration_minutes=15, hold_seconds=0, opens=time(0), closes=time(23, 59))
    day = day_after(2).isoformat()
    contexts = [browser.new_context(viewport={"width": 800, "height": 700}) for _ in range(2)]
    pages = [ctx.new_page() for ctx in contexts]
    try:
        for number in range(ROUNDS):
            slot = f"{8 + number // 4:02d}:{15 * (number % 4):02d}"
            for who, page in enumerate(pages):
                page.set_extra_http_headers({"X-Forwarded-For": f"10.0.{number}.{who + 1}"})
                to_form(page, server, day, slot)
                page.get_by_label("Name").fill(f"Guest {who}")
                page.get_by_label("Email").fill(f"guest{who}@example.test")
            for page in pages:  # both clicks go out before either answer comes back
                page.get_by_role("button", name=f"Book {slot}").click(no_wait_after=True)
            outcomes = []
            for page in pages:
                done, taken = page.get_by_test_id("confirmation"), page.get_by_test_id("slot-taken")
                expect(done.or_(taken)).to_be_visible()
                outcomes.append("booked" if done.is_visible() else "taken")
            assert sorted(outcomes) == ["booked", "taken"], (number, outcomes)
            assert count_appointments(runtime) == number + 1
            taken_page = pages[outcomes.index("taken")]
            assert slot not in taken_page.get_by_test_id("slot").all_inner_texts()
    finally:
        for ctx in contexts:
            ctx.close()


def test_desktop_page_and_admin_pages(runtime: Runtime, server: str, page: Page,
                                      tmp_path: Path) -> None:  # fmt: skip
    """The wide layout of /book and the admin pages, signed in (screenshots for the README)."""
    set_up_page(runtime, custom_fields=[{"label": "Property address", "type": "text",
                                         "required": True}])  # fmt: skip
    set_up_page(runtime, name="Valuation", duration_minutes=30, rules=False)
    page.goto(f"{server}/book")
    page.get_by_test_id("type-card").first.click()
    pick_date(page, day_after(3).isoformat())
    expect(page.get_by_test_id("slot").first).to_be_visible()
    page.screenshot(path=shots_dir(tmp_path) / "appt_book_desktop.png", full_page=True)
    page.get_by_test_id("slot").first.click()
    page.get_by_label("Name").fill("Ada Guest")
    page.get_by_label("Email").fill("ada@example.test")
    page.get_by_label("Property address").fill("1 Main Street")
    page.get_by_role("button", name=re.compile("^Book ")).click()
    expect(page.get_by_test_id("confirmation")).to_be_visible()

    page.goto(f"{server}/setup")
    page.get_by_label("Username", exact=True).fill("owner")
    page.get_by_label("Password (at least 10 characters)").fill("a long admin passphrase")
    page.get_by_label("Password again").fill("a long admin passphrase")
    page.get_by_role("button", name="Create admin and sign in").click()
    expect(page.get_by_test_id("upcoming-appointments")).to_contain_text("Ada Guest")
    pages = [("/appointments", "appt_admin_list"), ("/appointments/types", "appt_admin_types"),
             ("/appointments/availability", "appt_admin_availability"),
             ("/appointments/settings", "appt_admin_settings")]  # fmt: skip
    for path, name in pages:
        page.goto(f"{server}{path}")
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=shots_dir(tmp_path) / f"{name}.png", full_page=True)
    page.goto(f"{server}/appointments")
    expect(page.get_by_test_id("appointments")).to_contain_text("1 Main Street")
