"""Live handoff of Better's card checkout, end to end in real Chromium. The checkout is bound to
the login's cookie, not to its URL, so a task paid by `handoff` stops at it and waits in
awaiting_payment; the handoff service logs in again in a browser of its own, reads the basket
back and opens the checkout (new card, billing filled) on a phone-sized tab. A person on a
phone-sized browser context opens autobook's `/handoff/{token}` page, taps into the card
iframe (another origin) on the picture and types the card. The task ends succeeded (with its
booking) only once they paid, failed on a declined card, failed slot_unavailable when the
basket was lost first, failed with an error when the basket holds another court; and the card
number is in no log line, database row or file."""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Locator, expect
from sqlalchemy import MetaData, select, text
from test_engine_better import NEW_CARD, NEW_CARD_USER, NOW, better_task, courts_to_choose_from

from autobook.db.models import HandoffSession
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from autobook.sites.better.browser import PAY_IFRAME, PAY_NAME, TERMS_LABEL
from engine_support import (
    SQLITE_ONLY,
    add_card,
    bookings_of,
    ended_as,
    fast_runtime,
    run_once,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    task_row,
)
from handoff_support import SECRET, Find, served, tap_on_picture, wait_until

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("better", "demo")
sim = sim_fixture("better", "api", "demo", now=NOW, prepare=courts_to_choose_from)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CARD = "4111111111111111"
KEY_GAP_MS = 70  # a person's pace: the payment iframe refuses cards typed faster


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    rt = fast_runtime(runtime, box, typing_ms=None)
    rt.settings = rt.settings.model_copy(update={
        "handoff_poll_s": 0.3, "handoff_callback_secret": SECRET,
    })  # fmt: skip
    return rt


def handoff_task(rt: Runtime) -> tuple[int, str]:
    """A Better task paid by handoff, run by the engine up to the checkout: its id and the
    token of the live handoff link it sent."""
    billing = add_card(rt, card_number=NEW_CARD, cvv=None, store_cvv=False)  # billing only
    task = better_task(rt, NEW_CARD_USER, "handoff", payment_profile_id=billing)
    with ThreadPoolExecutor(1) as thread:  # the engine's own loop, beside the sync browser's
        result = thread.submit(run_once, rt, task).result()
    ended_as(rt, task, result, "handoff", TaskStatus.AWAITING_PAYMENT)
    assert "/handoff/" in result.message
    return task, result.message.rsplit("/handoff/", 1)[1]


def session_of(rt: Runtime, task: int) -> HandoffSession:
    with transaction(rt.sessions) as session:
        row = session.scalars(select(HandoffSession).where(HandoffSession.task_id == task)).one()
        session.expunge(row)
        return row


def card_field(label: str) -> Find:
    return lambda page: page.frame_locator(PAY_IFRAME).get_by_label(label)


def person_pays(browser: Browser, url: str, app: FastAPI, session_id: str) -> None:
    """The person, on a phone with none of autobook's cookies, pays on the live page."""
    phone = browser.new_context(**PHONE)
    try:
        person = phone.new_page()
        person.goto(url)
        expect(person.locator("body")).to_contain_text("autobook's browser")
        expect(person.locator("#state")).to_contain_text("Connected")
        expect(person.locator("#screen")).to_have_attribute("src", re.compile(r"^data:image/jpeg"))
        typed = (("Name on card", "Jane Doe"), ("Card number", CARD),
                 ("Expiry date", "1230"), ("Security code", "123"))  # fmt: skip
        for label, value in typed:
            tap_on_picture(person, app, session_id, card_field(label))
            person.keyboard.type(value, delay=KEY_GAP_MS)
        tap_on_picture(person, app, session_id, lambda page: page.get_by_label(TERMS_LABEL))
        pay: Find = lambda page: page.get_by_role("button", name=PAY_NAME)  # noqa: E731
        wait_until(lambda: held_enabled(app, session_id, pay))
        tap_on_picture(person, app, session_id, pay)
        wait_until(lambda: session_over(app, session_id))
    finally:
        phone.close()


def held_enabled(app: FastAPI, session_id: str, find: Find) -> bool:
    service = app.state.handoffs
    loop = service.running[session_id].get_loop()
    locator: Locator = find(service.live[session_id])
    return asyncio.run_coroutine_threadsafe(locator.first.is_enabled(), loop).result(15)


def session_over(app: FastAPI, session_id: str) -> bool:
    return session_id not in app.state.handoffs.live


def basket_ids(api_base: str) -> list[int]:
    """The new-card user's basket lines, read on the site's API as the user."""
    with httpx.Client(base_url=f"{api_base}/api", timeout=10) as api:
        login = {"username": NEW_CARD_USER[0], "password": NEW_CARD_USER[1]}
        token = api.post("/auth/customer/login", json=login).json()["token"]
        cart = api.get("/activities/cart", headers={"Authorization": f"Bearer {token}"}).json()
        return [item["id"] for item in cart["data"]["items"]]


def empty_basket(api_base: str) -> None:
    ids = basket_ids(api_base)
    with httpx.Client(base_url=f"{api_base}/api", timeout=10) as api:
        login = {"username": NEW_CARD_USER[0], "password": NEW_CARD_USER[1]}
        token = api.post("/auth/customer/login", json=login).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        api.post("/activities/cart/remove", json={"cart_item_ids": ids},
                 headers=headers).raise_for_status()  # fmt: skip


def assert_card_nowhere(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    """The card number in no log record, no database row (every table), no file."""
    assert CARD not in caplog.text
    with transaction(rt.sessions) as session:
        meta = MetaData()
        meta.reflect(bind=session.get_bind())
        for table in meta.sorted_tables:
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')):
                assert CARD not in repr(tuple(row)), table.name
    folder = Path(rt.settings.data_dir)
    db_file = Path(rt.settings.sqlalchemy_url.removeprefix("sqlite:///"))
    for path in [db_file, *folder.rglob("*")]:
        if path.is_file():
            assert CARD.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(("declined"), [False, True], ids=["paid", "declined"])
def test_a_person_pays_betters_card_checkout_from_a_phone(
    rt: Runtime, sim: httpx.Client, box: Sandbox, browser: Browser,
    caplog: pytest.LogCaptureFixture, declined: bool,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    api_base = box.url("better", "api")
    task, token = handoff_task(rt)
    if declined:
        sim.put("/_sandbox/faults", json={"decline_payments": True}).raise_for_status()
    sid = session_of(rt, task).id
    with served(rt) as (api, app):
        wait_until(lambda: sid in app.state.handoffs.live)
        person_pays(browser, f"{api.base_url}/handoff/{token}", app, sid)
        wait_until(lambda: task_row(rt, task).status != TaskStatus.AWAITING_PAYMENT)
        # Paid or declined, nothing stays in the basket: a declined card's court is given
        # back at once, not left blocked until the site's own timeout.
        wait_until(lambda: basket_ids(api_base) == [])

    row, handoff = task_row(rt, task), session_of(rt, task)
    booked = sim_events(api_base, "booking")
    # The link never outlives the hold (about 10 minutes on Better), whatever the URL TTL.
    assert rt.settings.handoff_url_ttl_s > 600
    assert handoff.handoff_expires_at is not None
    assert handoff.handoff_expires_at - handoff.created_at <= timedelta(minutes=10)
    if declined:
        assert row.status == TaskStatus.FAILED.value and "payment_failed" in (row.error or "")
        assert (handoff.state, handoff.outcome) == ("failed", "payment_failed")
        assert booked == [] and bookings_of(rt, task) == []
        payments = sim_events(api_base, "payment")
        assert [p["detail"]["outcome"] for p in payments] == ["declined"]
    else:
        assert row.status == TaskStatus.SUCCEEDED.value, row.error
        assert (handoff.state, handoff.outcome) == ("completed", "success")
        [site_booking] = booked
        reference = site_booking["reference"]
        assert handoff.confirmation is not None
        assert handoff.confirmation["confirmationNumber"] == str(reference)
        [booking] = bookings_of(rt, task)
        assert booking.reference == str(reference) and booking.court == "Court 3"
        assert site_booking["detail"]["court"] == "Court 3"
    assert token not in caplog.text  # the link is the booking: never logged
    assert_card_nowhere(rt, caplog)


def test_a_basket_lost_before_the_person_pays_ends_slot_unavailable(
    rt: Runtime, sim: httpx.Client, box: Sandbox
) -> None:
    api_base = box.url("better", "api")
    task, _token = handoff_task(rt)
    empty_basket(api_base)  # the site let the hold go before the person came
    with served(rt):
        wait_until(lambda: task_row(rt, task).status != TaskStatus.AWAITING_PAYMENT)

    row, handoff = task_row(rt, task), session_of(rt, task)
    assert row.status == TaskStatus.FAILED.value
    assert (handoff.state, handoff.outcome) == ("failed", "slot_unavailable"), handoff.error_message
    assert sim_events(api_base, "booking") == [] and bookings_of(rt, task) == []


def test_another_court_in_the_basket_ends_with_an_error_and_is_given_back(
    rt: Runtime, sim: httpx.Client, box: Sandbox
) -> None:
    api_base = box.url("better", "api")
    task, _token = handoff_task(rt)
    assert len(basket_ids(api_base)) == 1
    with transaction(rt.sessions) as session:  # the task held Court 2, the basket has Court 3
        handoff = session.scalars(select(HandoffSession)).one()
        request = dict(handoff.request)
        request["hold"] = {**request["hold"], "extra": {**request["hold"]["extra"],
                                                        "court": "Court 2"}}  # fmt: skip
        handoff.request = request
    with served(rt):
        wait_until(lambda: task_row(rt, task).status != TaskStatus.AWAITING_PAYMENT)

    row, handoff = task_row(rt, task), session_of(rt, task)
    assert row.status == TaskStatus.FAILED.value
    assert (handoff.state, handoff.outcome) == ("failed", "error")
    assert "Court 3" in (handoff.error_message or ""), handoff.error_message
    assert basket_ids(api_base) == []  # the line that was not the task's is given back
    assert sim_events(api_base, "booking") == [] and bookings_of(rt, task) == []
