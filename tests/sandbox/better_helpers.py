"""Helpers for the tests that drive the Better simulator over real HTTP: the demo dates,
request bodies exactly as the site notes give them, and small admin shortcuts.

A plain module, not a package: pytest's default ("prepend") import mode puts this directory on
`sys.path` for the test files beside it, which import it as `better_helpers`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from autobook.sandbox.better.site import DEMO_USERS

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)  # a Wednesday, GMT
TOMORROW = "2027-01-14"  # released
NEXT_RELEASE_DAY = "2027-01-20"  # releases at 22:00 tonight: listed, not yet bookable
BEYOND = "2027-01-21"  # outside the listing window
HENDON, B60, B40, SOCIAL = (
    "hendon-leisure-centre",
    "badminton-60min",
    "badminton-40min",
    "badminton-social",
)
COPTHALL = "barnet-copthall-leisure-centre"  # its badminton-40min migrated to v2
MEMBER, CREDIT, CARD = DEMO_USERS
BROWSER_HEADERS = {
    "Origin": "https://bookings.better.org.uk",
    "Accept": "application/json",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/125 Safari/537.36",
}


def login(api: httpx.Client, user: tuple[str, str]) -> str:
    """Log in and send the token on every later request of `api`."""
    r = api.post("/auth/customer/login", json={"username": user[0], "password": user[1]})
    r.raise_for_status()
    token = r.json()["token"]
    api.headers["Authorization"] = f"Bearer {token}"
    return token


def key(day: str, start: str, venue: str = HENDON, activity: str = B60) -> str:
    return f"{venue}/{activity}/{day}/{start}"


def courts(
    api: httpx.Client, day: str, start: str, end: str, venue: str = HENDON, activity: str = B60
) -> list[dict[str, Any]]:
    path = f"/activities/venue/{venue}/activity/{activity}/v2/slots"
    r = api.get(path, params={"date": day, "start_time": start, "end_time": end})
    r.raise_for_status()
    return r.json()["data"]


def free_all(admin: httpx.Client, slot_key: str, n: int = 4) -> None:
    r = admin.post(
        "/_sandbox/better/occupancy", json={"key": slot_key, "free": list(range(1, n + 1))}
    )
    r.raise_for_status()


def add_payload(item_id: Any, option: int, member: int | None, **extra: Any) -> dict[str, Any]:
    """The cart/add body exactly as the notes give it."""
    item = {"id": item_id, "type": "activity", "pricing_option_id": option, "apply_benefit": True,
            "activity_restriction_ids": []} | extra  # fmt: skip
    return {"items": [item], "membership_user_id": member, "selected_user_id": None}


def membership_id(api: httpx.Client) -> int | None:
    user = api.get("/auth/user").json()["data"]["membership_user"]
    return user["id"] if user else None


def hold_court(api: httpx.Client, day: str = TOMORROW, start: str = "20:00") -> dict[str, Any]:
    """Put the first free court of a session in the cart; the cart's `data`."""
    end = f"{int(start[:2]) + 1:02d}:{start[3:]}"
    court = next(c for c in courts(api, day, start, end) if c["action_to_show"]["status"] == "BOOK")
    body = add_payload(court["id"], court["pricing_option_id"], membership_id(api))
    r = api.post("/activities/cart/add", json=body)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def events(admin: httpx.Client, kind: str) -> list[dict[str, Any]]:
    return admin.get("/_sandbox/events", params={"kind": kind}).json()


COMPLETE = {"terms": [1], "source": "activity-booking", "completed_waivers": [],
            "selected_user_id": None}  # fmt: skip
