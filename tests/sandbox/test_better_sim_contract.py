"""The Better simulator's sandbox side over real HTTP: the skewable site clock (release instants
and the `Date` header, across BST/GMT), the release knobs of `/_sandbox/better/...`, the event
log, the cart-dropping fault, competitors at release and random cancellations.

Notes cited: `../shared/sites/better.md` › "Release times" (22:00, 7 days ahead, Europe/London,
`first_bookable_at` states the instant) and › "Cart and checkout" (cart items can be dropped)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from better_helpers import (
    B60,
    COPTHALL,
    CREDIT,
    HENDON,
    LONDON,
    NEXT_RELEASE_DAY,
    NOW,
    TOMORROW,
    add_payload,
    events,
    free_all,
    hold_court,
    key,
    login,
    membership_id,
)


def set_clock(admin: httpx.Client, instant: datetime) -> None:
    admin.post("/_sandbox/clock", json={"now": instant.isoformat()}).raise_for_status()


def put_core(admin: httpx.Client, name: str, body: dict[str, Any]) -> None:
    """PUT /_sandbox/<name> (faults, competitors, cancellations), checking the site took every
    value."""
    r = admin.put(f"/_sandbox/{name}", json=body)
    assert r.status_code == 200, r.text
    assert r.json().items() >= body.items()
    assert admin.get(f"/_sandbox/{name}").json() == r.json()


def first_bookable(api: httpx.Client, day: str, venue: str = HENDON) -> dict[str, str]:
    r = api.get(f"/activities/venue/{venue}/activity/{B60}/v2/times", params={"date": day})
    assert r.status_code == 200, r.text
    return r.json()["data"][0]["first_bookable_at"]


def wait_for(admin: httpx.Client, kind: str, count: int, timeout_s: float = 6.0) -> list[Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = events(admin, kind)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    return events(admin, kind)


def served_date(response: httpx.Response) -> datetime:
    """The response's one `Date` header (the site clock's; the server adds none of its own)."""
    [date] = response.headers.get_list("date")
    return parsedate_to_datetime(date)


def test_date_header_follows_the_skewed_clock(
    api: httpx.Client, admin: httpx.Client, urls: dict[str, str]
) -> None:
    served = served_date(api.get("/activities/venues"))
    assert abs((served - NOW).total_seconds()) < 5
    set_clock(admin, NOW + timedelta(days=3))
    for origin, path in (("api", "/api/activities/venues"),
                         ("web", f"/location/{HENDON}/{B60}/{TOMORROW}/by-time"),
                         ("pay", "/iframe?session_key=X")):  # fmt: skip
        served = served_date(httpx.get(urls[origin] + path, timeout=10))
        assert abs((served - NOW - timedelta(days=3)).total_seconds()) < 5, origin


def test_skew_moves_what_is_released(api: httpx.Client, admin: httpx.Client) -> None:
    set_clock(admin, datetime(2027, 1, 13, 21, 59, 40, tzinfo=LONDON))  # it ticks on: 20 s of room
    path = f"/activities/venue/{HENDON}/activity/{B60}/v2/times"
    item = api.get(path, params={"date": "2027-01-20"}).json()["data"][0]
    assert item["action_to_show"]["status"] is None
    set_clock(admin, datetime(2027, 1, 13, 22, 0, 0, tzinfo=LONDON))
    item = api.get(path, params={"date": "2027-01-20"}).json()["data"][0]
    assert item["action_to_show"]["status"] == "BOOK"


def test_release_is_local_wall_time_across_bst(api: httpx.Client, admin: httpx.Client) -> None:
    """BST starts on Sun 28 March 2027: 22:00 local is 22:00Z before it and 21:00Z after."""
    set_clock(admin, datetime(2027, 4, 1, 9, 0, tzinfo=LONDON))
    assert first_bookable(api, "2027-04-02") == {
        "utc": "2027-03-26T22:00:00Z", "local": "2027-03-26T22:00:00+00:00",
        "timezone": "Europe/London", "format_24_hour": "22:00",
    }  # fmt: skip
    assert first_bookable(api, "2027-04-05")["utc"] == "2027-03-29T21:00:00Z"
    assert first_bookable(api, "2027-04-05")["local"] == "2027-03-29T22:00:00+01:00"


def test_release_rule_and_venue_overrides_are_settable(
    api: httpx.Client, admin: httpx.Client
) -> None:
    rule = admin.get("/_sandbox/better/release").json()
    assert (rule["hour"], rule["minute"], rule["days_ahead"]) == (22, 0, 7)
    rule |= {"hour": 21, "days_ahead": 5, "venues": {COPTHALL: {"hour": 6, "days_ahead": 2}}}
    assert admin.put("/_sandbox/better/release", json=rule).status_code == 200
    assert first_bookable(api, TOMORROW)["local"] == "2027-01-09T21:00:00+00:00"
    assert first_bookable(api, TOMORROW, COPTHALL)["local"] == "2027-01-12T06:00:00+00:00"
    days = api.get(f"/activities/venue/{HENDON}/activity-category/{B60}/dates").json()["data"]
    assert days[-1]["raw"] == "2027-01-18"  # 5 days ahead: 18 Jan releases tonight at 21:00
    assert admin.put("/_sandbox/better/release", json={"hour": 25}).status_code == 422


def test_one_session_released_at_a_given_instant(api: httpx.Client, admin: httpx.Client) -> None:
    slot = key("2027-01-20", "19:00")
    at = NOW + timedelta(minutes=5)
    r = admin.post("/_sandbox/better/release/session", json={"key": slot, "at": at.isoformat()})
    assert r.status_code == 200 and r.json()["first_bookable_at"]["format_24_hour"] == "09:35"
    login(api, CREDIT)
    body = add_payload(r.json()["id"], 3102, membership_id(api))
    assert api.post("/activities/cart/add", json=body).status_code == 422
    set_clock(admin, at)
    assert api.post("/activities/cart/add", json=body).status_code == 200
    bad = {"key": "hendon-leisure-centre/badminton-60min/2027-01-20/19:30", "at": at.isoformat()}
    assert admin.post("/_sandbox/better/release/session", json=bad).status_code == 404


def test_event_log_records_requests_holds_and_bookings(
    api: httpx.Client, admin: httpx.Client
) -> None:
    login(api, CREDIT)
    total = hold_court(api)["total"]
    api.post("/credits/apply", json={"credits_to_reserve": [{"amount": total, "type": "general"}],
                                     "cart_source": "activity-booking"})  # fmt: skip
    api.post("/checkout/complete", json={
        "payments": [{"tender_type": "credit", "amount": total}], "terms": [1],
        "source": "activity-booking", "completed_waivers": [], "selected_user_id": None,
    }).raise_for_status()  # fmt: skip
    requests = events(admin, "request")
    assert ("POST", "/api/activities/cart/add", 200) in {
        (e["method"], e["path"], e["status"]) for e in requests
    }
    [booking] = events(admin, "booking")
    assert booking["actor"] == CREDIT[0] and booking["slot"] == key(TOMORROW, "20:00")
    assert set(booking["detail"]) >= {"court", "price", "method"}
    assert booking["detail"]["price"] == total


def test_drop_cart_fault_silently_loses_the_hold(api: httpx.Client, admin: httpx.Client) -> None:
    login(api, CREDIT)
    put_core(admin, "faults", {"drop_cart_rate": 1.0})
    assert hold_court(api)["item_count"] == 1
    assert api.get("/activities/cart").json()["data"]["item_count"] == 0
    assert events(admin, "release_hold")[0]["detail"]["reason"] == "dropped"


def test_competitors_grab_courts_at_release(api: httpx.Client, admin: httpx.Client) -> None:
    # The clock is back at NOW, behind instants earlier tests skewed it to: no catching up.
    slot = key(NEXT_RELEASE_DAY, "19:00")
    free_all(admin, slot)
    now = datetime.fromisoformat(admin.get("/_sandbox/clock").json()["now"])
    at = now + timedelta(seconds=0.8)
    r = admin.post("/_sandbox/better/release/session", json={"key": slot, "at": at.isoformat()})
    r.raise_for_status()
    put_core(admin, "competitors", {"count": 2, "reaction_ms": 50, "jitter_ms": 10,
                                    "targets": [slot]})  # fmt: skip
    grabbed = wait_for(admin, "booking", 2)
    assert [e["slot"] for e in grabbed] == [slot, slot]
    assert sorted(e["actor"] for e in grabbed) == ["competitor-1", "competitor-2"]
    assert all(e["t"] >= at.timestamp() for e in grabbed)
    state = admin.get("/_sandbox/better/session", params={"key": slot}).json()
    assert sum(not p["free"] for p in state["places"]) == 2


def test_competitors_skip_a_release_the_clock_jumped_over(admin: httpx.Client) -> None:
    """Jumping the site clock past tonight's 22:00 release does not replay it: competitors
    wait for the next release instead of grabbing the sessions it released."""
    put_core(admin, "competitors", {"count": 2, "reaction_ms": 0, "jitter_ms": 0})
    set_clock(admin, datetime(2027, 1, 13, 22, 0, 5, tzinfo=LONDON))
    time.sleep(1.5)
    assert events(admin, "booking") == []


def test_cancellations_free_booked_courts(api: httpx.Client, admin: httpx.Client) -> None:
    # Other people's bookings, which the canceller frees, are the lived-in background.
    admin.post("/_sandbox/background", json={"enabled": True}).raise_for_status()
    api.get(f"/activities/venue/{HENDON}/activity/{B60}/v2/times", params={"date": TOMORROW})
    put_core(admin, "cancellations", {"per_minute": 600})
    [cancel] = wait_for(admin, "cancel", 1)[:1]
    put_core(admin, "cancellations", {"per_minute": 0})
    assert cancel["actor"] == "canceller"
    court = int(cancel["detail"]["court"].split()[-1])
    state = admin.get("/_sandbox/better/session", params={"key": cancel["slot"]}).json()
    assert state["places"][court - 1]["free"] is True


def test_unknown_seed_and_state_summary(admin: httpx.Client) -> None:
    assert admin.post("/_sandbox/seed/nope").status_code == 404
    summary = admin.get("/_sandbox/state").json()
    assert summary["venues"][0] == HENDON and summary["holds_minutes"] == 10
