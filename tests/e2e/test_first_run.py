"""First run in real Chromium against a real server on loopback: the owner types the admin's
name and password on the setup page, lands signed in, signs out, signs in again, and a wrong
password is refused. No page breaks its own Content-Security-Policy."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from autobook.runtime import Runtime
from engine_support import app_server

pytestmark = pytest.mark.e2e

USERNAME = "owner"
PASSWORD = "a long admin passphrase"


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with app_server(runtime) as url:
        yield url


def _type(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press_sequentially(text)


def _sign_in(page: Page, password: str) -> None:
    _type(page, "Username", USERNAME)
    _type(page, "Password", password)
    page.get_by_role("button", name="Sign in").click()


def test_first_run_setup_sign_out_and_in(page: Page, server: str) -> None:
    console: list[str] = []
    page.on("console", lambda msg: console.append(_text(msg)))

    page.goto(server)
    expect(page).to_have_url(f"{server}/setup")
    page.get_by_label("Username", exact=True).fill("")
    _type(page, "Username", USERNAME)
    _type(page, "Password (at least 10 characters)", PASSWORD)
    _type(page, "Password again", PASSWORD)
    page.get_by_role("button", name="Create admin and sign in").click()
    expect(page).to_have_url(f"{server}/")
    expect(page.get_by_test_id("current-user")).to_have_text(USERNAME)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server}/login")
    page.goto(server)  # signed out: the start page sends us back
    expect(page).to_have_url(f"{server}/login")

    _sign_in(page, "not the password")
    expect(page.get_by_role("alert")).to_have_text(re.compile("Wrong username or password"))
    expect(page).to_have_url(f"{server}/login")
    expect(page.get_by_test_id("current-user")).to_have_count(0)

    page.get_by_label("Username", exact=True).fill("")
    _sign_in(page, PASSWORD)
    expect(page).to_have_url(f"{server}/")
    expect(page.get_by_test_id("current-user")).to_have_text(USERNAME)

    page.goto(f"{server}/setup")  # setup is closed once the admin exists
    expect(page).to_have_url(f"{server}/login")
    assert [m for m in console if "Content Security Policy" in m] == []
    assert page.evaluate("typeof htmx") == "object"  # the vendored htmx loaded under the CSP


def _text(msg: ConsoleMessage) -> str:
    return f"{msg.type}: {msg.text}"
