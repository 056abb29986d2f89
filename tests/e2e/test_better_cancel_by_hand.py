"""A person cancels a Better booking in real Chromium: the bookings page's Cancel button tells
the site (the simulator's event log shows the PATCH, the court is free again) and the page says
it was cancelled on the site and in autobook."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_ui_walkthrough import first_run

from autobook.engine.attempt import AttemptResult
from autobook.runtime import Runtime
from autobook.sandbox.better.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import (
    LONDON,
    SQLITE_ONLY,
    add_account,
    add_task,
    app_server,
    reset_sim,
    run_once,
    sandbox_fixture,
    sandbox_runtime,
    sim_events,
)

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
NOW = datetime.combine(datetime.now(LONDON).date() + timedelta(days=7), time(9, 30), LONDON)
TOMORROW = NOW.date() + timedelta(days=1)
KEY = f"{HENDON}/{B60}/{TOMORROW}/20:00"

box = sandbox_fixture("better", "demo")


@pytest.fixture
def server(runtime: Runtime, box: Sandbox) -> Iterator[tuple[str, Runtime]]:
    api = box.url("better", "api")
    reset_sim(api, "demo", now=NOW)
    httpx.post(f"{api}/_sandbox/better/occupancy", json={"key": KEY, "free": [1, 2, 3, 4]})
    rt = sandbox_runtime(runtime, box)
    rt.settings = rt.settings.model_copy(update={"screenshots": False})
    with app_server(rt) as url:
        yield url, rt


def book_in_background(rt: Runtime) -> AttemptResult:
    """The engine books Court 3 at 20:00 by credit (in a thread: Playwright's loop is here)."""
    account = add_account(rt, "better", *DEMO_USERS[1])
    task = add_task(
        rt, site="better", venue=HENDON, activity=B60, target_date=TOMORROW, times=["20:00"],
        courts=["Court 3"], account_ids=[account], payment_method="credit",
    )  # fmt: skip
    results: list[AttemptResult] = []
    thread = threading.Thread(target=lambda: results.append(run_once(rt, task)))
    thread.start()
    thread.join(timeout=120)
    return results[0]


def test_cancel_button_cancels_on_the_site(
    page: Page, server: tuple[str, Runtime], box: Sandbox
) -> None:
    url, rt = server
    first_run(page, url)
    result = book_in_background(rt)
    assert result.outcome == "booked", result.message

    page.get_by_role("link", name="Bookings").click()
    row = page.locator(f'tr[data-booking-id="{result.booking_id}"]')
    expect(row).to_contain_text("Court 3")
    row.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("status")).to_contain_text("cancelled on the site and in autobook")
    expect(row).to_contain_text("cancelled")

    api = box.url("better", "api")
    patches = [e for e in sim_events(api, "request") if e["method"] == "PATCH"]
    assert [e["path"] for e in patches] == ["/api/v1/activities/bookings"]
    places = httpx.get(f"{api}/_sandbox/better/session", params={"key": KEY}).json()["places"]
    assert next(p["free"] for p in places if p["number"] == 3)
