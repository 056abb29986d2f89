"""Dates and times are bounded the same way by the API, the task form and the CSV import (one
rule, `domain.taskdates`), on both databases; date filters refuse out-of-range dates with a
422 instead of a 500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from entry_support import ENTRIES, Entries, entries
from sqlalchemy import update
from test_ui_helpers import add_account

from autobook.config import Settings
from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.domain.taskdates import latest_target, site_today
from autobook.runtime import Runtime

LONDON = ZoneInfo("Europe/London")


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def _next_change(month: int) -> date:
    """The next day the clocks change in `month` (3: forward, 10: back), from tomorrow on."""
    today = site_today(LONDON)
    day = _last_sunday(today.year, month)
    return day if day > today else _last_sunday(today.year + 1, month)


@pytest.fixture
def door(settings: Settings, runtime: Runtime) -> Iterator[Entries]:
    with entries(settings, runtime) as e:
        yield e


def _payload(account: int, day: date | str, times: list[str]) -> dict[str, Any]:
    target = day.isoformat() if isinstance(day, date) else day
    return {"site": "gym", "venue": "X1", "sub_location": "A", "activity": "gym-60min",
            "target_date": target, "times": times, "account_ids": [account],
            "payment_method": "benefit"}  # fmt: skip


def _cases() -> list[tuple[str, Any, str, str | None]]:
    """(name, date, time, a phrase of the refusal or None for accepted)."""
    today = site_today(LONDON)
    last = latest_target(today)
    return [
        ("today", today, "23:00", None),
        ("two years ahead", last, "09:00", None),
        ("yesterday", today - timedelta(days=1), "09:00", "in the past"),
        ("a day too far", last + timedelta(days=1), "09:00", "more than 2 years ahead"),
        ("year 1", "0001-01-01", "09:00", "out of range"),
        ("year 1900", "1900-01-01", "09:00", "out of range"),
        ("year 9999", "9999-12-31", "09:00", "out of range"),
        ("DST gap", _next_change(3), "01:30", "does not exist"),
        ("DST fold", _next_change(10), "01:30", None),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_the_api_the_form_and_csv_agree_on_dates(
    door: Entries, runtime: Runtime, case: tuple[str, Any, str, str | None]
) -> None:
    _, day, at, refusal = case
    account = add_account(runtime, "gym")
    for entry in ENTRIES:
        verdict = door.create(entry, _payload(account, day, [at]))
        if refusal is None:
            assert verdict.accepted, (entry, verdict.status, verdict.text[:500])
        else:
            assert verdict.status == 422, (entry, verdict.status, verdict.text[:500])
            assert refusal in verdict.text, (entry, verdict.text[:500])


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_booking_filters_refuse_out_of_range_dates(door: Entries, day: str) -> None:
    api = door.client.get("/api/v1/bookings", params={"date": day}, headers=door.bearer)
    assert api.status_code == 422 and "out of range" in api.text, api.text
    page = door.client.get("/bookings", params={"date": day})
    assert page.status_code == 422 and "out of range" in page.text


def test_booking_filters_take_a_date_in_range(door: Entries) -> None:
    today = site_today(LONDON).isoformat()
    api = door.client.get("/api/v1/bookings", params={"date": today}, headers=door.bearer)
    assert api.status_code == 200 and api.json() == []
    assert door.client.get("/bookings", params={"date": today}).status_code == 200


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31)])
def test_pages_show_a_task_stored_before_dates_were_bounded(
    door: Entries, runtime: Runtime, day: date
) -> None:
    account = add_account(runtime, "gym")
    task_id = door.create("api", _payload(account, site_today(LONDON), ["09:00"])).task_id
    with transaction(runtime.sessions) as session:
        stored = update(Task).where(Task.id == task_id)
        session.execute(stored.values(target_date=day, strategy="snipe"))
    assert door.client.get("/").status_code == 200
    assert door.client.get(f"/tasks/{task_id}").status_code == 200
    assert door.client.get(f"/api/v1/tasks/{task_id}", headers=door.bearer).status_code == 200
