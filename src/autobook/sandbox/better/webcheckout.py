"""Web basket and checkout: `/basket/checkout`, paying by credit, saved card (its CVV goes to
the payment origin from the page) or a new card (tokenised by the payment iframe)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from autobook.sandbox.better import cart as carts
from autobook.sandbox.better import checkout, serialize
from autobook.sandbox.better.catalog import money
from autobook.sandbox.better.errors import BetterError
from autobook.sandbox.better.models import User

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

BILLING = {
    "billingFirstName": "First name",
    "billingLastName": "Last name",
    "billingAddressLineOne": "Address line 1",
    "billingCity": "Town/city",
    "billingPostcode": "Postcode",
}


def add_routes(app: FastAPI, sim: BetterSim) -> None:
    from autobook.sandbox.better.web import page, web_user

    def show(request: Request, user: User | None, error: str | None = None, status: int = 200,
             form: dict[str, str] | None = None) -> Response:  # fmt: skip
        return page(sim, request, "checkout.html", checkout_context(sim, user, error, form), status)

    @app.get("/basket/checkout", response_class=HTMLResponse)
    def checkout_page(request: Request) -> Response:
        with sim.lock:
            user = web_user(sim, request)
            return show(request, user)

    @app.post("/basket/remove")
    async def basket_remove(request: Request) -> Response:
        form = await request.form()
        with sim.lock:
            user = web_user(sim, request)
            if user is not None:
                with contextlib.suppress(BetterError, ValueError):
                    carts.remove(sim, user, {"cart_item_ids": [int(str(form.get("cart_item_id")))]})
        return RedirectResponse("/basket/checkout", status_code=303)

    @app.post("/basket/checkout", response_class=HTMLResponse)
    async def pay(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        with sim.lock:
            user = web_user(sim, request)
            if user is None:
                return show(request, None, status=401)
            try:
                order_id = settle(sim, user, form)
            except BetterError as exc:
                return show(request, user, exc.message, exc.status, form)
        return RedirectResponse(f"/booking-confirmed/{order_id}", status_code=303)

    @app.get("/booking-confirmed/{reference}", response_class=HTMLResponse)
    def confirmed(request: Request, reference: str) -> Response:
        with sim.lock:
            user = web_user(sim, request)
            state = sim.state
            mine = [
                serialize.booking(state, b) for b in state.bookings.values()
                if user and b.user_id == user.id and str(b.order_id) == reference
            ]  # fmt: skip
            if not mine:
                return page(sim, request, "not_found.html", {}, 404)
            return page(sim, request, "confirmed.html", {"reference": reference, "bookings": mine})

    @app.get("/my-account/bookings", response_class=HTMLResponse)
    def my_bookings(request: Request) -> Response:
        with sim.lock:
            user = web_user(sim, request)
            state = sim.state
            mine = [
                serialize.booking(state, b) for b in state.bookings.values()
                if user and b.user_id == user.id
            ]  # fmt: skip
            return page(sim, request, "bookings.html", {"bookings": mine, "open_login": not user})

    @app.post("/my-account/bookings/{booking_id}/cancel")
    def cancel(request: Request, booking_id: int) -> Response:
        with sim.lock:
            user = web_user(sim, request)
            if user is not None:
                with contextlib.suppress(BetterError):
                    checkout.cancel(sim, user, [booking_id], actor=user.login)
        return RedirectResponse("/my-account/bookings", status_code=303)


def checkout_context(
    sim: BetterSim, user: User | None, error: str | None, form: dict[str, str] | None
) -> dict[str, Any]:
    from autobook.sandbox.better.webviews import basket_lines

    ctx: dict[str, Any] = {"error": error, "lines": [], "form": form or {}, "billing": BILLING,
                           "open_login": user is None, "next": "/basket/checkout",
                           "site_changed": sim.faults.site_changed}  # fmt: skip
    if user is None:
        return ctx
    carts.sweep(sim)
    cart = sim.state.cart_of(user)
    ctx |= {"lines": basket_lines(sim, user), "total": cart.total, "total_text": money(cart.total),
            "credit": user.credit_pence, "credit_text": money(user.credit_pence),
            "saved_card": user.saved_card}  # fmt: skip
    if cart.items and cart.total:
        session, _ = checkout.prepare(sim, user)
        ctx |= {"session_key": session.key, "pay_origin": sim.urls.get("pay", "")}
    return ctx


def settle(sim: BetterSim, user: User, form: dict[str, str]) -> int:
    """Pay the basket the way the form says; the order id, or the site's refusal."""
    if form.get("terms") != "1":
        raise BetterError(422, "You must accept the terms and conditions.")
    carts.sweep(sim)
    cart = sim.state.cart_of(user)
    total = cart.total
    method = form.get("method", "")
    if total == 0:
        payments: list[dict[str, Any]] = []
    elif method == "credit":
        checkout.apply_credits(
            sim, user, {"credits_to_reserve": [{"amount": total, "type": "general"}]}
        )
        payments = [{"tender_type": "credit", "amount": total}]
    elif method in ("saved_card", "new_card"):
        if method == "new_card":
            for name, label in BILLING.items():
                if not form.get(name, "").strip():
                    raise BetterError(422, f"Please enter your billing {label.lower()}.")
        tx = checkout.authorise(sim, user, {
            "item_hash": carts.item_hash(cart), "session_key": form.get("session_key"),
            "card_identifier": form.get("card_identifier"),
        })  # fmt: skip
        payments = [{"tender_type": "card", "amount": tx.amount, "transaction_uuid": tx.uuid}]
    else:
        raise BetterError(422, "Please choose how you would like to pay.")
    body = {"payments": payments, "terms": [1], "source": checkout.SOURCE,
            "completed_waivers": [], "selected_user_id": None}  # fmt: skip
    return checkout.complete(sim, user, body)
