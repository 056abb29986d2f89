"""The documented-only variation (`knobs.Variation`): the simulator's answers cut down to the
fields the site notes document, in another order. Applied to the serialised JSON, so the
default answers stay as they are."""

from __future__ import annotations

from typing import Any

# Notes › Availability › Per-court: the fields a `/slots` item is documented with.
COURT_FIELDS = (
    "id", "pricing_option_id", "restriction_ids", "cart_type", "location", "spaces", "booking",
    "benefit_available", "action_to_show", "starts_at", "ends_at", "price",
)  # fmt: skip


def listing(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Any list, in reverse order: clients must not lean on the order."""
    return items[::-1]


def court(item: dict[str, Any]) -> dict[str, Any]:
    price = item["price"]
    kept = {k: item[k] for k in reversed(COURT_FIELDS) if k in item}
    return kept | {"price": {"raw": price["raw"]}}


def cart(body: dict[str, Any]) -> dict[str, Any]:
    """Basket lines as public bots report them: an id, the slot as `cartable_id` and its
    details under `cartable_resource` (the notes document none of a line's fields)."""
    data = body["data"]
    lines = [
        {
            "cartable_resource": {
                "date": line["date"],
                "starts_at": line["starts_at"],
                "location": line["location"],
            },
            "cartable_id": line["activity_slot_id"],
            "id": line["id"],
        }
        for line in data["items"]
    ]
    return {"data": {**data, "items": listing(lines)}}


def booking(item: dict[str, Any]) -> dict[str, Any]:
    """A `/my-account/bookings` entry (undocumented): no order id, details nested."""
    nested = {k: item[k] for k in ("date", "starts_at", "ends_at", "location") if k in item}
    return {"status": item["status"], "booking": nested, "id": item["id"]}


def auth_user(data: dict[str, Any]) -> dict[str, Any]:
    return {"membership_user": data["membership_user"]}
