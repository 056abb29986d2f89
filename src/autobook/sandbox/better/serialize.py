"""The JSON shapes of the Better API, field for field as the site notes give them."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from autobook.sandbox.better import catalog
from autobook.sandbox.better.cart import item_hash
from autobook.sandbox.better.catalog import RESOURCES, Activity, Venue, fmt12, money
from autobook.sandbox.better.errors import FULL
from autobook.sandbox.better.models import Booking, Cart, Place, Session, User
from autobook.sandbox.better.release import first_bookable_at
from autobook.sandbox.better.state import BetterState

SOURCE = "activity-booking"


def clock_time(t: time) -> dict[str, str]:
    return {"format_12_hour": fmt12(t), "format_24_hour": t.strftime("%H:%M")}


def price(pence: int) -> dict[str, Any]:
    return {"raw": pence, "formatted_amount": money(pence), "is_estimated": False}


def action(state: BetterState, s: Session, free: int) -> dict[str, Any]:
    if not state.released(s):
        return {"status": None, "reason": None}
    if free == 0:
        return {"status": "FULL", "reason": FULL}
    return {"status": "BOOK", "reason": None}


def user_booking(state: BetterState, s: Session, user: User | None) -> dict[str, Any] | None:
    """`booking`: null unless the caller holds or has booked a place of this session."""
    if user is None:
        return None
    cart = state.carts.get(user.id)
    for item in cart.items if cart else []:
        if item.session_key == s.key:
            return {"status": "IN_BASKET", "cart_item_id": item.id, "slot_id": item.slot_id}
    for p in s.places:
        b = state.bookings.get(p.booking_id or 0)
        if b is not None and b.user_id == user.id:
            return {"status": "BOOKED", "id": b.id, "order_id": b.order_id}
    return None


def time_item(state: BetterState, s: Session, user: User | None, *, v2: bool) -> dict[str, Any]:
    """One entry of `/times` (v1) or `/v2/times`; v2 adds `id` and `first_bookable_at`."""
    released = state.released(s)
    free = len(s.free_places())
    item: dict[str, Any] = {"id": s.id} if v2 else {}
    item |= {
        "starts_at": clock_time(s.start),
        "ends_at": clock_time(s.end),
        "duration": s.activity.duration,
        "date": s.day.isoformat(),
        "price": {
            "formatted_amount": money(s.activity.price_at(s.start)),
            "is_estimated": False,
        },
        "composite_key": s.composite_key,
        "timestamp": int(state.starts_at(s).timestamp()),
        "booking": user_booking(state, s, user),
        "spaces": free if released else len(s.places),
        "spaces_remaining": free if released else None,
        "action_to_show": action(state, s, free),
    }
    if v2:
        item["first_bookable_at"] = first_bookable_at(state.release_of(s))
    item |= {
        "category_slug": s.activity.category,
        "venue_slug": s.venue.slug,
        "location": "Multiple" if s.activity.kind == RESOURCES else s.activity.hall,
        "name": s.activity.name,
        "restriction_ids": [],
    }
    return item


def court_item(state: BetterState, s: Session, p: Place, user: User | None) -> dict[str, Any]:
    """One entry of the per-court `/slots` listing."""
    released = state.released(s)
    status = None if not released else ("BOOK" if p.free else "FULL")
    mine = user_booking(state, s, user)
    return {
        "id": p.slot_id,
        "pricing_option_id": s.activity.pricing_option_id,
        "restriction_ids": [],
        "cart_type": "activity",
        "location": {
            "id": catalog.place_id(f"{s.venue.slug}/court", p.number),
            "slug": f"court-{p.number}",
            "name": s.place_name(p),
        },
        "spaces": 1 if p.free else 0,
        "booking": mine if mine and mine.get("slot_id") == p.slot_id else None,
        "benefit_available": bool(user and user.benefit),
        "action_to_show": {"status": status, "reason": FULL if status == "FULL" else None},
        "starts_at": clock_time(s.start),
        "ends_at": clock_time(s.end),
        "date": s.day.isoformat(),
        "composite_key": s.composite_key,
        "name": s.activity.name,
        "price": price(s.activity.price_at(s.start)),
    }


def occurrence(state: BetterState, s: Session) -> dict[str, Any]:
    """`GET /v1/activities/occurrences/{slot_id}`: a drop-in session and its ticket."""
    free = len(s.free_places())
    return {
        "data": {
            "id": s.id,
            "name": s.activity.name,
            "date": s.day.isoformat(),
            "starts_at": clock_time(s.start),
            "ends_at": clock_time(s.end),
            "venue_slug": s.venue.slug,
            "location": s.activity.hall,
            "spaces": len(s.places),
            "spaces_remaining": free if state.released(s) else None,
            "first_bookable_at": first_bookable_at(state.release_of(s)),
            "tickets": [
                {
                    "id": catalog.ticket_id(s.key),
                    "name": "Adult",
                    "pricing_option": {
                        "id": s.activity.pricing_option_id,
                        "price": price(s.activity.price_at(s.start)),
                    },
                    "spaces_remaining": free,
                }
            ]
            if s.activity.kind != RESOURCES
            else [],
        }
    }


def venue(v: Venue) -> dict[str, Any]:
    return {
        "id": catalog.ticket_id("venue:" + v.slug),
        "slug": v.slug,
        "name": v.name,
        "region": v.region,
    }


def leaf(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pricing_option_id,
        "slug": a.slug,
        "name": a.name,
        "has_children": False,
        "children": [],
        "v1_slug": None if a.v2_only else a.slug,
        "v2_slug": a.slug,
        "v2_type": a.kind,
    }


def category(v: Venue, slug: str) -> dict[str, Any]:
    children = [leaf(a) for a in v.activities.values() if a.category == slug]
    return {
        "id": catalog.ticket_id("category:" + slug),
        "slug": slug,
        "name": catalog.CATEGORY_NAMES.get(slug, slug.title()),
        "has_children": bool(children),
        "children": children,
        "v1_slug": None,
        "v2_slug": None,
        "v2_type": None,
    }


def dates(state: BetterState, v: Venue, a: Activity) -> dict[str, Any]:
    today = state.today()
    days: list[date] = []
    day = today
    while state.day_listed(v.slug, a.slug, day) and day <= today + timedelta(days=90):
        days.append(day)
        day += timedelta(days=1)
    return {
        "data": [
            {"raw": d.isoformat(), "day_pretty": d.strftime("%A"), "today": d == today}
            for d in days
        ]
    }


def cart(state: BetterState, c: Cart, user: User) -> dict[str, Any]:
    items = [cart_item(state, i) for i in c.items]
    return {
        "data": {
            "id": c.id,
            "total": c.total,
            "formattedTotal": money(c.total),
            "source": SOURCE,
            "itemHash": item_hash(c),
            "credits": {
                "general": {
                    "total_available": user.credit_pence,
                    "max_applicable": min(user.credit_pence, c.total),
                    "reserved": c.reserved_credit,
                }
            },
            "items": items,
            "item_count": len(items),
        }
    }


def cart_item(state: BetterState, item: Any) -> dict[str, Any]:
    s, p = state.place(item.slot_id)
    return {
        "id": item.id,
        "type": item.type,
        "name": s.activity.name,
        "slot_id": s.id,
        "activity_slot_id": item.slot_id,
        "venue_slug": s.venue.slug,
        "venue_name": s.venue.name,
        "category_slug": s.activity.category,
        "date": s.day.isoformat(),
        "starts_at": clock_time(s.start),
        "ends_at": clock_time(s.end),
        "location": {"name": s.place_name(p)},
        "price": price(item.price_pence),
        "benefit_applied": item.benefit_applied,
        "expires_at": item.held_until.isoformat(timespec="seconds"),
    }


def booking(state: BetterState, b: Booking) -> dict[str, Any]:
    s = state.session(b.session_key)
    return {
        "id": b.id,
        "order_id": b.order_id,
        "status": b.status,
        "name": s.activity.name,
        "venue_slug": s.venue.slug,
        "venue_name": s.venue.name,
        "category_slug": s.activity.category,
        "activity_slug": s.activity.slug,
        "date": s.day.isoformat(),
        "starts_at": clock_time(s.start),
        "ends_at": clock_time(s.end),
        "location": {"name": b.court},
        "price": price(b.price_pence),
    }


def login_user(u: User) -> dict[str, Any]:
    """The login answer's `user`: the notes leave its contents open, so it carries nothing a
    client could lean on instead of `GET /auth/user` (no membership, no credit)."""
    return {"id": u.id, "first_name": u.first_name, "email": u.email}


def user(u: User) -> dict[str, Any]:
    """`GET /auth/user`'s `data`: the one place the notes give `membership_user.id`."""
    return {
        "id": u.id,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "customer_id": u.customer_id,
        "membership_user": {"id": u.membership_user_id} if u.membership_user_id else None,
        "credit_balance": price(u.credit_pence),
    }
