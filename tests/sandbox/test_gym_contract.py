"""Contract of the gym simulator (seed 002) over real HTTP: the JSON API its front end uses, the
members' pages, the unlock rule on the skewed site clock (also across DST), the daily limit,
capacity, cancellation, the event log, faults, competitors and cancellations."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from autobook.sandbox.gym.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)  # a Wednesday; slots of Fri 15 Jan unlock today
DAY = "2027-01-15"
ALEX, SAM = DEMO_USERS[0], DEMO_USERS[1]
REFERENCE = re.compile(r"^GYM-[A-Z0-9]{6}$")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    box = Sandbox.create(["gym"], seed="demo").start()
    yield box.url("gym", "web")
    box.stop()


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10) as c:
        assert c.post("/_sandbox/reset").status_code == 200
        assert c.post("/_sandbox/seed/quiet").status_code == 200
        set_clock(c, NOW)
        yield c


def set_clock(c: httpx.Client, instant: datetime) -> None:
    assert c.post("/_sandbox/clock", json={"now": instant.isoformat()}).status_code == 200


def login(c: httpx.Client, user: tuple[str, str] = ALEX) -> dict[str, str]:
    r = c.post("/api/auth/login", json={"email": user[0], "password": user[1]})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def book(c: httpx.Client, h: dict[str, str], time_: str, loc: str = "X1", sub: str | None = "A",
         day: str = DAY) -> httpx.Response:  # fmt: skip
    body = {"date": day, "time": time_, "location": loc, "sub_location": sub}
    return c.post("/api/bookings", json=body, headers=h)


def slots(c: httpx.Client, h: dict[str, str], day: str = DAY, loc: str = "X1",
          sub: str | None = "A") -> dict[str, dict[str, Any]]:  # fmt: skip
    params = {"date": day, "location": loc, **({"sub_location": sub} if sub else {})}
    r = c.get("/api/slots", params=params, headers=h)
    assert r.status_code == 200, r.text
    return {s["time"]: s for s in r.json()["slots"]}


def put_admin(c: httpx.Client, name: str, body: dict[str, Any]) -> None:
    """PUT /_sandbox/<name> (faults, competitors, cancellations); the site echoes the settings."""
    r = c.put(f"/_sandbox/{name}", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {**r.json(), **body}
    assert c.get(f"/_sandbox/{name}").json() == r.json()


def events(c: httpx.Client, kind: str) -> list[dict[str, Any]]:
    return c.get("/_sandbox/events", params={"kind": kind}).json()


def fill(c: httpx.Client, key: str, places: int | None = None) -> dict[str, Any]:
    r = c.post("/_sandbox/gym/fill", json={"slot": key, "places": places})
    assert r.status_code == 200, r.text
    return r.json()


# --- authentication ---------------------------------------------------------------------------
def test_login_returns_token_and_member(client: httpx.Client) -> None:
    r = client.post("/api/auth/login", json={"email": ALEX[0], "password": ALEX[1]})
    body = r.json()
    assert r.status_code == 200
    assert body["token_type"] == "Bearer" and len(body["token"]) > 20
    assert body["member"] == {
        "id": 1001, "email": ALEX[0], "name": "Alex Morgan", "membership": "Full access"
    }  # fmt: skip
    assert datetime.fromisoformat(body["expires_at"]) == NOW + timedelta(hours=12)
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["member"]["email"] == ALEX[0]
    assert events(client, "login")[-1]["detail"] == {"ok": True, "via": "api"}


def test_bad_login_and_missing_token(client: httpx.Client) -> None:
    r = client.post("/api/auth/login", json={"email": ALEX[0], "password": "wrong"})
    assert r.status_code == 401
    assert r.json() == {"message": "Invalid email or password.", "code": "invalid_credentials"}
    assert events(client, "login")[-1]["detail"]["ok"] is False
    r = client.post("/api/auth/login", json={"email": ALEX[0]})
    assert r.status_code == 422 and r.json()["message"] == "password: Field required"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        r = client.get("/api/slots", params={"date": DAY, "location": "Fitness"}, headers=headers)
        assert r.status_code == 401
        assert r.json() == {"message": "Not logged in", "code": "not_authenticated"}
        assert r.headers["www-authenticate"] == "Bearer"


def test_logout_ends_the_token(client: httpx.Client) -> None:
    h = login(client)
    assert client.post("/api/auth/logout", headers=h).json() == {"message": "Logged out"}
    assert client.get("/api/me", headers=h).status_code == 401


def test_token_expires_on_the_site_clock(client: httpx.Client) -> None:
    h = login(client)
    set_clock(client, NOW + timedelta(hours=12, seconds=1))
    r = client.get("/api/me", headers=h)
    assert r.status_code == 401
    assert r.json() == {
        "message": "Session expired. Please log in again.",
        "code": "session_expired",
    }


# --- locations, config, slots -----------------------------------------------------------------
def test_config_and_locations(client: httpx.Client) -> None:
    config = client.get("/api/config").json()
    assert config["timezone"] == "Europe/London"
    assert (config["first_slot"], config["last_slot"], config["slot_minutes"]) == (
        "06:00",
        "21:00",
        60,
    )
    assert (config["unlock_hours_before"], config["daily_limit"]) == (48, 2)
    assert datetime.fromisoformat(config["now"]) - NOW < timedelta(seconds=5)
    locs = client.get("/api/locations", headers=login(client)).json()["locations"]
    assert [(x["name"], x["capacity"]) for x in locs] == [
        ("Fitness", 20),
        ("X1", None),
        ("X3", None),
    ]
    assert locs[1]["sub_locations"] == [{"name": "A", "capacity": 6}, {"name": "B", "capacity": 6}]
    assert [s["name"] for s in locs[2]["sub_locations"]] == ["A", "B"]


def test_slots_unlock_48_hours_before_start(client: httpx.Client) -> None:
    h = login(client)
    day = slots(client, h)
    assert list(day) == [f"{h_:02d}:00" for h_ in range(6, 22)]
    assert day["09:00"] == {
        "time": "09:00", "end_time": "10:00", "starts_at": "2027-01-15T09:00:00+00:00",
        "capacity": 6, "booked": 0, "available": 6, "status": "open",
        "unlocks_at": "2027-01-13T09:00:00+00:00", "booked_by_me": False, "my_reference": None,
    }  # fmt: skip
    assert day["10:00"]["status"] == "locked"
    assert day["10:00"]["unlocks_at"] == "2027-01-13T10:00:00+00:00"
    today = slots(client, h, day="2027-01-13", loc="Fitness", sub=None)
    assert today["09:00"]["status"] == "past" and today["10:00"]["status"] == "open"
    assert today["10:00"]["capacity"] == 20


def test_locked_slot_refused_until_the_site_clock_unlocks_it(client: httpx.Client) -> None:
    h = login(client)
    set_clock(client, datetime(2027, 1, 13, 9, 59, 40, tzinfo=LONDON))  # it ticks on: 20 s of room
    r = book(client, h, "10:00")
    assert r.status_code == 423
    assert r.json() == {
        "message": "This slot opens for booking on Wed 13 Jan at 10:00.",
        "code": "slot_locked",
        "unlocks_at": "2027-01-13T10:00:00+00:00",
    }
    rejected = events(client, "rejected")[-1]
    assert (rejected["slot"], rejected["detail"]["reason"]) == (f"{DAY}T10:00|X1|A", "slot_locked")
    set_clock(client, datetime(2027, 1, 13, 10, 0, tzinfo=LONDON))
    r = book(client, h, "10:00")
    assert r.status_code == 201
    booking = r.json()
    assert REFERENCE.match(booking["reference"]) and booking["status"] == "confirmed"
    assert (booking["date"], booking["time"], booking["location"], booking["sub_location"]) == (
        DAY, "10:00", "X1", "A"
    )  # fmt: skip
    [event] = events(client, "booking")
    assert event["slot"] == f"{DAY}T10:00|X1|A" and event["actor"] == ALEX[0]
    assert event["reference"] == booking["reference"]
    assert event["detail"]["court"] == "X1-A" and event["detail"]["via"] == "api"


def test_skew_moves_the_date_header_and_release(client: httpx.Client) -> None:
    h = login(client)
    client.post("/_sandbox/clock", json={"offset_s": 0})
    set_clock(client, NOW - timedelta(hours=1))
    r = client.get("/api/slots", params={"date": DAY, "location": "Fitness"}, headers=h)
    # One Date header, the site's, and it follows the skewed clock.
    assert len(r.headers.get_list("date")) == 1
    date = parsedate_to_datetime(r.headers["date"])
    assert abs(date - (NOW - timedelta(hours=1))) < timedelta(seconds=5)
    assert {s["time"]: s["status"] for s in r.json()["slots"]}["09:00"] == "locked"


@pytest.mark.parametrize(
    ("now", "day", "unlocks_at", "starts_at"),
    [  # spring forward on Sun 28 Mar 2027: the rule is on the wall clock (47 real hours)
        ("2027-03-26T07:00:00+00:00", "2027-03-28", "2027-03-26T07:00:00+00:00",
         "2027-03-28T07:00:00+01:00"),
        # fall back on Sun 31 Oct 2027 (49 real hours)
        ("2027-10-30T07:00:00+01:00", "2027-11-01", "2027-10-30T07:00:00+01:00",
         "2027-11-01T07:00:00+00:00"),
    ],
)  # fmt: skip
def test_unlock_rule_across_dst(
    client: httpx.Client, now: str, day: str, unlocks_at: str, starts_at: str
) -> None:
    # 20 s before: the site's clock ticks on while the test logs in (1 s was too tight loaded)
    set_clock(client, datetime.fromisoformat(now) - timedelta(seconds=20))
    h = login(client)
    slot = slots(client, h, day=day, loc="Fitness", sub=None)["07:00"]
    assert (slot["unlocks_at"], slot["starts_at"], slot["status"]) == (
        unlocks_at,
        starts_at,
        "locked",
    )
    assert book(client, h, "07:00", "Fitness", None, day).status_code == 423
    set_clock(client, datetime.fromisoformat(now))
    assert slots(client, h, day=day, loc="Fitness", sub=None)["07:00"]["status"] == "open"
    assert book(client, h, "07:00", "Fitness", None, day).status_code == 201


def test_unlock_lead_is_settable(client: httpx.Client) -> None:
    h = login(client)
    r = client.put("/_sandbox/gym/rules", json={"unlock_hours": 24, "daily_limit": 2})
    assert r.status_code == 200 and r.json()["unlock_hours"] == 24
    assert slots(client, h)["06:00"]["status"] == "locked"
    assert slots(client, h, day="2027-01-14")["09:00"]["unlocks_at"] == "2027-01-13T09:00:00+00:00"
    assert client.get("/api/config").json()["unlock_hours_before"] == 24


# --- booking rules ----------------------------------------------------------------------------
def test_daily_limit_per_member_per_day(client: httpx.Client) -> None:
    h, h_sam = login(client), login(client, SAM)
    assert book(client, h, "06:00").status_code == 201
    assert book(client, h, "07:00", "Fitness", None).status_code == 201
    r = book(client, h, "08:00", "X3", "B")
    assert r.status_code == 403
    assert r.json() == {
        "message": "Daily booking limit reached: you can book 2 slots per day.",
        "code": "daily_limit_reached",
        "limit": 2,
    }
    assert events(client, "rejected")[-1]["detail"]["reason"] == "daily_limit_reached"
    assert book(client, h, "12:00", day="2027-01-14").status_code == 201  # another day
    assert book(client, h_sam, "08:00", "X3", "B").status_code == 201  # another member
    client.put("/_sandbox/gym/rules", json={"daily_limit": 1})
    assert book(client, h_sam, "09:00", "X3", "B").status_code == 403


def test_one_booking_per_member_per_slot(client: httpx.Client) -> None:
    h = login(client)
    assert book(client, h, "06:00").status_code == 201
    r = book(client, h, "06:00")
    assert r.status_code == 409
    assert r.json()["code"] == "already_booked"
    assert r.json()["message"] == "You already have a booking for this slot."
    mine = slots(client, h)["06:00"]
    assert mine["booked_by_me"] is True and REFERENCE.match(mine["my_reference"])


def test_full_slot_and_cancel_frees_the_place(client: httpx.Client) -> None:
    h, h_sam = login(client), login(client, SAM)
    key = f"{DAY}T07:00|X1|B"
    assert fill(client, key, 5) == {"slot": key, "booked": 5, "available": 1}
    ref = book(client, h, "07:00", "X1", "B").json()["reference"]
    slot = slots(client, h, sub="B")["07:00"]
    assert (slot["booked"], slot["available"], slot["status"]) == (6, 0, "full")
    r = book(client, h_sam, "07:00", "X1", "B")
    assert r.status_code == 409
    assert r.json() == {"message": "This slot is full.", "code": "slot_full"}
    assert client.delete(f"/api/bookings/{ref}", headers=h_sam).status_code == 404
    r = client.delete(f"/api/bookings/{ref}", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["cancelled_at"] is not None
    [cancel] = events(client, "cancel")
    assert (cancel["reference"], cancel["slot"], cancel["actor"]) == (ref, key, ALEX[0])
    assert slots(client, h, sub="B")["07:00"]["available"] == 1
    assert book(client, h_sam, "07:00", "X1", "B").status_code == 201
    r = client.delete(f"/api/bookings/{ref}", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "already_cancelled"


def test_list_get_and_filter_bookings(client: httpx.Client) -> None:
    h = login(client)
    first = book(client, h, "06:00").json()
    second = book(client, h, "07:00", "Fitness", None).json()
    client.delete(f"/api/bookings/{first['reference']}", headers=h)
    listed = client.get("/api/bookings", headers=h).json()["bookings"]
    assert [(b["reference"], b["status"]) for b in listed] == [
        (first["reference"], "cancelled"), (second["reference"], "confirmed")
    ]  # fmt: skip
    confirmed = client.get("/api/bookings", params={"status": "confirmed"}, headers=h).json()
    assert [b["reference"] for b in confirmed["bookings"]] == [second["reference"]]
    assert client.get(f"/api/bookings/{second['reference']}", headers=h).json() == second
    assert client.get("/api/bookings", params={"status": "x"}, headers=h).status_code == 422
    r = client.get("/api/bookings/GYM-NOPE00", headers=h)
    assert r.status_code == 404 and r.json()["code"] == "booking_not_found"


def test_past_slots_cannot_be_booked_or_cancelled(client: httpx.Client) -> None:
    h = login(client)
    r = book(client, h, "08:00", "Fitness", None, "2027-01-13")
    assert r.status_code == 409 and r.json()["code"] == "slot_past"
    ref = book(client, h, "10:00", "Fitness", None, "2027-01-13").json()["reference"]
    set_clock(client, datetime(2027, 1, 13, 10, 5, tzinfo=LONDON))
    r = client.delete(f"/api/bookings/{ref}", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "cancel_too_late"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"date": "15/01/2027", "time": "07:00", "location": "Fitness"}, 422,
         "date: '15/01/2027' is not a date in the form YYYY-MM-DD"),
        ({"date": "2027-02-30", "time": "07:00", "location": "Fitness"}, 422,
         "date: '2027-02-30' is not a valid date"),
        ({"date": DAY, "time": "7am", "location": "Fitness"}, 422,
         "time: '7am' is not a time in the form HH:MM"),
        ({"date": DAY, "time": "07:00", "location": "X2"}, 422,
         "location: unknown location 'X2' (one of Fitness, X1, X3)"),
        ({"date": DAY, "time": "07:00", "location": "X1"}, 422,
         "sub_location: is required for X1 (A or B)"),
        ({"date": DAY, "time": "07:00", "location": "X3", "sub_location": "C"}, 422,
         "sub_location: X3 has no sub-location 'C'"),
        ({"date": DAY, "time": "07:00", "location": "Fitness", "sub_location": "A"}, 422,
         "sub_location: Fitness has no sub-locations"),
        ({"date": DAY, "location": "Fitness"}, 422, "time: Field required"),
        ({"date": DAY, "time": "06:30", "location": "Fitness"}, 404,
         "There is no slot at 06:30. Slots start on the hour from 06:00 to 21:00."),
        ({"date": DAY, "time": "22:00", "location": "Fitness"}, 404,
         "There is no slot at 22:00. Slots start on the hour from 06:00 to 21:00."),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_4xx(
    client: httpx.Client, body: dict[str, str], status: int, message: str
) -> None:
    r = client.post("/api/bookings", json=body, headers=login(client))
    assert (r.status_code, r.json()["message"]) == (status, message)


def test_malformed_requests(client: httpx.Client) -> None:
    h = {**login(client), "Content-Type": "application/json"}
    r = client.post("/api/bookings", content=b"{not json", headers=h)
    assert r.status_code == 422 and r.json()["message"] == "body: is not valid JSON"
    r = client.get("/api/slots", params={"date": "tomorrow", "location": "X1"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "date"
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json() == {"message": "Not Found", "code": "not_found"}


# --- faults -----------------------------------------------------------------------------------
def test_expire_sessions_fault(client: httpx.Client) -> None:
    h = login(client)
    client.post("/login", data={"email": ALEX[0], "password": ALEX[1]})
    put_admin(client, "faults", {"expire_sessions": True})
    r = client.get("/api/me", headers=h)
    assert r.status_code == 401 and r.json()["code"] == "session_expired"
    assert book(client, h, "06:00").status_code == 401
    r = client.get("/book", params={"date": DAY}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fbook%3Fdate%3D2027-01-15&expired=1"
    page = client.get(r.headers["location"]).text
    assert "Your session has expired. Please log in again." in page
    put_admin(client, "faults", {"expire_sessions": False})
    assert client.get("/api/me", headers=h).status_code == 200
    assert events(client, "booking") == []


def test_drop_cart_rate_fails_the_booking_transiently(client: httpx.Client) -> None:
    h = login(client)
    put_admin(client, "faults", {"drop_cart_rate": 1.0})
    r = book(client, h, "06:00")
    assert r.status_code == 503
    assert r.json() == {"message": "Something went wrong. Please try again.", "code": "try_again"}
    assert events(client, "booking") == []
    assert events(client, "rejected")[-1]["detail"]["reason"] == "try_again"
    assert slots(client, h)["06:00"]["booked"] == 0
    put_admin(client, "faults", {"drop_cart_rate": 0.0})
    assert book(client, h, "06:00").status_code == 201


def test_error_rate_answers_503(client: httpx.Client) -> None:
    put_admin(client, "faults", {"error_rate": 1.0})
    assert client.get("/api/config").status_code == 503
    put_admin(client, "faults", {"error_rate": 0.0})
    assert client.get("/api/config").status_code == 200


# --- the members' pages -----------------------------------------------------------------------
def test_web_login_book_confirm_and_cancel(client: httpx.Client) -> None:
    assert client.get("/book", follow_redirects=False).headers["location"] == "/login?next=%2Fbook"
    page = client.get("/login").text
    for selector in ('id="email"', 'id="password"', 'id="login-button"', "Member login"):
        assert selector in page
    r = client.post("/login", data={"email": ALEX[0], "password": "nope"})
    assert r.status_code == 401 and "Invalid email or password." in r.text
    r = client.post("/login", data={"email": ALEX[0], "password": ALEX[1]}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/book")
    page = client.get("/book", params={"date": DAY, "location": "X1", "sub_location": "A"}).text
    assert 'id="slots-heading">X1 A · Friday 15 January 2027<' in page
    assert 'data-time="09:00" data-status="open"' in page and "6 of 6 places left" in page
    assert 'data-time="10:00" data-status="locked"' in page and "Opens Wed 13 Jan, 10:00" in page
    form = {"date": DAY, "time": "09:00", "location": "X1", "sub_location": "A"}
    r = client.post("/book", data=form, follow_redirects=False)
    assert r.status_code == 303
    ref = r.headers["location"].removeprefix("/bookings/").removesuffix("?confirmed=1")
    assert REFERENCE.match(ref)
    page = client.get(r.headers["location"]).text
    assert (
        "Booking confirmed" in page and f'id="booking-reference" class="reference">{ref}<' in page
    )
    assert events(client, "booking")[-1]["detail"]["via"] == "web"
    assert f'data-reference="{ref}" data-status="confirmed"' in client.get("/bookings").text
    r = client.post(f"/bookings/{ref}/cancel", follow_redirects=False)
    assert r.headers["location"] == f"/bookings?cancelled={ref}"
    page = client.get(r.headers["location"]).text
    assert f"Booking {ref} has been cancelled." in page
    assert f'data-reference="{ref}" data-status="cancelled"' in page


def test_web_refusals_are_visible(client: httpx.Client) -> None:
    client.post("/login", data={"email": ALEX[0], "password": ALEX[1]})
    form = {"date": DAY, "time": "10:00", "location": "X1", "sub_location": "A"}
    r = client.post("/book", data=form)
    assert r.status_code == 423 and "This slot opens for booking on Wed 13 Jan at 10:00." in r.text
    r = client.post("/book", data={**form, "sub_location": ""})
    assert r.status_code == 422 and "Please choose a sub-location (A or B)." in r.text
    r = client.get("/book", params={"date": "2027-02-31", "location": "Fitness"})
    assert r.status_code == 422 and 'class="alert alert-error"' in r.text
    assert "Please choose a valid date." in r.text
    r = client.get("/bookings/GYM-NOPE00")
    assert r.status_code == 404 and "Booking GYM-NOPE00 not found." in r.text
    r = client.post("/logout", follow_redirects=False)
    assert r.headers["location"] == "/login?logged_out=1"
    assert client.get("/bookings", follow_redirects=False).status_code == 303


# --- seeds, competitors, cancellations ---------------------------------------------------------
def test_demo_seed_has_released_free_and_full_slots(client: httpx.Client) -> None:
    # This checks the lived-in background itself, which the suite turns off by default.
    client.post("/_sandbox/background", json={"enabled": True}).raise_for_status()
    assert client.post("/_sandbox/seed/demo").status_code == 200
    assert client.post("/_sandbox/seed/nope").status_code == 404
    state = client.get("/_sandbox/state").json()
    assert state["members"] == [u[0] for u in DEMO_USERS] and state["background_places"] > 0
    h = login(client)
    statuses = [
        s["status"]
        for d in ("2027-01-13", "2027-01-14")
        for loc, sub in (("Fitness", None), ("X1", "A"), ("X3", "B"))
        for s in slots(client, h, d, loc, sub).values()
    ]
    assert {"open", "full", "past"} <= set(statuses)
    later = slots(client, h, "2027-01-27", "Fitness", None)
    assert {s["status"] for s in later.values()} == {"locked"}


def wait_for(predicate: Any, timeout_s: float = 8.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_competitors_grab_targets_at_release(client: httpx.Client) -> None:
    release = datetime(2027, 1, 13, 10, 0, tzinfo=LONDON)
    key = f"{DAY}T10:00|X1|A"
    assert client.put("/_sandbox/gym/rules", json={"capacities": {"X1-A": 2}}).status_code == 200
    rivals = {"count": 3, "reaction_ms": 100, "jitter_ms": 20, "targets": [key]}
    put_admin(client, "competitors", rivals)
    # A jump forward past several releases does not replay them...
    set_clock(client, release + timedelta(hours=4, seconds=30))
    time.sleep(1.5)  # the loop wakes at least once a second
    assert events(client, "booking") == []
    # ...and a jump back does not stall the loop: it fires at the next release.
    set_clock(client, release - timedelta(seconds=1.5))
    wait_for(lambda: len(events(client, "booking")) >= 2)
    time.sleep(0.3)  # the third competitor has had its try too
    grabs = events(client, "booking")
    assert len(grabs) == 2 and {g["slot"] for g in grabs} == {key}
    assert all(g["actor"].startswith("competitor-") for g in grabs)
    assert all(g["t"] >= release.timestamp() + 0.1 for g in grabs)  # reaction_ms
    h = login(client)
    assert book(client, h, "10:00").json()["code"] == "slot_full"
    # Without targets a competitor takes a place in the slot released just now.
    put_admin(client, "competitors", {"count": 1, "reaction_ms": 50, "jitter_ms": 0, "targets": []})
    set_clock(client, release + timedelta(minutes=59, seconds=58.5))
    wait_for(lambda: len(events(client, "booking")) >= 3)
    grab = events(client, "booking")[2]
    assert grab["slot"].startswith(f"{DAY}T11:00|") and grab["actor"] == "competitor-1"
    time.sleep(0.3)
    assert len(events(client, "booking")) == 3  # one competitor, one release, one grab


def test_cancellations_free_other_peoples_places(client: httpx.Client) -> None:
    h = login(client)
    key = f"{DAY}T06:00|X3|A"
    fill(client, key, 3)
    mine = book(client, h, "06:00", "X3", "A").json()["reference"]
    put_admin(client, "cancellations", {"per_minute": 600})
    [cancel] = wait_for(lambda: events(client, "cancel"), 5)[:1]
    put_admin(client, "cancellations", {"per_minute": 0})
    assert cancel["actor"] == "canceller" and cancel["slot"] == key
    assert cancel["reference"] != mine
    assert slots(client, h, sub="A", loc="X3")["06:00"]["booked"] <= 3
