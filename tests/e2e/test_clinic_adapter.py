"""The clinic adapter on its own against the simulator, in real Chromium: what the engine does
not reach yet (a person paying on the handoff URL) and the ways a held time is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import time
from typing import TypeVar

import httpx
import pytest

from autobook.domain.booking import Card, Credentials, Hold, Payment, Want
from autobook.domain.tasks import PaymentMethod
from autobook.sandbox.clinic.catalog import BOOKING_WINDOW_DAYS, PROVIDERS, SERVICES
from autobook.sites.base import SlotTaken, Transient
from autobook.sites.clinic.adapter import ClinicAdapter
from autobook.sites.outcome import Outcome, PageOutcome, read_outcome
from engine_support import clinic_thursday, drive_adapter, sandbox_fixture, sim_events, sim_fixture

pytestmark = pytest.mark.e2e

T = TypeVar("T")
# The clinic has no login: the password is never read, the phone goes into step 4.
PATIENT = Credentials("jane@example.com", "unused-pw", "Jane Doe", phone="07700 900123")
GOOD_CARD = Card("4111111111111111", "12", "30", cvv="123")


box = sandbox_fixture("clinic", "empty")
clinic = sim_fixture("clinic", seed="empty")


def want(at: str = "14:30") -> Want:
    """Botox with Brandi only (the task's sub-location): one provider's times to read."""
    wanted = (time.fromisoformat(at),)
    return Want("lumen-skin-clinic", "botox", clinic_thursday(), wanted, sub_location="Brandi")


def with_adapter(clinic: httpx.Client, use: Callable[[ClinicAdapter], Awaitable[T]]) -> T:
    """Run `use` with an adapter for the patient, in a fresh browser, from sync test code."""
    return drive_adapter(ClinicAdapter, PATIENT, {"clinic": str(clinic.base_url)}, use)


async def hold_brandi(adapter: ClinicAdapter, at: str = "14:30") -> Hold:
    slots = await adapter.availability(want(at))
    assert {s.court for s in slots} == {"Brandi"}
    [slot] = [s for s in slots if s.site_id == f"brandi/{clinic_thursday().isoformat()}/{at}"]
    return await adapter.hold(slot, want(at))


def test_what_the_clinic_offers_is_read_from_its_pages(clinic: httpx.Client) -> None:
    """The five-step widget has no data to read: its services and providers come from its
    pages, in a browser."""
    info = ClinicAdapter.offered({"clinic": str(clinic.base_url)}, browse=True)
    assert [(a.key, a.name, a.duration_minutes) for a in info.activities] == [
        (s.id, s.name, s.duration_min) for s in SERVICES
    ]
    [venue] = info.venues
    assert (venue.key, venue.name) == ("lumen-skin-clinic", "Lumen Skin Clinic")
    assert venue.sub_locations == tuple(p.id for p in PROVIDERS)
    assert info.release.days_ahead == BOOKING_WINDOW_DAYS and info.release.at == time(0, 0)
    assert sim_events(str(clinic.base_url), "hold") == []  # reading holds nothing


def test_a_person_pays_on_the_handoff_url_in_another_browser(clinic: httpx.Client) -> None:
    async def body(adapter: ClinicAdapter) -> tuple[str, list[str]]:
        hold = await hold_brandi(adapter)
        with pytest.raises(ValueError, match="handed off"):
            adapter.handoff_url(hold)  # only once checkout has stopped at step 5
        handoff = Payment(PaymentMethod.HANDOFF)
        assert await adapter.checkout(hold, handoff, dry_run=True) is None
        url = adapter.handoff_url(hold)
        phone = await adapter.ctx.browser.pool.context("the patient's phone")
        person = await phone.new_page()
        await person.goto(url)
        for field, value in (("#card_number", "4111 1111 1111 1111"), ("#expiry", "12/30"),
                             ("#cvv", "123")):  # fmt: skip
            await person.locator(field).press_sequentially(value)
        await person.get_by_role("button", name="Book Appointment").click()
        await person.wait_for_url("**/confirmation")
        reference = await person.locator(".confirmation-number").inner_text()
        # The adapter sees the booking its session made, and a checkout of the paid session
        # reports it instead of paying again.
        seen = [b.reference for b in await adapter.bookings(want())]
        paid = await adapter.checkout(hold, Payment(PaymentMethod.CARD, GOOD_CARD), dry_run=False)
        assert paid is not None and (paid.court, paid.price) == ("Brandi", "£250")
        return reference, [*seen, paid.reference]

    reference, seen = with_adapter(clinic, body)
    [event] = sim_events(str(clinic.base_url), "booking")
    assert event["reference"] == reference and seen == [reference, reference]
    assert len(sim_events(str(clinic.base_url), "payment")) == 1
    assert event["actor"] == PATIENT.login
    assert event["slot"] == f"brandi/{clinic_thursday().isoformat()}/14:30"


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("4111111111111111", Outcome.SUCCESS),
        ("4000000000000002", Outcome.DECLINED),
        ("4000000000000069", Outcome.EXPIRED),
    ],
)
def test_each_test_card_paid_on_the_handoff_url_is_read_right(
    clinic: httpx.Client, card: str, expected: Outcome
) -> None:
    """Seed 004's table: a person pays on the handed-off page in their own browser context,
    and the outcome detector reads what that page then shows."""

    async def body(adapter: ClinicAdapter) -> PageOutcome:
        hold = await hold_brandi(adapter)
        assert await adapter.checkout(hold, Payment(PaymentMethod.HANDOFF), dry_run=True) is None
        phone = await adapter.ctx.browser.pool.context("the patient's phone")
        person = await phone.new_page()
        await person.goto(adapter.handoff_url(hold))
        for label, value in (("Card number", card), ("Expiry", "12/30"), ("CVV", "123")):
            await person.get_by_label(label).press_sequentially(value)
        before = person.url
        await person.get_by_role("button", name="Book Appointment").click()
        return await read_outcome(person, until_changed_from=before)

    seen = with_adapter(clinic, body)
    assert seen.outcome is expected, seen
    booked = sim_events(str(clinic.base_url), "booking")
    if expected is Outcome.SUCCESS:
        assert [e["reference"] for e in booked] == [seen.reference]
    else:
        assert booked == [] and "Payment Failed" in seen.reason


def test_a_time_lost_before_paying_is_slot_taken_and_charges_nothing(
    clinic: httpx.Client,
) -> None:
    async def body(adapter: ClinicAdapter) -> str:
        hold = await hold_brandi(adapter)
        [held] = sim_events(str(clinic.base_url), "hold")  # the site's own session id
        clinic.post(f"/_sandbox/clinic/sessions/{held['reference']}/drop-hold").raise_for_status()
        slot = {"slot": hold.slot.site_id, "patient": "walk-in"}
        clinic.post("/_sandbox/clinic/appointments", json=slot).raise_for_status()
        with pytest.raises(SlotTaken) as caught:
            await adapter.checkout(hold, Payment(PaymentMethod.CARD, GOOD_CARD), dry_run=False)
        return caught.value.message

    message = with_adapter(clinic, body)
    assert "Time No Longer Available" in message and "not been charged" in message
    assert sim_events(str(clinic.base_url), "payment") == []
    assert [e["actor"] for e in sim_events(str(clinic.base_url), "booking")] == ["walk-in"]


def test_an_expired_session_is_slot_taken(clinic: httpx.Client) -> None:
    async def body(adapter: ClinicAdapter) -> str:
        hold = await hold_brandi(adapter)
        clinic.put("/_sandbox/faults", json={"expire_sessions": True}).raise_for_status()
        with pytest.raises(SlotTaken) as caught:
            await adapter.checkout(hold, Payment(PaymentMethod.CARD, GOOD_CARD), dry_run=False)
        return caught.value.message

    assert "Session Expired" in with_adapter(clinic, body)
    assert sim_events(str(clinic.base_url), "booking") == []


def test_a_failing_site_is_transient(clinic: httpx.Client) -> None:
    clinic.put("/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()

    async def body(adapter: ClinicAdapter) -> str:
        with pytest.raises(Transient) as caught:
            await adapter.availability(want())
        return caught.value.message

    assert "503" in with_adapter(clinic, body)


def test_holds_fired_together_take_turns_and_keep_one(clinic: httpx.Client) -> None:
    """A snipe fires several holds at once; in one tab they run one after another, and the
    ones after the first find the time gone."""

    async def body(adapter: ClinicAdapter) -> list[object]:
        [slot] = [s for s in await adapter.availability(want()) if s.starts_at.hour == 14
                  and s.starts_at.minute == 30]  # fmt: skip
        shots = [adapter.hold(slot, want()) for _ in range(3)]
        return list(await asyncio.gather(*shots, return_exceptions=True))

    results = with_adapter(clinic, body)
    assert [type(r).__name__ for r in results] == ["Hold", "SlotTaken", "SlotTaken"]
    assert len(sim_events(str(clinic.base_url), "hold")) == 1
