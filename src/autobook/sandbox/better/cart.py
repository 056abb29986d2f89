"""Cart operations: add (hold), read, remove; holds expire and may be dropped by the site."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from autobook.sandbox.better.catalog import RESOURCES, TICKETED, ticket_id
from autobook.sandbox.better.errors import BUSY, FULL, NOT_VIEWABLE, BetterError, invalid, required
from autobook.sandbox.better.models import Cart, CartItem, Place, Session, User

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

ITEM_TYPES = {"activity": RESOURCES, "purchasableOccurrence": TICKETED}


@dataclass
class Wanted:
    """One validated `items[]` entry of `POST /activities/cart/add`."""

    session: Session
    place: Place | None  # None: the site picks a free place
    type: str
    apply_benefit: bool


def item_hash(cart: Cart) -> str:
    text = ",".join(f"{i.id}:{i.slot_id}:{i.price_pence}" for i in cart.items)
    return hashlib.sha256(f"{cart.id}|{text}|{cart.reserved_credit}".encode()).hexdigest()[:32]


def sweep(sim: BetterSim) -> None:
    """Drop expired holds and the ones the site decided to lose (faults.drop_cart_rate)."""
    now = sim.state.now()
    for cart in sim.state.carts.values():
        for item in list(cart.items):
            if item.doomed:
                remove_item(sim, cart, item, "dropped")
            elif item.held_until <= now:
                remove_item(sim, cart, item, "expired")


def remove_item(sim: BetterSim, cart: Cart, item: CartItem, reason: str) -> None:
    state = sim.state
    cart.items.remove(item)
    session = state.session(item.session_key)
    for place in session.places:
        if place.hold_item_id == item.id:
            place.hold_item_id = None
    cart.reserved_credit = min(cart.reserved_credit, cart.total)
    user = state.users[cart.user_id]
    sim.events.record(
        "release_hold", actor=user.login, slot=item.session_key,
        detail={"reason": reason, "cart_item_id": item.id},
    )  # fmt: skip


def shed(sim: BetterSim, released_at: datetime) -> bool:
    """Load shedding just after a release instant."""
    since = (sim.state.now() - released_at).total_seconds()
    return 0 <= since <= sim.state.load.window_s and sim.roll(sim.state.load.rate)


def last_release(sim: BetterSim) -> datetime:
    state = sim.state
    now = state.now()
    instants = [
        state.release.next_rule_release(v, now - timedelta(days=1)) for v in state.venues
    ] + [at for at in state.release_overrides.values() if at <= now]
    past = [at for at in instants if at <= now]
    return max(past) if past else now - timedelta(days=1)


def read(sim: BetterSim, user: User) -> Cart:
    """`GET /activities/cart`: may answer 409 transiently under load shedding."""
    sweep(sim)
    if shed(sim, last_release(sim)):
        raise BetterError(409, BUSY)
    return sim.state.cart_of(user)


def parse_items(sim: BetterSim, user: User, body: dict[str, Any]) -> list[Wanted]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise required("items")
    member = body.get("membership_user_id")
    if member is not None and member != user.membership_user_id:
        raise invalid("membership_user_id")
    return [_parse_item(sim, n, raw) for n, raw in enumerate(items)]


def _parse_item(sim: BetterSim, n: int, raw: Any) -> Wanted:
    if not isinstance(raw, dict):
        raise invalid(f"items.{n}")
    kind = ITEM_TYPES.get(raw.get("type", ""))
    if kind is None:
        raise invalid(f"items.{n}.type")
    session, place = _resolve(sim, raw.get("id"))
    if session is None or session.activity.kind != kind:
        raise invalid(f"items.{n}.id")
    if raw.get("pricing_option_id") != session.activity.pricing_option_id:
        raise invalid(f"items.{n}.pricing_option_id")
    ticket = raw.get("ticket_id")
    if kind == TICKETED and ticket is not None and ticket != ticket_id(session.key):
        raise invalid(f"items.{n}.ticket_id")
    return Wanted(session, place, raw["type"], bool(raw.get("apply_benefit", False)))


def _resolve(sim: BetterSim, raw_id: Any) -> tuple[Session | None, Place | None]:
    """A per-court slot id (int) picks that court; a v2 slot id (str) lets the site pick."""
    state = sim.state
    if isinstance(raw_id, int | str) and str(raw_id).isdigit():
        try:
            return state.place(int(raw_id))
        except KeyError:
            return None, None
    if isinstance(raw_id, str):
        try:
            return state.session_by_id(raw_id), None
        except KeyError:
            return None, None
    return None, None


def add(sim: BetterSim, user: User, body: dict[str, Any]) -> Cart:
    """`POST /activities/cart/add`: hold every wanted place, or none (all-or-nothing)."""
    state = sim.state
    sweep(sim)
    wanted = parse_items(sim, user, body)
    chosen: list[tuple[Wanted, Place]] = []
    for w in wanted:
        chosen.append((w, _check(sim, user, w, [p for _, p in chosen])))
    cart = state.cart_of(user)
    until = state.now() + timedelta(minutes=state.holds.minutes)
    for w, place in chosen:
        benefit = w.apply_benefit and user.benefit and w.session.activity.kind == RESOURCES
        price = 0 if benefit else w.session.activity.price_at(w.session.start)
        item = CartItem(
            state.next_id(), w.session.key, place.slot_id, w.type, price, benefit, until
        )
        item.doomed = sim.roll(sim.faults.drop_cart_rate)
        place.hold_item_id = item.id
        cart.items.append(item)
        sim.events.record(
            "hold", actor=user.login, slot=w.session.key,
            detail={"court": w.session.place_name(place), "cart_item_id": item.id,
                    "held_until": until.isoformat()},
        )  # fmt: skip
    return cart


def _check(sim: BetterSim, user: User, w: Wanted, taken: list[Place]) -> Place:
    """The place to hold for `w`, or the site's refusal (recorded as a `rejected` event)."""
    state, s = sim.state, w.session
    reason, error = None, None
    free = [p for p in s.free_places() if p not in taken]
    if not state.released(s) or state.started(s):
        reason, error = "not_released", BetterError(422, NOT_VIEWABLE)
    elif shed(sim, state.release_of(s)):
        reason, error = "load_shedding", BetterError(409, BUSY)
    elif (w.place is not None and (not w.place.free or w.place in taken)) or not free:
        reason, error = "full", BetterError(409, FULL)
    if error is not None:
        sim.events.record(
            "rejected", actor=user.login, slot=s.key, status=error.status,
            detail={"reason": reason, "message": error.message},
        )  # fmt: skip
        raise error
    return w.place or free[0]


def remove(sim: BetterSim, user: User, body: dict[str, Any]) -> Cart:
    """`POST /activities/cart/remove {"cart_item_ids": [...]}`."""
    sweep(sim)
    ids = body.get("cart_item_ids")
    if not isinstance(ids, list) or not ids:
        raise required("cart_item_ids")
    cart = sim.state.cart_of(user)
    by_id = {i.id: i for i in cart.items}
    for n, raw in enumerate(ids):
        if raw not in by_id:
            raise invalid(f"cart_item_ids.{n}")
    for raw in ids:
        remove_item(sim, cart, by_id[raw], "removed")
    return cart
