"""Every admin form, in Chromium, as a person fills it: sent empty and with bad values, each
answers with the exact plain sentences (`web.messages`) in a summary at the top that links to
each field, and what was typed is still there (passwords and card numbers excepted)."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Locator, Page, expect
from ui_support import ADMIN, ADMIN_PASSWORD, first_run, served

from engine_support import SQLITE_ONLY

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]
__all__ = ["served"]  # a fixture


def summary_says(page: Page, *sentences: str) -> None:
    """The summary lists exactly these sentences, sits above every form field, and each entry
    links to a field of the page."""
    box = page.get_by_test_id("error-summary")
    expect(box).to_be_visible()
    expect(box.get_by_role("listitem")).to_have_text(list(sentences))
    first_field = page.locator("main input:not([type=hidden]), main select, main textarea").first
    assert box.bounding_box()["y"] < first_field.bounding_box()["y"]  # type: ignore[index]
    for link in box.get_by_role("link").all():
        target = (link.get_attribute("href") or "").lstrip("#")
        assert page.locator(f"[id='{target}']").count() == 1, target


def send(form: Locator, button: str) -> None:
    form.get_by_role("button", name=button).click()


def test_setup_and_sign_in_forms(page: Page, served: tuple[str, int]) -> None:
    url, _ = served
    page.goto(url + "/setup")
    page.get_by_label("Username").fill("")
    page.get_by_role("button", name="Create admin and sign in").click()
    summary_says(page, "Username: enter a username", "Password: enter a password")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password", exact=False).first.fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD + "!")
    page.get_by_role("button", name="Create admin and sign in").click()
    summary_says(page, "Passwords: the two passwords differ")
    expect(page.get_by_label("Username")).to_have_value(ADMIN)
    expect(page.get_by_label("Password again")).to_have_value("")  # secrets are not kept
    page.get_by_role("link", name="Passwords: the two passwords differ").click()
    expect(page).to_have_url(f"{url}/setup#password_confirm")

    first_run(page, url)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_role("button", name="Sign in").click()
    summary_says(page, "Password: enter a password")
    expect(page.get_by_label("Username")).to_have_value(ADMIN)


def test_task_form(page: Page, served: tuple[str, int]) -> None:
    url, _ = served
    first_run(page, url)
    page.get_by_role("link", name="New task").click()
    page.get_by_label("Courts", exact=False).fill("Court 2, Court 1")
    page.get_by_role("group", name="Accounts").get_by_role("checkbox").uncheck()
    page.get_by_role("button", name="Create task").click()
    summary_says(page, "Venue: choose one", "Accounts: choose at least one account to book with",
                 "Date: enter a date", "Add at least one time")  # fmt: skip
    expect(page.get_by_label("Courts", exact=False)).to_have_value("Court 2, Court 1")
    expect(page.locator("input[type=time][aria-invalid=true]")).to_have_count(1)  # the 1st only
    expect(page.get_by_label("1st choice")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Venue").select_option(label="Hendon Leisure Centre")
    page.get_by_label("Ann (ann@example.com)").check()
    page.get_by_label("1st choice").fill("19:00")
    page.get_by_label("2nd choice").fill("19:00")
    page.get_by_label("Check every", exact=False).fill("2")
    page.get_by_role("button", name="Create task").click()
    summary_says(page, "Date: enter a date", "2nd choice: this time is already listed",
                 "Check every: enter 5 or more")  # fmt: skip
    expect(page.locator("input[type=time][aria-invalid=true]")).to_have_count(1)
    expect(page.get_by_label("2nd choice")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("1st choice")).to_have_value("19:00")
    expect(page.get_by_label("Venue")).to_have_value("hendon-leisure-centre")
    expect(page.get_by_label("Check every", exact=False)).to_have_value("2")


def test_settings_forms(page: Page, served: tuple[str, int]) -> None:
    url, _ = served
    first_run(page, url)
    page.goto(url + "/settings/accounts")
    accounts = page.get_by_role("form", name="Add a site account")
    accounts.get_by_label("Site", exact=True).select_option("gym")
    accounts.get_by_label("Name", exact=True).fill("Sam")
    accounts.get_by_label("Phone", exact=False).fill("12")
    send(accounts, "Add account")
    summary_says(page, "Login: enter the login", "Password: enter a password",
                 "Phone: must be 7 to 15 digits, spaces allowed, optionally a leading +, "
                 "e.g. +44 7700 900123")  # fmt: skip
    expect(page).to_have_title("Site accounts · autobook")
    expect(accounts.get_by_label("Name", exact=True)).to_have_value("Sam")
    expect(accounts.get_by_label("Site", exact=True)).to_have_value("gym")

    page.goto(url + "/settings/payments")
    cards = page.get_by_role("form", name="Add a payment profile")
    cards.get_by_label("Alias").fill("Visa")
    cards.get_by_label("Card number").fill("4111 1111 1111 1112")
    cards.get_by_label("Expiry month", exact=False).fill("13")
    cards.get_by_label("Expiry year", exact=False).fill(str(datetime.now().year + 2))
    send(cards, "Add payment profile")
    summary_says(page, "Cardholder: enter the name on the card",
                 "Card number: fails the Luhn check (mistyped?)",
                 "Expiry month: must be 01 to 12")  # fmt: skip
    expect(cards.get_by_label("Alias")).to_have_value("Visa")
    expect(cards.get_by_label("Card number")).to_have_value("")  # never written back

    page.goto(url + "/settings/notifications")
    typed = "json://127.0.0.1:9/hook\nnot a url"
    box = page.get_by_role("textbox", name="Notification URLs")
    box.fill(typed)
    page.get_by_role("button", name="Save URLs").click()
    summary_says(page, "Notification URLs: URL 2 is not an Apprise URL like discord://… or "
                 "json://…")  # fmt: skip
    expect(box).to_have_value(typed)  # kept, not retyped

    page.goto(url + "/settings/tokens")
    page.get_by_role("button", name="Create token").click()
    summary_says(page, "Token name: enter a name")


def test_import_form(page: Page, served: tuple[str, int]) -> None:
    url, _ = served
    first_run(page, url)
    page.get_by_role("link", name="Import").click()
    form = page.get_by_role("form", name="Import a CSV")
    form.get_by_label("Venue", exact=False).fill("X1")
    send(form, "Import")
    summary_says(page, "CSV file: choose a CSV file")
    expect(form.get_by_label("Venue", exact=False)).to_have_value("X1")
