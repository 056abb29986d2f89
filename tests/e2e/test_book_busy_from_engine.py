"""One calendar: a Better court the engine books at 19:00 on the sandbox makes the owner busy,
so the public page stops offering the times that overlap it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from appointments_support import local_times, set_up_page, slot_values
from autobook.runtime import Runtime
from autobook.sandbox.better.site import DEMO_USERS
from autobook.web.app import create_app
from engine_support import (
    LONDON,
    add_account,
    add_task,
    bookings_of,
    run_once,
    runtime_fixture,
    sandbox_fixture,
    sim_fixture,
)

pytestmark = pytest.mark.e2e

# The simulator's clock a week ahead of the real one, as in test_engine_better.py.
NOW = datetime.combine(datetime.now(LONDON).date() + timedelta(days=7), time(9, 30), LONDON)
TOMORROW = NOW.date() + timedelta(days=1)

box = sandbox_fixture("better", "demo")
sim = sim_fixture("better", "api", "demo", now=NOW)
rt = runtime_fixture()


def test_a_court_booked_at_19_removes_overlapping_slots(rt: Runtime, sim: httpx.Client) -> None:
    type_id = set_up_page(rt, duration_minutes=30, buffer_after_minutes=15, opens=time(17),
                          closes=time(21))  # fmt: skip
    with TestClient(create_app(rt.settings, runtime=rt)) as client:
        before = local_times(slot_values(client, type_id, TOMORROW))
        assert {"18:30", "19:00", "19:30", "20:00"} <= set(before)

        member = DEMO_USERS[0]
        account = add_account(rt, "better", member[0], member[1])
        task = add_task(rt, site="better", venue="hendon-leisure-centre",
                        activity="badminton-60min", target_date=TOMORROW, times=["19:00"],
                        account_ids=[account], payment_method="benefit")  # fmt: skip
        result = run_once(rt, task)
        assert result.outcome == "booked", result.message
        [booking] = bookings_of(rt, task)
        assert booking.starts_at.astimezone(LONDON).strftime("%H:%M") == "19:00"

        after = local_times(slot_values(client, type_id, TOMORROW))
    # the court runs 19:00–20:00; 18:30 + 30 min + its 15-minute buffer reaches 19:15
    assert set(before) - set(after) == {"18:30", "19:00", "19:30"}
    assert "18:00" in after and "20:00" in after
