"""The list pages on a real database: bookings with seed 002's filters and cancel, the log
with its filters and live tail, and bad filter values answered by the field, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import add_account, add_booking, add_log, add_task, post, signed_in

from autobook.config import Settings
from autobook.runtime import Runtime


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


def _booking_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-booking-id="(\d+)"', html)]


def _log_messages(html: str) -> list[str]:
    return re.findall(r'data-label="Message">([^<]*)<', html)


@pytest.fixture
def bookings(runtime: Runtime) -> dict[str, int]:
    """Four bookings that differ in status, day, account and venue."""
    ann, ben = add_account(runtime, "gym", "ann@example.com"), add_account(runtime, "gym", "b@x.io")
    day = datetime(2030, 6, 15, 9, 0, tzinfo=UTC)  # 10:00 in London (summer time)
    return {
        "ann_x1": add_booking(runtime, account_id=ann, venue="X1", starts_at=day),
        "ann_x3": add_booking(runtime, account_id=ann, venue="X3", starts_at=day + timedelta(1)),
        "ben_failed": add_booking(
            runtime,
            account_id=ben,
            venue="X1",
            status="failed",
            starts_at=day,
            error_message="the site declined",
        ),
        "ben_cancelled": add_booking(
            runtime, account_id=ben, venue="Fitness", status="cancelled", starts_at=day
        ),
        "ann": ann,
        "ben": ben,
    }


def test_bookings_filter_by_status_date_account_and_location(
    client: TestClient, bookings: dict[str, int]
) -> None:
    everything = client.get("/bookings")
    assert sorted(_booking_ids(everything.text)) == sorted(
        v for k, v in bookings.items() if k not in ("ann", "ben")
    )
    assert "2030-06-15 10:00" in everything.text  # shown in UK time
    assert "the site declined" in everything.text
    cases = {
        "status=failed": [bookings["ben_failed"]],
        "date=2030-06-16": [bookings["ann_x3"]],
        f"account={bookings['ann']}": [bookings["ann_x3"], bookings["ann_x1"]],
        "location=x1": sorted([bookings["ann_x1"], bookings["ben_failed"]]),
        f"status=confirmed&location=X1&account={bookings['ann']}": [bookings["ann_x1"]],
    }
    for query, expected in cases.items():
        found = _booking_ids(client.get(f"/bookings?{query}").text)
        assert sorted(found) == sorted(expected), query
    none = client.get("/bookings?date=2031-01-01")
    assert none.status_code == 200 and "No booking matches these filters" in none.text


BAD_BOOKING_FILTERS = [("status=lost", "status"), ("date=15/06/2030", "date"),
                       ("account=abc", "account"), ("account=99999999999", "account"),
                       ("location=" + "x" * 300, "location")]  # fmt: skip


def test_bad_booking_filters_are_named(client: TestClient) -> None:
    for query, field in BAD_BOOKING_FILTERS:
        response = client.get(f"/bookings?{query}")
        assert response.status_code == 422, query
        assert f'id="{field}-error"' in response.text and "Fix the filter" in response.text


def test_cancel_marks_the_booking_and_says_the_site_needs_telling(
    client: TestClient, bookings: dict[str, int]
) -> None:
    page = client.get("/bookings").text
    assert f'action="/bookings/{bookings["ann_x1"]}/cancel"' in page
    assert f'action="/bookings/{bookings["ben_failed"]}/cancel"' not in page  # not cancellable
    # The gym can be cancelled from here, but no gym URL is set: nothing changes, and the page
    # says why and offers to cancel in autobook only.
    refused = post(client, f"/bookings/{bookings['ann_x1']}/cancel")
    assert refused.status_code == 502
    assert "Not cancelled" in refused.text and "AUTOBOOK_GYM_URL is not set" in refused.text
    assert bookings["ann_x1"] not in _booking_ids(client.get("/bookings?status=cancelled").text)
    local = f"/bookings/{bookings['ann_x1']}/cancel?on_site=false"
    assert f'action="{local}"' in refused.text
    done = post(client, local)
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "Cancel it on the site as well" in after.text
    cancelled = _booking_ids(client.get("/bookings?status=cancelled").text)
    assert sorted(cancelled) == sorted([bookings["ann_x1"], bookings["ben_cancelled"]])
    again = post(client, f"/bookings/{bookings['ann_x1']}/cancel")
    assert again.status_code == 409 and "cancelled booking cannot be cancelled" in again.text
    assert post(client, "/bookings/4242/cancel").status_code == 404


def test_logs_filter_by_level_source_and_task(client: TestClient, runtime: Runtime) -> None:
    task = add_task(runtime)
    add_log(runtime, "INFO", "Worker", "checked task", task)
    add_log(runtime, "ERROR", "Worker", "login refused", task)
    add_log(runtime, "WARN", "Web", "slow answer")
    page = client.get("/logs")
    assert _log_messages(page.text) == ["slow answer", "login refused", "checked task"]
    assert 'hx-get="/logs/tail"' in page.text and 'hx-trigger="every 2s"' in page.text
    assert _log_messages(client.get("/logs?level=ERROR").text) == ["login refused"]
    assert _log_messages(client.get("/logs?source=Web").text) == ["slow answer"]
    by_task = client.get(f"/logs?task={task}&level=INFO")
    assert _log_messages(by_task.text) == ["checked task"]
    assert f'hx-get="/logs/tail?level=INFO&amp;task={task}"' in by_task.text  # tail keeps them
    none = client.get("/logs?source=CLI")
    assert "match these filters" in none.text


def test_log_tail_is_a_partial_with_new_lines(client: TestClient, runtime: Runtime) -> None:
    add_log(runtime, "INFO", "Worker", "first line")
    assert _log_messages(client.get("/logs/tail").text) == ["first line"]
    add_log(runtime, "INFO", "Worker", "second line")
    tail = client.get("/logs/tail", headers={"HX-Request": "true"})
    assert "<html" not in tail.text and 'id="log-lines"' in tail.text
    assert _log_messages(tail.text) == ["second line", "first line"]


BAD_LOG_FILTERS = [("level=LOUD", "level"), ("task=-1", "task"), ("task=1.5", "task"),
                   ("before=x", "before"), ("source=" + "s" * 40, "source")]  # fmt: skip


def test_bad_log_filters_are_named(client: TestClient) -> None:
    for query, field in BAD_LOG_FILTERS:
        response = client.get(f"/logs?{query}")
        assert response.status_code == 422, query
        assert field in response.text and "Fix the filter" in response.text
        assert client.get(f"/logs/tail?{query}").status_code == 422
