"""Contract of the Better simulator's JSON API (seed 000) over real HTTP, checked against
`../shared/sites/better.md` ("the notes"): every path, field, status code and message cited
below by the notes' section and row. The web pages, payment origin, clock, faults, competitors
and cancellations are in `test_better_web_contract.py` and `test_better_sim_contract.py`."""

from __future__ import annotations

import httpx
import pytest
from better_helpers import (
    B40,
    B60,
    BEYOND,
    COMPLETE,
    COPTHALL,
    CREDIT,
    HENDON,
    MEMBER,
    NEXT_RELEASE_DAY,
    SOCIAL,
    TOMORROW,
    add_payload,
    courts,
    events,
    free_all,
    hold_court,
    key,
    login,
    membership_id,
)

NOT_VIEWABLE = "The date should be within the valid days you are able to view."
FULL = "The session being booked is already full"
BUSY = "Sorry, a lot of people are trying to book at the moment. Please try again."
TIME_FIELDS = [  # notes › Availability › "Item fields", in their order
    "id", "starts_at", "ends_at", "duration", "date", "price", "composite_key", "timestamp",
    "booking", "spaces", "spaces_remaining", "action_to_show", "first_bookable_at",
    "category_slug", "venue_slug", "location", "name", "restriction_ids",
]  # fmt: skip


def times(api: httpx.Client, day: str, *, v2: bool = True, venue: str = HENDON,
          activity: str = B60) -> httpx.Response:  # fmt: skip
    path = f"/activities/venue/{venue}/activity/{activity}/{'v2/' if v2 else ''}times"
    return api.get(path, params={"date": day})


# --- Auth (notes › The JSON API › Auth) ----------------------------------------------------
def test_login_gives_an_opaque_v4_local_token(api: httpx.Client, admin: httpx.Client) -> None:
    r = api.post("/auth/customer/login", json={"username": CREDIT[0], "password": CREDIT[1]})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "success"
    assert body["token"].startswith("v4.local.") and len(body["token"]) > 60
    assert body["user"]["email"] == CREDIT[0]
    assert "membership_user" not in body["user"]  # the notes give it only in GET /auth/user
    [event] = events(admin, "login")
    assert event["actor"] == CREDIT[0] and event["detail"]["ok"] is True
    assert event["detail"]["origin"] == "https://bookings.better.org.uk"
    assert event["detail"]["accept"] == "application/json"


def test_login_by_customer_id(api: httpx.Client) -> None:
    login(api, CREDIT)
    customer_id = api.get("/auth/user").json()["data"]["customer_id"]
    r = api.post("/auth/customer/login", json={"username": customer_id, "password": CREDIT[1]})
    assert r.status_code == 200 and r.json()["token"].startswith("v4.local.")


def test_bad_credentials_are_an_error_status_never_a_token(
    api: httpx.Client, admin: httpx.Client
) -> None:
    r = api.post("/auth/customer/login", json={"username": CREDIT[0], "password": "wrong"})
    assert r.status_code == 401
    assert r.json() == {"message": "These credentials do not match our records."}
    assert events(admin, "login")[0]["detail"]["ok"] is False
    r = api.post("/auth/customer/login", json={"username": CREDIT[0]})
    assert r.status_code == 422 and "password" in r.json()["errors"]


def test_auth_user_gives_membership_user_id_or_null(api: httpx.Client, admin: httpx.Client) -> None:
    login(api, MEMBER)
    data = api.get("/auth/user").json()["data"]
    assert isinstance(data["membership_user"]["id"], int)
    admin.post(
        "/_sandbox/better/users",
        json={"email": "payg@example.com", "password": "Payg-pass-1", "member": False},
    ).raise_for_status()
    login(api, ("payg@example.com", "Payg-pass-1"))
    assert api.get("/auth/user").json()["data"]["membership_user"] is None


def test_auth_needs_a_bearer_token(api: httpx.Client) -> None:
    r = api.get("/auth/user")
    assert r.status_code == 401 and r.json() == {"message": "Unauthenticated."}
    api.headers["Authorization"] = "Bearer v4.local.forged"
    assert api.get("/activities/cart").status_code == 401


# --- Discovery (notes › The JSON API › Discovery) -----------------------------------------
def test_venues_are_the_barnet_venues_of_seed_000(api: httpx.Client) -> None:
    slugs = [v["slug"] for v in api.get("/activities/venues").json()["data"]]
    assert slugs == [HENDON, COPTHALL, "barnet-burnt-oak-leisure-centre"]


def test_categories_tree_with_v1_v2_slugs_and_types(api: httpx.Client) -> None:
    [badminton] = api.get(f"/activities/venue/{HENDON}/categories").json()["data"]
    assert {"slug", "name", "children", "v1_slug", "v2_slug", "v2_type"} <= badminton.keys()
    assert badminton["slug"] == "badminton" and badminton["has_children"] is True
    children = {c["slug"]: c for c in badminton["children"]}
    assert set(children) == {B40, B60, SOCIAL}
    assert children[B60]["v2_type"] == "resources" and children[B60]["v1_slug"] == B60
    assert children[SOCIAL]["v2_type"] == "ticketed" and children[SOCIAL]["v1_slug"] is None
    one = api.get(f"/activities/venue/{HENDON}/categories/badminton").json()["data"]
    assert [c["slug"] for c in one["children"]] == [c["slug"] for c in badminton["children"]]
    copthall = api.get(f"/activities/venue/{COPTHALL}/categories/{B40}").json()["data"]
    assert copthall["v1_slug"] is None and copthall["v2_slug"] == B40
    assert api.get(f"/activities/venue/{HENDON}/categories/squash").status_code == 404


def test_dates_listing(api: httpx.Client) -> None:
    data = api.get(f"/activities/venue/{HENDON}/activity-category/{B60}/dates").json()["data"]
    assert data[0] == {"raw": "2027-01-13", "day_pretty": "Wednesday", "today": True}
    assert data[-1]["raw"] == NEXT_RELEASE_DAY and data[-1]["today"] is False
    assert len(data) == 8


# --- Availability (notes › The JSON API › Availability) -----------------------------------
def test_v2_times_items_carry_every_field(api: httpx.Client) -> None:
    r = times(api, TOMORROW)
    assert r.status_code == 200
    items = r.json()["data"]
    assert [i["starts_at"]["format_24_hour"] for i in items][:2] == ["07:00", "08:00"]
    item = items[0]
    assert list(item) == TIME_FIELDS
    assert item["starts_at"] == {"format_12_hour": "7:00am", "format_24_hour": "07:00"}
    assert item["ends_at"] == {"format_12_hour": "8:00am", "format_24_hour": "08:00"}
    assert item["duration"] == "60min" and item["date"] == TOMORROW
    assert item["price"] == {"formatted_amount": "£14.00", "is_estimated": False}
    assert item["location"] == "Multiple" and item["name"] == "Badminton 60min"
    assert item["category_slug"] == "badminton" and item["venue_slug"] == HENDON
    assert item["restriction_ids"] == [] and item["booking"] is None
    assert item["action_to_show"]["status"] in ("BOOK", "FULL")
    assert item["first_bookable_at"] == {
        "utc": "2027-01-07T22:00:00Z",
        "local": "2027-01-07T22:00:00+00:00",
        "timezone": "Europe/London",
        "format_24_hour": "22:00",
    }
    evening = next(i for i in items if i["starts_at"]["format_24_hour"] == "20:00")
    assert evening["starts_at"]["format_12_hour"] == "8:00pm"
    assert evening["price"]["formatted_amount"] == "£16.40"  # peak


def test_v1_times_lack_the_v2_fields(api: httpx.Client) -> None:
    items = times(api, TOMORROW, v2=False).json()["data"]
    assert "id" not in items[0] and "first_bookable_at" not in items[0]
    assert items[0]["composite_key"] == times(api, TOMORROW).json()["data"][0]["composite_key"]


def test_40_minute_sessions(api: httpx.Client) -> None:
    items = times(api, TOMORROW, activity=B40).json()["data"]
    starts = [i["starts_at"]["format_24_hour"] for i in items]
    assert starts[:3] == ["07:00", "07:40", "08:20"] and items[0]["duration"] == "40min"


def test_full_session_is_flagged(api: httpx.Client, admin: httpx.Client) -> None:
    admin.post(
        "/_sandbox/better/occupancy", json={"key": key(TOMORROW, "09:00"), "taken": [1, 2, 3, 4]}
    ).raise_for_status()
    item = next(
        i for i in times(api, TOMORROW).json()["data"]
        if i["starts_at"]["format_24_hour"] == "09:00"
    )  # fmt: skip
    assert item["action_to_show"] == {"status": "FULL", "reason": FULL}
    assert item["spaces"] == 0 and item["spaces_remaining"] == 0


def test_pre_release_listing_keeps_its_slot_id(api: httpx.Client, admin: httpx.Client) -> None:
    """Notes: before release an entry is listed with status null and spaces_remaining null,
    carrying the slot id it will keep; first_bookable_at states the instant."""
    before = times(api, NEXT_RELEASE_DAY).json()["data"][0]
    assert before["action_to_show"]["status"] is None and before["spaces_remaining"] is None
    assert before["first_bookable_at"]["local"] == "2027-01-13T22:00:00+00:00"
    admin.post("/_sandbox/clock", json={"now": "2027-01-13T22:00:01+00:00"}).raise_for_status()
    after = times(api, NEXT_RELEASE_DAY).json()["data"][0]
    assert after["id"] == before["id"] and after["composite_key"] == before["composite_key"]
    assert after["action_to_show"]["status"] == "BOOK" and after["spaces_remaining"] == 4


def test_dates_beyond_the_window_answer_the_generic_422(api: httpx.Client) -> None:
    """Notes › Errors row 1: 422 "The date should be within the valid days…"."""
    for day in (BEYOND, "2027-01-12"):
        r = times(api, day)
        assert r.status_code == 422 and r.json() == {"message": NOT_VIEWABLE}
    assert times(api, "13/01/2027").status_code == 422


def test_week_gate_answers_a_redirect_instead_of_json(
    api: httpx.Client, admin: httpx.Client, urls: dict[str, str]
) -> None:
    """Notes › Errors row 2: "HTML / redirect instead of JSON from `/times`" (opt-in knob)."""
    assert admin.put("/_sandbox/better/week-gate", json={"enabled": True}).status_code == 200
    r = times(api, BEYOND)
    assert r.status_code == 302
    assert r.headers["location"] == f"{urls['web']}/location/{HENDON}/{B60}/{BEYOND}/by-time"
    assert times(api, TOMORROW).status_code == 200


def test_v1_answers_422_for_a_v2_migrated_pair(api: httpx.Client) -> None:
    """Notes: v2 rollout per venue and activity; v1 answers the generic 422 for migrated ones."""
    r = times(api, TOMORROW, v2=False, venue=COPTHALL, activity=B40)
    assert r.status_code == 422 and r.json()["message"] == NOT_VIEWABLE
    assert times(api, TOMORROW, v2=True, venue=COPTHALL, activity=B40).status_code == 200
    assert times(api, TOMORROW, v2=False, venue=COPTHALL, activity=B60).status_code == 200


def test_per_court_slots(api: httpx.Client) -> None:
    """Notes: per-court `/slots` (or `v2/slots`) items and their fields."""
    data = courts(api, TOMORROW, "20:00", "21:00")
    assert len(data) == 4
    court = data[0]
    for name in ("id", "pricing_option_id", "restriction_ids", "cart_type", "location",
                 "spaces", "booking", "benefit_available", "action_to_show", "starts_at",
                 "ends_at", "price"):  # fmt: skip
        assert name in court
    assert court["location"]["name"] == "Court 1" and court["location"]["slug"] == "court-1"
    assert isinstance(court["location"]["id"], int)
    assert court["price"]["raw"] == 1640 and court["starts_at"]["format_24_hour"] == "20:00"
    composite = court["composite_key"]
    v1 = api.get(
        f"/activities/venue/{HENDON}/activity/{B60}/slots",
        params={"date": TOMORROW, "start_time": "20:00", "end_time": "21:00",
                "composite_key": composite},
    )  # fmt: skip
    assert v1.status_code == 200 and [c["id"] for c in v1.json()["data"]] == [c["id"] for c in data]


def test_drop_in_occurrence_tickets(api: httpx.Client) -> None:
    """Notes: `GET /v1/activities/occurrences/{slot_id}` → data.tickets[0].id, .pricing_option.id"""
    item = times(api, TOMORROW, activity=SOCIAL).json()["data"][0]
    assert item["location"] == "Sports Hall" and item["spaces"] >= item["spaces_remaining"]
    data = api.get(f"/v1/activities/occurrences/{item['id']}").json()["data"]
    ticket = data["tickets"][0]
    assert isinstance(ticket["id"], int) and isinstance(ticket["pricing_option"]["id"], int)
    login(api, CREDIT)
    body = {
        "items": [{"id": item["id"], "type": "purchasableOccurrence",
                   "pricing_option_id": ticket["pricing_option"]["id"],
                   "ticket_id": ticket["id"], "activity_restriction_ids": []}],
        "membership_user_id": membership_id(api), "selected_user_id": None,
    }  # fmt: skip
    r = api.post("/activities/cart/add", json=body)
    assert r.status_code == 200 and r.json()["data"]["total"] == 750
    assert api.get("/v1/activities/occurrences/nope").status_code == 404


# --- Cart (notes › Cart and checkout) ------------------------------------------------------
def test_cart_add_payload_and_response(api: httpx.Client, admin: httpx.Client) -> None:
    login(api, CREDIT)
    data = hold_court(api)
    for name in ("id", "total", "source", "itemHash", "credits", "items", "item_count",
                 "formattedTotal"):  # fmt: skip
        assert name in data
    assert data["source"] == "activity-booking" and data["item_count"] == 1
    assert data["total"] == 1640 and data["formattedTotal"] == "£16.40"
    assert data["credits"]["general"] == {
        "total_available": 6000, "max_applicable": 1640, "reserved": 0
    }  # fmt: skip
    [hold] = events(admin, "hold")
    assert hold["actor"] == CREDIT[0] and hold["slot"] == key(TOMORROW, "20:00")
    assert api.get("/activities/cart").json()["data"]["items"] == data["items"]


def test_cart_add_by_the_v2_slot_id_lets_the_site_pick_a_court(api: httpx.Client) -> None:
    login(api, CREDIT)
    item = times(api, TOMORROW).json()["data"][-1]
    free_before = item["spaces_remaining"]
    r = api.post("/activities/cart/add", json=add_payload(item["id"], 3102, membership_id(api)))
    if free_before:
        assert r.status_code == 200 and r.json()["data"]["items"][0]["slot_id"] == item["id"]
    else:
        assert r.status_code == 409


def test_cart_add_before_release_is_422(api: httpx.Client, admin: httpx.Client) -> None:
    login(api, CREDIT)
    item = times(api, NEXT_RELEASE_DAY).json()["data"][0]
    r = api.post("/activities/cart/add", json=add_payload(item["id"], 3102, membership_id(api)))
    assert r.status_code == 422 and r.json()["message"] == NOT_VIEWABLE
    assert events(admin, "rejected")[0]["detail"]["reason"] == "not_released"


def test_cart_add_full_is_409_final(api: httpx.Client, admin: httpx.Client) -> None:
    """Notes › Errors row 4: 409 "The session being booked is already full"."""
    login(api, CREDIT)
    admin.post("/_sandbox/better/occupancy", json={"key": key(TOMORROW, "20:00"), "taken": [1]})
    court1 = courts(api, TOMORROW, "20:00", "21:00")[0]
    assert court1["action_to_show"] == {"status": "FULL", "reason": FULL}
    r = api.post("/activities/cart/add", json=add_payload(court1["id"], 3102, membership_id(api)))
    assert r.status_code == 409 and r.json()["message"] == FULL
    assert events(admin, "rejected")[0]["detail"]["reason"] == "full"


def test_load_shedding_at_release_is_409_retryable(api: httpx.Client, admin: httpx.Client) -> None:
    """Notes › Errors row 3: 409 "Sorry, a lot of people…" at release (knob: load-shedding)."""
    login(api, CREDIT)
    r = admin.put("/_sandbox/better/load-shedding", json={"rate": 1.0, "window_s": 5})
    assert r.status_code == 200
    admin.post("/_sandbox/clock", json={"now": "2027-01-13T22:00:01+00:00"})
    item = times(api, NEXT_RELEASE_DAY).json()["data"][0]
    body = add_payload(item["id"], 3102, membership_id(api))
    r = api.post("/activities/cart/add", json=body)
    assert r.status_code == 409 and r.json()["message"] == BUSY
    assert api.get("/activities/cart").status_code == 409
    admin.post("/_sandbox/clock", json={"now": "2027-01-13T22:00:07+00:00"})
    assert api.post("/activities/cart/add", json=body).status_code == 200
    assert api.get("/activities/cart").status_code == 200


def test_cart_add_bad_input_is_422_naming_the_field(api: httpx.Client) -> None:
    login(api, CREDIT)
    member = membership_id(api)
    cases = [
        ({"items": [], "membership_user_id": member}, "items"),
        (add_payload(1, 3102, member), "items.0.id"),
        (add_payload(courts(api, TOMORROW, "20:00", "21:00")[1]["id"], 9, member),
         "items.0.pricing_option_id"),
        (add_payload("x", 3102, member, type="ticket"), "items.0.type"),
        (add_payload("x", 3102, 42), "membership_user_id"),
    ]  # fmt: skip
    for body, field in cases:
        r = api.post("/activities/cart/add", json=body)
        assert r.status_code == 422 and field in r.json()["errors"], (field, r.text)
    r = api.post("/activities/cart/add", content=b"{not json", headers={"Content-Type": "x"})
    assert r.status_code == 400


def test_cart_remove(api: httpx.Client, admin: httpx.Client) -> None:
    login(api, CREDIT)
    item_id = hold_court(api)["items"][0]["id"]
    r = api.post("/activities/cart/remove", json={"cart_item_ids": [item_id]})
    assert r.status_code == 200 and r.json()["data"]["items"] == []
    assert events(admin, "release_hold")[0]["detail"]["reason"] == "removed"
    assert api.post("/activities/cart/remove", json={"cart_item_ids": [1]}).status_code == 422


def test_hold_expires_after_10_minutes_of_site_clock(
    api: httpx.Client, admin: httpx.Client
) -> None:
    """Notes: a hold lasts about 10 minutes (knob: `/_sandbox/better/holds`)."""
    login(api, CREDIT)
    hold_court(api)
    admin.post("/_sandbox/clock", json={"now": "2027-01-13T09:39:30+00:00"})
    assert api.get("/activities/cart").json()["data"]["item_count"] == 1
    admin.post("/_sandbox/clock", json={"now": "2027-01-13T09:40:30+00:00"})
    assert api.get("/activities/cart").json()["data"]["item_count"] == 0
    assert events(admin, "release_hold")[0]["detail"]["reason"] == "expired"
    assert admin.put("/_sandbox/better/holds", json={"minutes": 2}).status_code == 200
    hold_court(api)
    admin.post("/_sandbox/clock", json={"now": "2027-01-13T09:42:31+00:00"})
    assert api.get("/activities/cart").json()["data"]["item_count"] == 0


# --- Checkout (notes › Cart and checkout) ---------------------------------------------------
def test_membership_benefit_completes_with_no_payments(
    api: httpx.Client, admin: httpx.Client
) -> None:
    login(api, MEMBER)
    assert courts(api, TOMORROW, "20:00", "21:00")[0]["benefit_available"] is True
    assert hold_court(api)["total"] == 0
    r = api.post("/checkout/complete", json={"payments": [], **COMPLETE})
    assert r.status_code == 200 and r.json()["status"] == "success"
    order = r.json()["complete_order_id"]
    [booking] = events(admin, "booking")
    assert booking["reference"] == str(order) and booking["detail"]["method"] == "benefit"
    assert booking["slot"] == key(TOMORROW, "20:00")


@pytest.mark.parametrize("path", ["/credits/apply", "/activities/cart/apply-credits"])
def test_account_credit(api: httpx.Client, admin: httpx.Client, path: str) -> None:
    login(api, CREDIT)
    total = hold_court(api)["total"]
    r = api.post("/checkout/complete", json={"payments": [], **COMPLETE})
    assert r.status_code == 422  # a cart that costs money needs a tender
    too_much = {"credits_to_reserve": [{"amount": 999_999, "type": "general"}],
                "cart_source": "activity-booking"}  # fmt: skip
    assert api.post(path, json=too_much).status_code == 422
    body = {"credits_to_reserve": [{"amount": total, "type": "general"}],
            "cart_source": "activity-booking"}  # fmt: skip
    r = api.post(path, json=body)
    assert r.status_code == 200 and r.json()["data"]["credits"]["general"]["reserved"] == total
    pay = {"payments": [{"tender_type": "credit", "amount": total}], **COMPLETE}
    r = api.post("/checkout/complete", json=pay)
    assert r.status_code == 200 and r.json()["complete_order_id"]
    assert events(admin, "booking")[0]["detail"]["method"] == "credit"
    assert api.get("/auth/user").json()["data"]["credit_balance"]["raw"] == 6000 - total


def test_terms_are_required(api: httpx.Client) -> None:
    login(api, MEMBER)
    hold_court(api)
    r = api.post("/checkout/complete", json={"payments": [], **COMPLETE, "terms": []})
    assert r.status_code == 422 and "terms" in r.json()["errors"]


def test_my_bookings_and_cancel(api: httpx.Client, admin: httpx.Client) -> None:
    """Notes: `GET /my-account/bookings?filter=`, cancel by `PATCH /v1/activities/bookings`."""
    login(api, MEMBER)
    court = hold_court(api)["items"][0]
    api.post("/checkout/complete", json={"payments": [], **COMPLETE}).raise_for_status()
    future = api.get("/my-account/bookings", params={"filter": "future"}).json()["data"]
    assert len(future) == 1 and future[0]["status"] == "BOOKED"
    assert future[0]["location"] == court["location"]
    assert api.get("/my-account/bookings", params={"filter": "past"}).json()["data"] == []
    assert len(api.get("/my-account/bookings", params={"filter": "all"}).json()["data"]) == 1
    assert api.get("/my-account/bookings", params={"filter": "soon"}).status_code == 422
    body = {"data": {"update_type": "cancellation", "booking_ids": [future[0]["id"]]}}
    r = api.patch("/v1/activities/bookings", json=body)
    assert r.status_code == 200 and r.json()["data"][0]["status"] == "CANCELLED"
    assert events(admin, "cancel")[0]["slot"] == key(TOMORROW, "20:00")
    assert api.patch("/v1/activities/bookings", json=body).status_code == 422
    freed = [c for c in courts(api, TOMORROW, "20:00", "21:00") if c["id"] == court_slot(court)]
    assert freed[0]["action_to_show"]["status"] == "BOOK"


def court_slot(item: dict[str, object]) -> object:
    return item["activity_slot_id"]


def test_free_courts_for_further_tests(api: httpx.Client, admin: httpx.Client) -> None:
    """The occupancy admin route frees every court (used by tests needing a free session)."""
    free_all(admin, key(TOMORROW, "07:00"))
    assert all(c["spaces"] == 1 for c in courts(api, TOMORROW, "07:00", "08:00"))


# --- the documented-only variation (/_sandbox/better/variation) -------------------------------
def test_documented_only_variation_leaves_nothing_undocumented(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/_sandbox/better/variation", json={"documented_only": True}).raise_for_status()
    login(api, MEMBER)
    assert set(api.get("/auth/user").json()["data"]) == {"membership_user"}
    listed = [c["location"]["name"] for c in courts(api, TOMORROW, "20:00", "21:00")]
    assert listed == sorted(listed, reverse=True)  # lists come in another order
    for court in courts(api, TOMORROW, "20:00", "21:00"):
        assert not {"date", "composite_key", "name"} & set(court)
        assert court["price"] == {"raw": 0} or set(court["price"]) == {"raw"}
    [line] = hold_court(api)["items"]
    assert set(line) == {"id", "cartable_id", "cartable_resource"}
    assert line["cartable_resource"]["date"] == TOMORROW
    admin.post("/_sandbox/reset").raise_for_status()
    assert admin.get("/_sandbox/better/variation").json() == {"documented_only": False}
