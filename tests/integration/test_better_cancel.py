"""Cancelling a Better booking from autobook cancels it on the site: the engine books on the
simulator, then the REST API (`POST /api/v1/bookings/{id}/cancel`) or the bookings page's
Cancel button tells the site with `PATCH /v1/activities/bookings` (update_type cancellation),
the simulator's event log shows the PATCH and the court is free again. A site that refuses
leaves the booking as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import post, signed_in
from test_web_helpers import make_token

from autobook.runtime import Runtime
from autobook.sandbox.better.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from autobook.web.app import create_app
from engine_support import (
    LONDON,
    add_account,
    add_task,
    bookings_of,
    run_once,
    sandbox_fixture,
    sandbox_runtime,
    sim_events,
    sim_fixture,
)

HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
NOW = datetime.combine(datetime.now(LONDON).date() + timedelta(days=7), time(9, 30), LONDON)
TOMORROW = NOW.date() + timedelta(days=1)
KEY = f"{HENDON}/{B60}/{TOMORROW}/20:00"
CREDIT = DEMO_USERS[1]


def all_free(sim: httpx.Client) -> None:
    body = {"key": KEY, "free": [1, 2, 3, 4]}
    sim.post("/_sandbox/better/occupancy", json=body).raise_for_status()
    sim.delete("/_sandbox/events").raise_for_status()


box = sandbox_fixture("better", "demo")
sim = sim_fixture("better", "api", "demo", now=NOW, prepare=all_free)


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    runtime = sandbox_runtime(runtime, box)
    runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
    return runtime


def booked(rt: Runtime) -> int:
    """A Better booking made by the engine (credit, Court 3 at 20:00): its autobook id."""
    account = add_account(rt, "better", *CREDIT)
    task = add_task(
        rt, site="better", venue=HENDON, activity=B60, target_date=TOMORROW, times=["20:00"],
        courts=["Court 3"], account_ids=[account], payment_method="credit",
    )  # fmt: skip
    result = run_once(rt, task)
    assert result.outcome == "booked", result.message
    [row] = bookings_of(rt, task)
    return row.id


def court_3_free(sim: httpx.Client) -> bool:
    places = sim.get("/_sandbox/better/session", params={"key": KEY}).json()["places"]
    return next(p["free"] for p in places if p["number"] == 3)


def assert_cancelled_on_site(sim: httpx.Client, base: str) -> None:
    patches = [e for e in sim_events(base, "request") if e["method"] == "PATCH"]
    assert [e["path"] for e in patches] == ["/api/v1/activities/bookings"]
    [cancel] = sim_events(base, "cancel")
    assert cancel["slot"] == KEY and cancel["detail"]["court"] == "Court 3"
    assert court_3_free(sim)


@pytest.fixture
def api(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt.settings, runtime=rt)) as client:
        client.headers["Authorization"] = f"Bearer {make_token(rt)}"
        yield client


@pytest.mark.parametrize("documented_only", [False, True])
def test_api_cancel_cancels_on_the_site(
    rt: Runtime, sim: httpx.Client, api: TestClient, box: Sandbox, documented_only: bool
) -> None:
    # documented_only: the simulator answers only what the notes document; its bookings
    # listing no longer shows the order id, so the booking is found by its start instead
    variation = {"documented_only": documented_only}
    sim.put("/_sandbox/better/variation", json=variation).raise_for_status()
    booking = booked(rt)
    assert not court_3_free(sim)

    response = api.post(f"/api/v1/bookings/{booking}/cancel")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cancelled_on_site"] is True and body["booking"]["status"] == "cancelled"
    assert "cancelled on Better" in body["note"]
    assert_cancelled_on_site(sim, box.url("better", "api"))


def test_ui_cancel_button_cancels_on_the_site(rt: Runtime, sim: httpx.Client, box: Sandbox) -> None:
    booking = booked(rt)
    for client in signed_in(rt.settings, rt):
        page = client.get("/bookings").text
        assert f'action="/bookings/{booking}/cancel"' in page
        done = post(client, f"/bookings/{booking}/cancel")
        assert done.status_code == 303
        assert "cancelled on the site and in autobook" in client.get(done.headers["location"]).text
    assert_cancelled_on_site(sim, box.url("better", "api"))


def test_a_site_that_does_not_answer_changes_nothing(
    rt: Runtime, sim: httpx.Client, api: TestClient, box: Sandbox
) -> None:
    booking = booked(rt)
    sim.put("/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()
    response = api.post(f"/api/v1/bookings/{booking}/cancel")
    assert response.status_code == 502
    [error] = response.json()["detail"]
    assert error["field"] == "site" and "nothing was changed" in error["message"]
    assert api.get(f"/api/v1/bookings/{booking}").json()["status"] == "confirmed"

    local = api.post(f"/api/v1/bookings/{booking}/cancel?on_site=false")
    assert local.status_code == 200 and local.json()["cancelled_on_site"] is False
    assert "on the site as well" in local.json()["note"]
    sim.put("/_sandbox/faults", json={}).raise_for_status()
    assert sim_events(box.url("better", "api"), "cancel") == [] and not court_3_free(sim)


def test_a_booking_already_cancelled_on_the_site_is_not_patched(
    rt: Runtime, sim: httpx.Client, api: TestClient, box: Sandbox
) -> None:
    booking = booked(rt)
    sim.post("/_sandbox/better/occupancy", json={"key": KEY, "free": [3]}).raise_for_status()
    response = api.post(f"/api/v1/bookings/{booking}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["cancelled_on_site"] is True
    patches = [e for e in sim_events(box.url("better", "api"), "request") if e["method"] == "PATCH"]
    assert patches == []
