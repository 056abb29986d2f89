"""The JSON API origin, served under `/api` like `https://better-admin.org.uk/api`."""

from __future__ import annotations

import json
from datetime import date, time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from autobook.sandbox.better import cart as carts
from autobook.sandbox.better import checkout, serialize, variation
from autobook.sandbox.better.errors import (
    BAD_CREDENTIALS,
    NOT_VIEWABLE,
    BetterError,
    invalid,
    required,
)
from autobook.sandbox.better.models import Cart, User

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise BetterError(400, "The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise BetterError(422, "The given data was invalid.")
    return body


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def parse_day(raw: str | None) -> date:
    if not raw:
        raise required("date")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise invalid("date", "The date does not match the format Y-m-d.") from exc


def parse_hhmm(raw: str | None, field: str) -> time:
    if not raw:
        raise required(field)
    try:
        return time.fromisoformat(raw)
    except ValueError as exc:
        raise invalid(field, f"The {field} does not match the format H:i.") from exc


def build_router(sim: BetterSim) -> APIRouter:
    r = APIRouter()
    state = sim.state

    def current(request: Request) -> User:
        return state.user_for_token(bearer(request), expired=sim.faults.expire_sessions)

    def optional_user(request: Request) -> User | None:
        try:
            return current(request)
        except BetterError:
            return None

    @r.post("/auth/customer/login")
    async def login(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        for field in ("username", "password"):
            if not isinstance(body.get(field), str) or not body[field]:
                raise required(field)
        detail = {"origin": request.headers.get("origin"), "accept": request.headers.get("accept")}
        with sim.lock:
            user = state.find_user(body["username"])
            ok = user is not None and user.password == body["password"]
            sim.events.record("login", actor=body["username"], detail={"ok": ok, **detail})
            if user is None or not ok:
                raise BetterError(401, BAD_CREDENTIALS)
            token = state.issue_token(user)
            return {"status": "success", "token": token, "user": serialize.login_user(user)}

    def documented() -> bool:
        return state.variation.documented_only

    @r.get("/auth/user")
    def auth_user(request: Request) -> dict[str, Any]:
        with sim.lock:
            data = serialize.user(current(request))
            return {"data": variation.auth_user(data) if documented() else data}

    @r.get("/activities/venues")
    def venues() -> dict[str, Any]:
        return {"data": [serialize.venue(v) for v in state.venues.values()]}

    @r.get("/activities/venue/{venue}/categories")
    def categories(venue: str) -> dict[str, Any]:
        v = state.venue(venue)
        slugs = dict.fromkeys(a.category for a in v.activities.values())
        return {"data": [serialize.category(v, slug) for slug in slugs]}

    @r.get("/activities/venue/{venue}/categories/{category}")
    def category(venue: str, category: str) -> dict[str, Any]:
        v = state.venue(venue)
        if category in v.activities:
            return {"data": serialize.leaf(v.activities[category])}
        if category not in {a.category for a in v.activities.values()}:
            raise BetterError(404, "Not Found")
        return {"data": serialize.category(v, category)}

    @r.get("/activities/venue/{venue}/activity-category/{category}/dates")
    def dates(venue: str, category: str) -> dict[str, Any]:
        with sim.lock:
            return serialize.dates(state, state.venue(venue), state.activity(venue, category))

    def times(request: Request, venue: str, activity: str, v2: bool) -> Any:
        with sim.lock:
            act = state.activity(venue, activity)
            day = parse_day(request.query_params.get("date"))
            if act.v2_only and not v2:
                raise BetterError(422, NOT_VIEWABLE)
            gated = state.week_gate.enabled and day > state.today()
            if gated and not state.day_listed(venue, activity, day):
                web = f"{sim.urls.get('web', '')}/location/{venue}/{activity}/{day}/by-time"
                return RedirectResponse(web, status_code=302)
            state.check_listed(venue, activity, day)
            user = optional_user(request)
            sessions = [s for s in state.day_sessions(venue, activity, day) if not state.started(s)]
            items = [serialize.time_item(state, s, user, v2=v2) for s in sessions]
            return {"data": variation.listing(items) if documented() else items}

    @r.get("/activities/venue/{venue}/activity/{activity}/times")
    def times_v1(request: Request, venue: str, activity: str) -> Any:
        return times(request, venue, activity, v2=False)

    @r.get("/activities/venue/{venue}/activity/{activity}/v2/times")
    def times_v2(request: Request, venue: str, activity: str) -> Any:
        return times(request, venue, activity, v2=True)

    def slots(request: Request, venue: str, activity: str, v2: bool) -> dict[str, Any]:
        q = request.query_params
        with sim.lock:
            act = state.activity(venue, activity)
            day = parse_day(q.get("date"))
            start = parse_hhmm(q.get("start_time"), "start_time")
            end = parse_hhmm(q.get("end_time"), "end_time")
            if (act.v2_only and not v2) or act.kind != "resources":
                raise BetterError(422, NOT_VIEWABLE)
            state.check_listed(venue, activity, day)
            found = [s for s in state.day_sessions(venue, activity, day) if s.start == start]
            if not found or found[0].end != end:
                raise invalid("start_time")
            s = found[0]
            if q.get("composite_key") and q["composite_key"] != s.composite_key:
                raise invalid("composite_key")
            user = optional_user(request)
            items = [serialize.court_item(state, s, p, user) for p in s.places]
            if documented():
                items = variation.listing([variation.court(i) for i in items])
            return {"data": items}

    @r.get("/activities/venue/{venue}/activity/{activity}/slots")
    def slots_v1(request: Request, venue: str, activity: str) -> dict[str, Any]:
        return slots(request, venue, activity, v2=False)

    @r.get("/activities/venue/{venue}/activity/{activity}/v2/slots")
    def slots_v2(request: Request, venue: str, activity: str) -> dict[str, Any]:
        return slots(request, venue, activity, v2=True)

    @r.get("/v1/activities/occurrences/{slot_id}")
    def occurrence(slot_id: str) -> dict[str, Any]:
        with sim.lock:
            try:
                return serialize.occurrence(state, state.session_by_id(slot_id))
            except KeyError as exc:
                raise BetterError(404, "Not Found") from exc

    add_cart_routes(r, sim, current)
    return r


def cart_answer(sim: BetterSim, cart: Cart, user: User) -> dict[str, Any]:
    """The cart JSON; under `faults.site_changed` a redesign renamed its `credits` block, the
    way a renamed credit button once made bots silently stop paying with credit."""
    body = serialize.cart(sim.state, cart, user)
    if sim.state.variation.documented_only:
        body = variation.cart(body)
    if sim.faults.site_changed:
        body["data"]["credit_summary"] = body["data"].pop("credits")
    return body


def add_cart_routes(r: APIRouter, sim: BetterSim, current: Any) -> None:
    """Cart, checkout and account routes (all need `Authorization: Bearer`)."""
    state = sim.state

    @r.post("/activities/cart/add")
    async def cart_add(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        with sim.lock:
            user = current(request)
            return cart_answer(sim, carts.add(sim, user, body), user)

    @r.get("/activities/cart")
    def cart_get(request: Request) -> dict[str, Any]:
        with sim.lock:
            user = current(request)
            return cart_answer(sim, carts.read(sim, user), user)

    @r.post("/activities/cart/remove")
    async def cart_remove(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        with sim.lock:
            user = current(request)
            return cart_answer(sim, carts.remove(sim, user, body), user)

    async def apply_credits(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        with sim.lock:
            user = current(request)
            return cart_answer(sim, checkout.apply_credits(sim, user, body), user)

    r.add_api_route("/credits/apply", apply_credits, methods=["POST"])
    r.add_api_route("/activities/cart/apply-credits", apply_credits, methods=["POST"])

    @r.get("/checkout/prepare")
    def prepare(request: Request) -> dict[str, Any]:
        with sim.lock:
            user = current(request)
            session, cart = checkout.prepare(sim, user)
            card = user.saved_card
            return {
                "status": "success",
                "payment_provider": "opayo",
                "session_key": session.key,
                "item_hash": session.item_hash,
                "amount": cart.total - cart.reserved_credit,
                "card_identifier_url": f"{sim.urls.get('pay', '')}/api/v1/card-identifiers",
                "saved_card": None
                if card is None
                else {
                    "id": card.identifier,
                    "card_type": card.card_type,
                    "last_four": card.last4,
                    "expiry_date": card.expiry,
                },
            }

    @r.post("/checkout/authorise")
    async def authorise(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        with sim.lock:
            tx = checkout.authorise(sim, current(request), body)
            return {"status": "success", "transaction_uuid": tx.uuid, "amount": tx.amount}

    @r.post("/checkout/complete")
    async def complete(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        with sim.lock:
            order_id = checkout.complete(sim, current(request), body)
            return {"status": "success", "complete_order_id": order_id}

    @r.get("/my-account/bookings")
    def my_bookings(request: Request, filter: str = "future") -> dict[str, Any]:
        if filter not in ("future", "past", "all"):
            raise invalid("filter")
        with sim.lock:
            user = current(request)
            mine = [b for b in state.bookings.values() if b.user_id == user.id]
            if filter != "all":
                want_past = filter == "past"
                mine = [b for b in mine if state.started(state.session(b.session_key)) == want_past]
            items = [serialize.booking(state, b) for b in mine]
            if state.variation.documented_only:
                items = variation.listing([variation.booking(i) for i in items])
            return {"data": items}

    @r.patch("/v1/activities/bookings")
    async def cancel(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        data = body.get("data")
        if not isinstance(data, dict) or data.get("update_type") != "cancellation":
            raise invalid("data.update_type")
        ids = data.get("booking_ids")
        if not isinstance(ids, list) or not ids:
            raise required("data.booking_ids")
        with sim.lock:
            user = current(request)
            done = checkout.cancel(sim, user, ids, actor=user.login)
            return {"data": [{"id": b.id, "status": b.status} for b in done]}
