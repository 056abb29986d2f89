"""Seed 004's URL handoff end to end in real Chromium: the API starts a session, autobook's
browser fills the five-step clinic simulator's steps 1–4, and a person on a phone-sized
browser context of their own (none of autobook's cookies) opens the handoff URL, types a test
card and presses Book Appointment. The status and the signed callbacks report the outcome."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from autobook.db.models import HandoffSession
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import SQLITE_ONLY, clinic_thursday, sandbox_fixture, sim_events, sim_fixture
from handoff_support import (
    handoff_runtime,
    receiver,
    service,
    start_body,
    wait_for,
    wait_until,
)

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("clinic", "empty")
clinic = sim_fixture("clinic", seed="empty")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    return handoff_runtime(runtime, box)


def person_pays(browser: Browser, url: str, card: str) -> None:
    """The patient's phone: a fresh context, the handoff URL, the card typed, the button."""
    phone = browser.new_context(**PHONE)
    try:
        page = phone.new_page()
        page.goto(url)
        expect(page.locator("body")).to_contain_text("Botox")
        page.get_by_label("Card number").press_sequentially(card)
        page.get_by_label("Expiry").press_sequentially("12/30")
        page.get_by_label("CVV").press_sequentially("123")
        page.get_by_role("button", name="Book Appointment").tap()
        # What the person sees next: the clinic's answer to their card.
        answer = page.get_by_text(re.compile("Booking Confirmed|Payment Failed")).first
        expect(answer).to_be_visible()
    finally:
        phone.close()


@pytest.mark.parametrize(
    ("card", "state", "outcome"),
    [
        ("4111111111111111", "completed", "success"),
        ("4000000000000002", "failed", "payment_failed"),
        ("4000000000000069", "failed", "payment_failed"),
        ("5555555555554444", "completed", "success"),
    ],
)
def test_a_person_pays_on_the_handoff_url(
    rt: Runtime, clinic: httpx.Client, browser: Browser, card: str, state: str, outcome: str
) -> None:
    booking_url = f"{clinic.base_url}/book"
    with receiver() as calls, service(rt) as api:
        started = api.post("/api/v1/booking/start",
                           json=start_body(booking_url, callbackUrl=calls.url))  # fmt: skip
        assert started.status_code == 201, started.text
        sid = started.json()["sessionId"]
        ready = wait_for(api, sid, {"ready_for_handoff"})
        assert ready["state"] == "ready_for_handoff", ready
        handoff = api.get(f"/api/v1/booking/{sid}/handoff-url").json()
        assert handoff["state"] == "monitoring" and "/book/s/" in handoff["handoffUrl"]

        person_pays(rt_browser := browser, handoff["handoffUrl"], card)
        status = wait_for(api, sid, set())
        wait_until(lambda: len(calls.posts) >= 2)

    assert (status["state"], status["outcome"]) == (state, outcome), status
    booked = sim_events(str(clinic.base_url), "booking")
    if outcome == "success":
        [event] = booked
        details: dict[str, Any] = status["confirmationDetails"]
        assert details["confirmationNumber"] == event["reference"]
        assert details["service"] == "Botox" and details["provider"].startswith("Alex")
        assert details["appointmentTime"].startswith(f"{clinic_thursday().isoformat()}T14:30")
        assert event["slot"] == f"alex/{clinic_thursday().isoformat()}/14:30"
        assert status["error"] is None
    else:
        assert booked == [] and status["confirmationDetails"] is None
        assert "declined" in status["error"].lower() or "expired" in status["error"].lower()
    # The signed POST exactly once per event: the handoff, then the end.
    assert [e for e, _ in calls.events()] == ["ready_for_handoff", state]
    assert len({i for _, i in calls.events()}) == 2 and calls.verified()
    assert calls.posts[-1]["body"]["outcome"] == outcome
    with transaction(rt.sessions) as session:
        row = session.get(HandoffSession, sid)
        assert row is not None and row.screenshot and row.lease_owner is None
        assert card not in str(row.request) + str(row.confirmation) + str(row.error_message)
    assert rt_browser.contexts == []  # the person's context is gone; autobook's is its own
