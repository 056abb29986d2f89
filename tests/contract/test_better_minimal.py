"""The engine books through the Better adapter on a site that answers only what the notes
promise (better_minimal.py), with nothing changed but AUTOBOOK_BETTER_API_URL and
AUTOBOOK_BETTER_WEB_URL: benefit and credit on both databases, nested basket lines read back,
and the money guards — another date is never booked or paid, an unreadable basket is given
back, an "active" booking is one already made."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from better_minimal import MinimalBetter, court_id
from served import Served

from autobook.domain.statuses import TaskStatus
from autobook.engine.browsers import BrowserPool
from autobook.engine.cancel import SiteCancel, cancel_on_site
from autobook.runtime import Runtime
from engine_support import (
    add_account,
    add_task,
    bookings_of,
    run_once,
    steps_of,
    task_row,
    tomorrow,
)

HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
LOGIN, PASSWORD = "minimal@example.com", "Minimal-pass-1"
DAY = tomorrow()
DAY_TIME = time(20)


@pytest.fixture
def site() -> Iterator[MinimalBetter]:
    yield MinimalBetter(day=DAY, login=LOGIN, password=PASSWORD)


@pytest.fixture
def rt(runtime: Runtime, site: MinimalBetter) -> Iterator[Runtime]:
    served = Served(site.app()).start()
    runtime.settings = runtime.settings.model_copy(
        update={"better_api_url": served.url + "/api", "better_web_url": served.url}
    )
    yield runtime
    served.stop()


def task(rt: Runtime, method: str) -> int:
    account = add_account(rt, "better", LOGIN, PASSWORD)
    return add_task(
        rt, site="better", venue=HENDON, activity=B60, target_date=DAY, times=["20:00"],
        courts=["Court 2"], account_ids=[account], payment_method=method,
    )  # fmt: skip


@pytest.mark.parametrize("method", ["benefit", "credit"])
def test_books_with_benefit_and_credit(rt: Runtime, site: MinimalBetter, method: str) -> None:
    site.benefit = method == "benefit"
    task_id = task(rt, method)
    result = run_once(rt, task_id)

    assert result.outcome == "booked", result.message
    assert task_row(rt, task_id).status == TaskStatus.SUCCEEDED
    [complete] = site.calls("/checkout/complete")
    tender = [] if method == "benefit" else [{"tender_type": "credit", "amount": 1640}]
    assert complete["payments"] == tender
    [added] = site.calls("/activities/cart/add")
    assert added["membership_user_id"] == 77  # from GET /auth/user, the login said nothing
    assert added["items"][0]["id"] == court_id(DAY_TIME, 2)  # the preferred court
    [row] = bookings_of(rt, task_id)
    assert row.court == "Court 2" and row.reference == result.reference
    assert site.lines == {}


def test_nested_basket_lines_are_read_back(rt: Runtime, site: MinimalBetter) -> None:
    site.line_shape = "nested"
    result = run_once(rt, task(rt, "credit"))
    assert result.outcome == "booked", result.message
    assert len(site.calls("/checkout/complete")) == 1


def test_a_listing_of_another_date_is_never_booked(rt: Runtime, site: MinimalBetter) -> None:
    site.listing_day = DAY + timedelta(days=1)  # the wanted hour, on the wrong day
    result = run_once(rt, task(rt, "credit"))
    assert result.outcome == "no_slot", result.message
    assert site.calls("/activities/cart/add") == []
    assert site.calls("/checkout/complete") == []


def test_a_basket_on_another_date_is_given_back_unpaid(rt: Runtime, site: MinimalBetter) -> None:
    site.line_shape, site.line_day = "nested", DAY + timedelta(days=7)
    task_id = task(rt, "credit")
    result = run_once(rt, task_id)

    assert result.outcome == "site_changed"
    assert "wrong booking" in result.message and "nothing was paid" in result.message
    assert site.calls("/checkout/complete") == [] and site.calls("/credits/apply") == []
    assert site.lines == {}  # the hold was given back
    steps = steps_of(rt, result.attempt_id or 0)
    assert ("release", "ok") in [(name, status) for name, status, _ in steps]
    assert bookings_of(rt, task_id) == []


def test_an_unreadable_basket_leaves_no_hold(rt: Runtime, site: MinimalBetter) -> None:
    site.drop_total = True
    result = run_once(rt, task(rt, "credit"))
    assert result.outcome == "site_changed"
    assert "'total' is missing" in result.message
    assert site.lines == {}
    assert site.calls("/checkout/complete") == []


def test_an_active_booking_is_never_paid_twice(rt: Runtime, site: MinimalBetter) -> None:
    site.book(4242, DAY_TIME, status="active")  # a status word our simulator never uses
    result = run_once(rt, task(rt, "credit"))
    assert result.outcome == "already_booked", result.message
    assert result.reference == "4242"
    assert site.calls("/activities/cart/add") == []


def test_a_booking_is_cancelled_with_the_documented_patch(rt: Runtime, site: MinimalBetter) -> None:
    task_id = task(rt, "credit")
    assert run_once(rt, task_id).outcome == "booked"
    [row] = bookings_of(rt, task_id)

    async def cancel() -> SiteCancel:
        async with BrowserPool() as pool:
            return await cancel_on_site(rt, row.id, pool=pool)

    told = asyncio.run(cancel())
    assert told.done, told.note
    [patch] = site.calls("/v1/activities/bookings")
    assert patch == {"data": {"update_type": "cancellation", "booking_ids": [int(row.reference)]}}
    assert site.taken == set()  # the court is free again
