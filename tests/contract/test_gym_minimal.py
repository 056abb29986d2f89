"""The engine books through the gym adapter on a site that answers only what the gym notes
promise (gym_minimal.py), on both databases; another date's slot at the wanted hour is never
booked, and a booking answer for another hour is cancelled again and fails as a wrong booking.
Screenshots are off: the minimal site has no pages, only its API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from gym_minimal import MinimalGym
from served import Served

from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from engine_support import add_account, add_task, bookings_of, run_once, task_row, tomorrow

LOGIN, PASSWORD = "minimal@example.com", "Minimal-pass-1"
DAY = tomorrow()


@pytest.fixture
def site() -> Iterator[MinimalGym]:
    yield MinimalGym(day=DAY, email=LOGIN, password=PASSWORD)


@pytest.fixture
def rt(runtime: Runtime, site: MinimalGym) -> Iterator[Runtime]:
    served = Served(site.app()).start()
    update = {"gym_url": served.url, "screenshots": False}
    runtime.settings = runtime.settings.model_copy(update=update)
    yield runtime
    served.stop()


def task(rt: Runtime) -> int:
    account = add_account(rt, "gym", LOGIN, PASSWORD)
    return add_task(
        rt, site="gym", venue="X1", sub_location="A", activity="gym-60min", target_date=DAY,
        times=["07:00"], account_ids=[account], payment_method="benefit",
    )  # fmt: skip


def test_books_with_only_the_promised_fields(rt: Runtime, site: MinimalGym) -> None:
    task_id = task(rt)
    result = run_once(rt, task_id)

    assert result.outcome == "booked", result.message
    assert task_row(rt, task_id).status == TaskStatus.SUCCEEDED
    [request] = site.calls("POST", "/bookings")
    assert request == {"date": DAY.isoformat(), "time": "07:00", "location": "X1",
                       "sub_location": "A"}  # fmt: skip
    [row] = bookings_of(rt, task_id)
    assert row.reference == "MIN-0001" == result.reference and row.court == "A"


def test_a_listing_of_another_date_is_never_booked(rt: Runtime, site: MinimalGym) -> None:
    site.listing_day = DAY + timedelta(days=1)
    result = run_once(rt, task(rt))
    assert result.outcome == "no_slot", result.message
    assert site.calls("POST", "/bookings") == []


def test_a_booking_of_another_hour_is_cancelled_again(rt: Runtime, site: MinimalGym) -> None:
    site.booked_hour = 9
    task_id = task(rt)
    result = run_once(rt, task_id)

    assert result.outcome == "site_changed"
    assert "wrong booking" in result.message and "cancelled again" in result.message
    assert [b["status"] for b in site.bookings] == ["cancelled"]
    assert bookings_of(rt, task_id) == []
