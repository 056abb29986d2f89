"""Paying for the cart: account credit, membership benefit, saved card (CVC on the payment
origin) or a new card; then one confirmed booking per cart item. Also cancellation."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from autobook.sandbox.better import cart as carts
from autobook.sandbox.better.errors import (
    BASKET_CHANGED,
    DECLINED,
    EMPTY_BASKET,
    BetterError,
    invalid,
    required,
)
from autobook.sandbox.better.models import Booking, Cart, CheckoutSession, Transaction, User

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

SOURCE = "activity-booking"


def apply_credits(sim: BetterSim, user: User, body: dict[str, Any]) -> Cart:
    """`POST /credits/apply`: reserve general credit against the cart total."""
    carts.sweep(sim)
    cart = sim.state.cart_of(user)
    wanted = body.get("credits_to_reserve")
    if not isinstance(wanted, list):
        raise required("credits_to_reserve")
    amount = 0
    for n, entry in enumerate(wanted):
        if not isinstance(entry, dict) or entry.get("type") != "general":
            raise invalid(f"credits_to_reserve.{n}.type")
        value = entry.get("amount")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise invalid(f"credits_to_reserve.{n}.amount")
        amount += value
    if not cart.items:
        raise BetterError(422, EMPTY_BASKET)
    if amount > user.credit_pence:
        raise BetterError(422, "You do not have enough credit to cover this amount.")
    if amount > cart.total:
        raise BetterError(422, "You cannot apply more credit than the basket total.")
    cart.reserved_credit = amount
    return cart


def prepare(sim: BetterSim, user: User) -> tuple[CheckoutSession, Cart]:
    """`GET /checkout/prepare`: a merchant session key for the payment origin."""
    carts.sweep(sim)
    state = sim.state
    cart = state.cart_of(user)
    if not cart.items:
        raise BetterError(422, EMPTY_BASKET)
    key = uuid.uuid4().hex.upper()
    session = CheckoutSession(key, user.id, carts.item_hash(cart), state.now())
    state.checkouts[key] = session
    return session, cart


def authorise(sim: BetterSim, user: User, body: dict[str, Any]) -> Transaction:
    """`POST /checkout/authorise`: authorise the card for what credit does not cover."""
    carts.sweep(sim)
    state = sim.state
    cart = state.cart_of(user)
    if not cart.items:
        raise BetterError(422, EMPTY_BASKET)
    if body.get("item_hash") != carts.item_hash(cart):
        raise BetterError(409, BASKET_CHANGED)
    checkout = _checkout_for(sim, user, body.get("session_key"))
    method, last4 = _card_for(sim, user, checkout, body.get("card_identifier"))
    amount = cart.total - cart.reserved_credit
    if sim.faults.decline_payments:
        sim.events.record(
            "payment", actor=user.login, status=422,
            detail={"outcome": "declined", "reason": "card declined", "last4": last4,
                    "amount": amount, "method": method},
        )  # fmt: skip
        raise BetterError(422, DECLINED)
    tx = Transaction(str(uuid.uuid4()), user.id, carts.item_hash(cart), amount, method, last4)
    state.transactions[tx.uuid] = tx
    sim.events.record(
        "payment", actor=user.login,
        detail={"outcome": "authorised", "last4": last4, "amount": amount, "method": method},
    )  # fmt: skip
    return tx


def _checkout_for(sim: BetterSim, user: User, key: Any) -> CheckoutSession:
    mine = [c for c in sim.state.checkouts.values() if c.user_id == user.id]
    if isinstance(key, str) and key:
        found = sim.state.checkouts.get(key)
        if found is None or found.user_id != user.id:
            raise invalid("session_key")
        return found
    if not mine:
        raise BetterError(422, "Please start checkout again.")
    return mine[-1]


def _card_for(sim: BetterSim, user: User, checkout: CheckoutSession, ident: Any) -> tuple[str, str]:
    """(method, last4) of the card to charge: a new card from the iframe, else the saved one."""
    saved = user.saved_card
    if isinstance(ident, str) and ident and (saved is None or ident != saved.identifier):
        card = sim.state.cards.get(ident)
        if card is None or card.session_key != checkout.key:
            raise invalid("card_identifier")
        return "card", card.last4
    if saved is None:
        raise required("card_identifier")
    if saved.identifier not in checkout.cvc_linked:
        raise BetterError(422, "Please enter the security code (CVV) of your saved card.")
    return "saved_card", saved.last4


def complete(sim: BetterSim, user: User, body: dict[str, Any]) -> int:
    """`POST /checkout/complete`: pay and confirm; returns `complete_order_id`."""
    carts.sweep(sim)
    state = sim.state
    cart = state.cart_of(user)
    terms = body.get("terms")
    if not isinstance(terms, list) or 1 not in terms:
        raise invalid("terms", "You must accept the terms and conditions.")
    if not cart.items:
        raise BetterError(422, EMPTY_BASKET)
    payments = body.get("payments")
    if not isinstance(payments, list):
        raise required("payments")
    credit, tx = _tenders(sim, user, cart, payments, body.get("transaction_uuid"))
    method = _method(cart, credit, tx)
    order_id = state.next_id()
    for item in list(cart.items):
        _confirm(sim, user, item.session_key, item.slot_id, item.price_pence, method, order_id)
    user.credit_pence -= credit
    if tx is not None:
        tx.used = True
    cart.items.clear()
    cart.reserved_credit = 0
    return order_id


def _tenders(
    sim: BetterSim, user: User, cart: Cart, payments: list[Any], top_uuid: Any
) -> tuple[int, Transaction | None]:
    """Check that the tenders cover the cart exactly: (credit used, card transaction)."""
    credit, card, tx = 0, 0, None
    for n, p in enumerate(payments):
        if not isinstance(p, dict) or not isinstance(p.get("amount"), int):
            raise invalid(f"payments.{n}.amount")
        if p.get("tender_type") == "credit":
            credit += p["amount"]
        elif p.get("tender_type") in ("card", "saved_card"):
            card += p["amount"]
            tx = _transaction(sim, user, cart, p.get("transaction_uuid") or top_uuid, n)
        else:
            raise invalid(f"payments.{n}.tender_type")
    if credit and credit != cart.reserved_credit:
        raise BetterError(422, "Please apply your credit before paying with it.")
    if credit > user.credit_pence:
        raise BetterError(422, "You do not have enough credit to cover this amount.")
    if tx is not None and tx.amount != card:
        raise invalid("payments", "The payment amount does not match the basket total.")
    if credit + card != cart.total:
        raise invalid("payments", "The payment amount does not match the basket total.")
    return credit, tx


def _transaction(sim: BetterSim, user: User, cart: Cart, ref: Any, n: int) -> Transaction:
    tx = sim.state.transactions.get(ref) if isinstance(ref, str) else None
    if tx is None or tx.user_id != user.id or tx.used:
        raise invalid(f"payments.{n}.transaction_uuid")
    if tx.item_hash != carts.item_hash(cart):
        raise BetterError(409, BASKET_CHANGED)
    return tx


def _method(cart: Cart, credit: int, tx: Transaction | None) -> str:
    if tx is not None:
        return tx.method if not credit else f"credit+{tx.method}"
    if credit:
        return "credit"
    return "benefit" if any(i.benefit_applied for i in cart.items) else "free"


def _confirm(
    sim: BetterSim, user: User, key: str, slot_id: int, price: int, method: str, order_id: int
) -> Booking:
    session, place = sim.state.place(slot_id)
    booking = sim.state.book_place(
        session, place, actor=user.login, user_id=user.id, price=price, method=method,
        order_id=order_id,
    )  # fmt: skip
    sim.events.record(
        "booking", actor=user.login, slot=key, reference=str(order_id),
        detail={"court": booking.court, "price": price, "method": method,
                "booking_id": booking.id},
    )  # fmt: skip
    return booking


def cancel(sim: BetterSim, user: User | None, booking_ids: list[Any], actor: str) -> list[Booking]:
    """Cancel bookings (the user's own, or any for the canceller); frees the court and
    refunds what was paid as account credit, as Better does."""
    state = sim.state
    found: list[Booking] = []
    for n, raw in enumerate(booking_ids):
        booking = state.bookings.get(raw) if isinstance(raw, int) else None
        if booking is None or (user is not None and booking.user_id != user.id):
            raise invalid(f"booking_ids.{n}")
        session = state.session(booking.session_key)
        if booking.status != "BOOKED" or state.started(session):
            raise BetterError(422, "This booking can no longer be cancelled.")
        found.append(booking)
    for booking in found:
        booking.status = "CANCELLED"
        _, place = state.place(booking.slot_id)
        place.booking_id = None
        owner = state.users.get(booking.user_id) if booking.user_id else None
        if owner is not None:
            owner.credit_pence += booking.price_pence
        sim.events.record(
            "cancel", actor=actor, slot=booking.session_key, reference=str(booking.order_id or ""),
            detail={"court": booking.court, "booking_id": booking.id},
        )  # fmt: skip
    return found
