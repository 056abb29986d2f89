"""Contract of the Moxie-style clinic simulator (seed 004), over real HTTP on loopback.

Checks every URL, text and selector the handoff's outcome detector relies on, each test card,
the step-5 handoff URL from a cookie-less client, session expiry on the skewed site clock,
held slots, releases, faults, competitors, cancellations and the event log.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from autobook.sandbox.runner import Sandbox

LONDON = ZoneInfo("Europe/London")
FIXED_NOW = "2026-03-24T09:00:00+00:00"  # a Tuesday; British Summer Time starts on the 29th
THURSDAY = "2026-03-26"  # Brandi and Alex both work
CONTACT = {
    "first_name": "Jane",
    "last_name": "Doe",
    "phone": "+447700900123",
    "email": "jane@example.com",
    "notes": "First time patient",
}
SUCCESS_CARD, DECLINED_CARD, EXPIRED_CARD = (
    "4111111111111111",
    "4000000000000002",
    "4000000000000069",
)
STEP1_RE = re.compile(r"^/book/s/([\w-]+)/step/1$")
SUCCESS_URL_RE = re.compile(r"/confirmation|/success|/thank-you")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox.create(["clinic"], seed="demo").start()
    yield box
    box.stop()


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url("clinic", "web"), timeout=10) as c:
        c.post("/_sandbox/clock", json={"now": FIXED_NOW}).raise_for_status()
        c.post("/_sandbox/reset").raise_for_status()
        c.post("/_sandbox/seed/demo").raise_for_status()
        yield c


# --- helpers --------------------------------------------------------------------------------
def start_session(c: httpx.Client) -> str:
    r = c.get("/book")
    assert r.status_code == 303
    match = STEP1_RE.match(r.headers["location"])
    assert match, r.headers["location"]
    return match[1]


def free_times(c: httpx.Client, sid: str, day: str) -> list[str]:
    r = c.get(f"/book/s/{sid}/step/3", params={"date": day})
    assert r.status_code == 200
    return re.findall(r'name="time" value="(\d\d:\d\d)"', r.text)


def to_step5(
    c: httpx.Client, *, service: str = "botox", provider: str = "brandi", day: str = THURSDAY
) -> tuple[str, str]:
    """Fill steps 1–4 as the bot does; the session id and the slot key held."""
    sid = start_session(c)
    assert c.post(f"/book/s/{sid}/step/1", data={"service": service}).status_code == 303
    assert c.post(f"/book/s/{sid}/step/2", data={"provider": provider}).status_code == 303
    at = free_times(c, sid, day)[0]
    r = c.post(f"/book/s/{sid}/step/3", data={"date": day, "time": at})
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/step/4"
    r = c.post(f"/book/s/{sid}/step/4", data=CONTACT)
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/step/5"
    return sid, f"{provider}/{day}/{at}"


def pay(c: httpx.Client, sid: str, card: str, expiry: str = "12/30") -> httpx.Response:
    return c.post(
        f"/book/s/{sid}/step/5", data={"card_number": card, "expiry": expiry, "cvv": "123"}
    )


def events(c: httpx.Client, kind: str | None = None) -> list[dict]:
    params = {"kind": kind} if kind else {}
    return c.get("/_sandbox/events", params=params).json()


def set_faults(c: httpx.Client, **faults: object) -> None:
    c.put("/_sandbox/faults", json=faults).raise_for_status()


def confirmation_number(html: str) -> str:
    match = re.search(r'class="confirmation-number">([^<]+)<', html)
    assert match, "no .confirmation-number element"
    return match[1]


# --- the 5 steps ----------------------------------------------------------------------------
def test_home_links_to_the_booking_widget(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and 'href="/book"' in r.text and "Book Now" in r.text


def test_book_starts_a_session_carried_in_the_url_not_a_cookie(client: httpx.Client) -> None:
    r = client.get("/book")
    assert r.status_code == 303 and STEP1_RE.match(r.headers["location"])
    assert "set-cookie" not in r.headers
    assert start_session(client) != STEP1_RE.match(r.headers["location"])[1]


def test_step1_lists_services_with_durations_and_prices(client: httpx.Client) -> None:
    page = client.get(f"/book/s/{start_session(client)}/step/1").text
    assert "Step 1 of 5" in page and "Select a service" in page
    for name, minutes, price in [
        ("Botox", 30, "£250"),
        ("Lip Filler", 45, "£350"),
        ("HydraFacial", 60, "£180"),
    ]:
        assert re.search(
            rf'service-name">{name}</span>\s*<span class="service-duration">{minutes} min'
            rf'</span>\s*<span class="service-price">{price}<',
            page,
        )


def test_step2_offers_first_available_and_the_providers_of_the_service(
    client: httpx.Client,
) -> None:
    sid = start_session(client)
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    page = client.get(f"/book/s/{sid}/step/2").text
    assert "First Available" in page and 'value="any"' in page
    assert 'value="brandi"' in page and 'value="alex"' in page
    assert 'value="sam"' not in page  # Sam does not inject


def test_steps_cannot_be_skipped(client: httpx.Client) -> None:
    sid = start_session(client)
    r = client.get(f"/book/s/{sid}/step/5")
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/step/1"
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    r = client.get(f"/book/s/{sid}/step/4")
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/step/2"
    r = client.get(f"/book/s/{sid}/confirmation")
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/step/2"


def test_step3_shows_london_times_across_the_dst_change(client: httpx.Client) -> None:
    client.post("/_sandbox/seed/empty")
    sid = start_session(client)
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    client.post(f"/book/s/{sid}/step/2", data={"provider": "brandi"})
    for day in (THURSDAY, "2026-04-02"):  # GMT, then BST: Brandi works 10:00–18:00 local
        times = free_times(client, sid, day)
        assert times[0] == "10:00" and times[-1] == "17:30" and len(times) == 16
    assert free_times(client, sid, "2026-03-29") == []  # Sunday: closed
    client.post(f"/book/s/{sid}/step/3", data={"date": "2026-04-02", "time": "10:00"})
    [hold] = events(client, "hold")
    assert hold["slot"] == "brandi/2026-04-02/10:00"
    assert hold["detail"]["start"] == "2026-04-02T10:00:00+01:00"


def test_step4_validation_errors_are_shown_on_the_page(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    bad = {"first_name": "", "last_name": "Doe", "phone": "12", "email": "not-an-email"}
    r = client.post(f"/book/s/{sid}/step/4", data=bad)
    assert r.status_code == 422
    assert "First name is required." in r.text
    assert "Enter a valid phone number" in r.text and "Enter a valid email address" in r.text
    assert r.text.count('class="field-error"') == 3
    assert 'value="Doe"' in r.text  # what was typed is kept
    assert "error-message" not in r.text  # reserved for payment failures


# --- step 5 and the outcome the detector reads --------------------------------------------
def test_success_card_books_and_shows_every_success_indicator(client: httpx.Client) -> None:
    sid, slot = to_step5(client)
    page = client.get(f"/book/s/{sid}/step/5").text
    for text in ("Card number", "Expiry", "CVV", "Book Appointment", "Step 5 of 5"):
        assert text in page
    r = pay(client, sid, SUCCESS_CARD)
    assert r.status_code == 303
    assert SUCCESS_URL_RE.search(r.headers["location"])
    assert r.headers["location"] == f"/book/s/{sid}/confirmation"
    page = client.get(r.headers["location"]).text
    assert "Booking Confirmed" in page and "Appointment Scheduled" in page
    assert 'data-testid="success"' in page and "error-message" not in page
    reference = confirmation_number(page)
    assert re.fullmatch(r"MX-[A-Z0-9]{6}", reference)
    [booking] = events(client, "booking")
    assert booking["slot"] == slot and booking["reference"] == reference
    assert booking["actor"] == CONTACT["email"]
    assert (
        booking["detail"].items()
        >= {
            "service": "Botox",
            "provider": "Brandi",
            "price": 250.0,
            "method": "card",
            "card_last4": "1111",
        }.items()
    )
    [payment] = events(client, "payment")
    assert payment["detail"]["outcome"] == "success"
    assert SUCCESS_CARD not in json.dumps(events(client)) and SUCCESS_CARD not in page


def test_declined_card_shows_payment_failed_then_try_again_works(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    r = pay(client, sid, DECLINED_CARD)
    assert r.status_code == 402 and r.url.path == f"/book/s/{sid}/step/5"
    assert "Payment Failed" in r.text and "Card Declined" in r.text
    assert 'class="error-message' in r.text and 'data-testid="error"' in r.text
    assert "Try Again" in r.text and "confirmation-number" not in r.text
    assert DECLINED_CARD not in r.text
    assert events(client, "booking") == []
    [payment] = events(client, "payment")
    assert payment["detail"].items() >= {"outcome": "declined", "card_last4": "0002"}.items()
    assert [e["detail"]["reason"] for e in events(client, "rejected")] == ["declined"]
    assert DECLINED_CARD not in json.dumps(events(client))
    # "Try Again" is the payment page once more; the slot is still held for this session.
    assert "Book Appointment" in client.get(f"/book/s/{sid}/step/5").text
    assert pay(client, sid, SUCCESS_CARD).status_code == 303
    assert len(events(client, "booking")) == 1


def test_expired_card_shows_an_expired_card_error(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    r = pay(client, sid, EXPIRED_CARD)
    assert r.status_code == 402
    assert "Payment Failed" in r.text and "Your card has expired" in r.text
    assert "Card Declined" not in r.text and 'class="error-message' in r.text
    assert events(client, "booking") == []
    assert events(client, "payment")[0]["detail"]["outcome"] == "expired_card"


def test_any_other_card_succeeds(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    r = pay(client, sid, "5555 5555 5555 4444")
    assert r.status_code == 303 and r.headers["location"].endswith("/confirmation")
    assert events(client, "booking")[0]["detail"]["card_last4"] == "4444"


def test_card_form_errors_are_field_errors_not_payment_failures(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    r = client.post(
        f"/book/s/{sid}/step/5", data={"card_number": "4111", "expiry": "13/30", "cvv": "1"}
    )
    assert r.status_code == 422
    assert "Your card number is invalid." in r.text
    assert "expiration date is invalid" in r.text and "security code is incomplete" in r.text
    assert "error-message" not in r.text and events(client, "payment") == []
    r = pay(client, sid, SUCCESS_CARD, expiry="02/26")  # before March 2026 on the site clock
    assert r.status_code == 422 and "expiration year is in the past" in r.text


def test_decline_payments_fault_declines_every_card(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    set_faults(client, decline_payments=True)
    r = pay(client, sid, SUCCESS_CARD)
    assert r.status_code == 402 and "Card Declined" in r.text
    assert events(client, "booking") == []


def test_a_second_submit_never_pays_twice(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    assert pay(client, sid, SUCCESS_CARD).status_code == 303
    r = pay(client, sid, SUCCESS_CARD)
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/confirmation"
    r = client.get(f"/book/s/{sid}/step/5")
    assert r.status_code == 303 and r.headers["location"].endswith("/confirmation")
    assert len(events(client, "booking")) == 1 and len(events(client, "payment")) == 1


# --- the handoff ----------------------------------------------------------------------------
def test_step5_url_continues_the_session_in_a_fresh_cookieless_client(
    client: httpx.Client,
) -> None:
    sid, slot = to_step5(client)
    url = f"{client.base_url}/book/s/{sid}/step/5"
    with httpx.Client(timeout=10) as person:  # another device: no cookies, no history
        page = person.get(url)
        assert page.status_code == 200 and "Book Appointment" in page.text
        assert "Botox" in page.text and "Brandi" in page.text
        r = person.post(url, data={"card_number": SUCCESS_CARD, "expiry": "12/30", "cvv": "123"})
        assert r.status_code == 303
        done = person.get(f"{client.base_url}{r.headers['location']}")
        assert "Booking Confirmed" in done.text
    [booking] = events(client, "booking")
    assert booking["slot"] == slot and booking["actor"] == CONTACT["email"]


def test_session_expires_after_15_idle_minutes_of_site_clock(client: httpx.Client) -> None:
    sid, slot = to_step5(client)
    now = datetime.fromisoformat(client.get("/_sandbox/clock").json()["now"])
    client.post("/_sandbox/clock", json={"now": (now + timedelta(minutes=14)).isoformat()})
    assert client.get(f"/book/s/{sid}/step/5").status_code == 200  # activity restarts the timer
    client.post("/_sandbox/clock", json={"now": (now + timedelta(minutes=28)).isoformat()})
    assert client.get(f"/book/s/{sid}/step/5").status_code == 200
    client.post("/_sandbox/clock", json={"now": (now + timedelta(minutes=44)).isoformat()})
    r = client.get(f"/book/s/{sid}/step/5")
    assert r.status_code == 410 and "This booking session has expired" in r.text
    assert pay(client, sid, SUCCESS_CARD).status_code == 410
    [release] = events(client, "release_hold")
    assert release["slot"] == slot and release["detail"]["reason"] == "session_expired"
    assert events(client, "booking") == []
    other = start_session(client)
    client.post(f"/book/s/{other}/step/1", data={"service": "botox"})
    client.post(f"/book/s/{other}/step/2", data={"provider": "brandi"})
    assert slot.rsplit("/", 1)[1] in free_times(client, other, THURSDAY)


def test_expire_sessions_fault_expires_every_session(client: httpx.Client) -> None:
    sid, _ = to_step5(client)
    set_faults(client, expire_sessions=True)
    r = client.get(f"/book/s/{sid}/step/5")
    assert r.status_code == 410 and "This booking session has expired" in r.text
    assert client.get("/_sandbox/state").json()["holds"] == []


# --- held slots, slot_unavailable, drop_cart_rate -----------------------------------------
def test_held_slot_disappears_for_others(client: httpx.Client) -> None:
    _, slot = to_step5(client)
    at = slot.rsplit("/", 1)[1]
    other = start_session(client)
    client.post(f"/book/s/{other}/step/1", data={"service": "botox"})
    client.post(f"/book/s/{other}/step/2", data={"provider": "brandi"})
    assert at not in free_times(client, other, THURSDAY)
    r = client.post(f"/book/s/{other}/step/3", data={"date": THURSDAY, "time": at})
    assert r.status_code == 409 and "no longer available" in r.text
    assert events(client, "rejected")[0]["detail"]["reason"] == "slot_taken"
    assert client.post("/_sandbox/clinic/appointments", json={"slot": slot}).status_code == 409
    assert client.get("/_sandbox/state").json()["holds"] == [slot]


def test_slot_lost_before_payment_is_slot_unavailable(client: httpx.Client) -> None:
    sid, slot = to_step5(client)
    client.post(f"/_sandbox/clinic/sessions/{sid}/drop-hold").raise_for_status()
    client.post("/_sandbox/clinic/appointments", json={"slot": slot}).raise_for_status()
    r = pay(client, sid, SUCCESS_CARD)
    assert r.status_code == 409 and "this time slot is no longer available" in r.text
    assert 'class="error-message' in r.text and "has not been charged" in r.text
    assert events(client, "payment") == []
    assert events(client, "rejected")[-1]["detail"]["reason"] == "slot_unavailable"
    assert [b["actor"] for b in events(client, "booking")] == ["front-desk"]
    r = client.get(f"/book/s/{sid}/step/5")
    assert r.status_code == 303 and r.headers["location"] == f"/book/s/{sid}/step/3"


def test_drop_cart_fault_silently_loses_the_hold(client: httpx.Client) -> None:
    set_faults(client, drop_cart_rate=1.0)
    sid, _ = to_step5(client)
    assert [e["kind"] for e in events(client) if e["kind"].endswith("hold")] == [
        "hold",
        "release_hold",
    ]
    assert events(client, "release_hold")[0]["detail"]["reason"] == "dropped"
    assert client.get("/_sandbox/state").json()["holds"] == []
    assert "Book Appointment" in client.get(f"/book/s/{sid}/step/5").text  # page carries on
    assert pay(client, sid, SUCCESS_CARD).status_code == 303  # still free, so it books


# --- releases and the clock -----------------------------------------------------------------
def test_days_open_thirty_days_ahead(client: httpx.Client) -> None:
    sid = start_session(client)
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    client.post(f"/book/s/{sid}/step/2", data={"provider": "alex"})
    assert free_times(client, sid, "2026-04-23")  # today + 30, a Thursday
    page = client.get(f"/book/s/{sid}/step/3", params={"date": "2026-04-24"}).text
    assert "Online booking for this date opens on Wednesday 25 March 2026 at midnight" in page
    r = client.post(f"/book/s/{sid}/step/3", data={"date": "2026-04-24", "time": "10:00"})
    assert r.status_code == 409 and "opens on Wednesday 25 March 2026 at midnight" in r.text
    assert events(client, "rejected")[0]["detail"]["reason"] == "not_released"


def test_next_release_is_the_next_london_midnight(sandbox: Sandbox) -> None:
    site = sandbox.sites["clinic"]
    winter = site.next_release_after(datetime(2026, 3, 24, 9, tzinfo=UTC))
    assert winter == datetime(2026, 3, 25, tzinfo=LONDON)
    summer = site.next_release_after(datetime(2026, 6, 10, 12, tzinfo=UTC))
    assert summer == datetime(2026, 6, 11, tzinfo=LONDON)
    assert summer.astimezone(UTC) == datetime(2026, 6, 10, 23, tzinfo=UTC)
    exact = site.next_release_after(datetime(2026, 6, 11, tzinfo=LONDON))
    assert exact == datetime(2026, 6, 12, tzinfo=LONDON)


def test_a_new_day_opens_at_london_midnight_on_the_skewed_clock(client: httpx.Client) -> None:
    client.post("/_sandbox/clock", json={"now": "2026-06-10T22:59:58+00:00"})  # 23:59:58 BST
    sid = start_session(client)
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    client.post(f"/book/s/{sid}/step/2", data={"provider": "brandi"})
    assert free_times(client, sid, "2026-07-11") == []
    client.post("/_sandbox/clock", json={"now": "2026-06-10T23:00:01+00:00"})
    assert free_times(client, sid, "2026-07-11")[0] == "10:00"  # a Saturday, Brandi works


def site_date(r: httpx.Response) -> str:
    """The response's one Date header, from the site clock."""
    [header] = r.headers.get_list("date")
    return header


def test_date_header_follows_the_site_clock(client: httpx.Client) -> None:
    assert site_date(client.get("/")).startswith("Tue, 24 Mar 2026 09:0")
    client.post("/_sandbox/clock", json={"now": "2030-01-01T12:00:00+00:00"})
    assert site_date(client.get("/book")).startswith("Tue, 01 Jan 2030 12:00")


# --- competitors, cancellations, bad input -------------------------------------------------
@pytest.mark.parametrize("skew", ["ahead", "behind"])
def test_competitor_grabs_a_target_slot_right_after_release(
    client: httpx.Client, skew: str
) -> None:
    # The site clock jumps to just before a London midnight days ahead of the real clock, or on
    # the fixture's day, months behind it (and behind the previous case's midnight).
    if skew == "ahead":
        eve = datetime.now(LONDON).date() + timedelta(days=3)
    else:
        eve = date.fromisoformat(FIXED_NOW[:10])
    while (eve + timedelta(days=31)).weekday() == 6:  # nobody works on Sundays
        eve += timedelta(days=1)
    new_day = eve + timedelta(days=31)
    provider = "alex" if new_day.weekday() < 5 else "brandi"
    target = f"{provider}/{new_day.isoformat()}/10:00"
    midnight = datetime.combine(eve + timedelta(days=1), datetime.min.time(), LONDON)
    now = (midnight - timedelta(seconds=2)).isoformat()
    client.post("/_sandbox/clock", json={"now": now}).raise_for_status()
    rivals = {"count": 1, "reaction_ms": 100, "targets": [target]}
    client.put("/_sandbox/competitors", json=rivals).raise_for_status()
    assert client.get("/_sandbox/competitors").json()["targets"] == [target]
    grabs = wait_for(lambda: events(client, "booking"), timeout_s=6)
    [grab] = grabs
    assert grab["actor"] == "competitor-1" and grab["slot"] == target
    at = datetime.fromisoformat(grab["at"])
    assert midnight + timedelta(milliseconds=100) <= at < midnight + timedelta(seconds=1)


def test_random_cancellations_free_slots(client: httpx.Client) -> None:
    client.post("/_sandbox/seed/empty")
    slot = f"alex/{THURSDAY}/11:00"
    appt = client.post("/_sandbox/clinic/appointments", json={"slot": slot}).json()
    client.put("/_sandbox/cancellations", json={"per_minute": 600}).raise_for_status()
    [cancel] = wait_for(lambda: events(client, "cancel"), timeout_s=5)
    client.put("/_sandbox/cancellations", json={"per_minute": 0}).raise_for_status()
    assert cancel["reference"] == appt["reference"] and cancel["slot"] == slot
    sid = start_session(client)
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    client.post(f"/book/s/{sid}/step/2", data={"provider": "alex"})
    assert "11:00" in free_times(client, sid, THURSDAY)


def test_bad_input_gets_a_realistic_4xx(client: httpx.Client) -> None:
    sid = start_session(client)
    r = client.post(f"/book/s/{sid}/step/1", data={"service": "tattoo-removal"})
    assert r.status_code == 422 and "Please select a service" in r.text
    client.post(f"/book/s/{sid}/step/1", data={"service": "botox"})
    r = client.post(f"/book/s/{sid}/step/2", data={"provider": "sam"})
    assert r.status_code == 422 and "Please select a provider" in r.text
    client.post(f"/book/s/{sid}/step/2", data={"provider": "any"})
    assert client.get(f"/book/s/{sid}/step/3", params={"date": "31/02/2026"}).status_code == 400
    r = client.post(f"/book/s/{sid}/step/3", data={"date": THURSDAY})
    assert r.status_code == 422 and "Please select a time" in r.text
    r = client.post(f"/book/s/{sid}/step/3", data={"date": THURSDAY, "time": "10:10"})
    assert r.status_code == 409
    r = client.get("/book/s/no-such-session/step/5")
    assert r.status_code == 404 and "Booking session not found" in r.text
    assert client.get("/no-such-page").status_code == 404
    r = client.post("/_sandbox/clinic/appointments", json={"slot": "nobody/2026-03-26/10:00"})
    assert r.status_code == 422


def test_first_available_books_with_a_free_provider(client: httpx.Client) -> None:
    sid, _ = to_step5(client, provider="any")
    assert pay(client, sid, SUCCESS_CARD).status_code == 303
    [booking] = events(client, "booking")
    assert booking["detail"]["provider"] in {"Brandi", "Alex"}
    assert booking["slot"].split("/")[0] in {"brandi", "alex"}


def wait_for(probe, timeout_s: float) -> list:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    return probe()


def test_demo_seed_covers_two_weeks_with_free_slots(client: httpx.Client) -> None:
    # This checks the lived-in background itself, which the suite turns off by default.
    client.post("/_sandbox/reset").raise_for_status()
    client.post("/_sandbox/background", json={"enabled": True}).raise_for_status()
    client.post("/_sandbox/seed/demo").raise_for_status()
    state = client.get("/_sandbox/state").json()
    assert state["appointments"] > 50 and state["bookable_until"] == "2026-04-23"
    today = date(2026, 3, 24)
    for offset in (1, 7, 14):
        day = (today + timedelta(days=offset)).isoformat()
        assert client.get("/_sandbox/clinic/slots", params={"day": day}).json()
