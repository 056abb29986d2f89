"""A Better site written only from /work/shared/sites/better.md, answering with the fewest
fields the notes allow: the login's `user` is empty, `GET /auth/user` gives only
`data.membership_user.id` (or null), listings come in reverse order with their keys shuffled,
and basket lines carry only their id unless a test asks for the nested `cartable_resource`
shape public bots report. Nothing is shared with the sandbox simulator.

Variations a test sets on the instance:
- `listing_day`: the date the times listing claims (a site that ignores the asked date);
- `line_shape`: "bare" (`{"id"}`) or "nested" (`cartable_id` + `cartable_resource`);
- `line_day`: the date nested lines claim (a basket holding another day);
- `drop_total`: `cart/add` answers without `data.total` (an unreadable basket).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

TIMES = (time(19), time(20), time(21))
COURTS = 3
PRICE = 1640  # pence, when no benefit covers it
TOKEN = "v4.local.minimal-contract-token"


def shuffled(item: dict[str, Any]) -> dict[str, Any]:
    """The same object with its keys in another order: clients must not lean on the order."""
    keys = list(item)
    random.shuffle(keys)
    return {k: item[k] for k in keys}


def hhmm(t: time) -> dict[str, str]:
    return {"format_12_hour": t.strftime("%I:%M%p").lstrip("0").lower(),
            "format_24_hour": t.strftime("%H:%M")}  # fmt: skip


def court_id(t: time, n: int) -> int:
    return 70000 + t.hour * 10 + n


@dataclass
class Line:
    id: int
    court: int
    start: time
    pence: int


@dataclass
class MinimalBetter:
    day: date
    login: str
    password: str
    member_id: int | None = 77
    benefit: bool = False
    credit_pence: int = 5000
    listing_day: date | None = None
    line_shape: str = "bare"
    line_day: date | None = None
    drop_total: bool = False
    taken: set[int] = field(default_factory=set)  # court ids booked by anyone
    lines: dict[int, Line] = field(default_factory=dict)
    bookings: list[dict[str, Any]] = field(default_factory=list)  # as listed to the client
    events: list[tuple[str, str, Any]] = field(default_factory=list)
    credits_reserved: int = 0
    courts_of: dict[int, set[int]] = field(default_factory=dict)  # booking id → court ids
    next_id: int = 500

    # --- helpers ------------------------------------------------------------------------------
    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _total(self) -> int:
        return sum(line.pence for line in self.lines.values())

    def _line(self, line: Line) -> dict[str, Any]:
        if self.line_shape == "bare":
            return {"id": line.id}
        when = self.line_day or self.day
        resource = {
            "date": when.isoformat(),
            "starts_at": hhmm(line.start),
            "location": {"name": f"Court {line.court % 10}"},
        }
        return shuffled({"id": line.id, "cartable_id": line.court, "cartable_resource": resource})

    def cart(self) -> dict[str, Any]:
        total = self._total()
        items = [self._line(ln) for ln in reversed(self.lines.values())]
        data = {
            "id": 9,
            "total": total,
            "source": "activity-booking",
            "itemHash": f"h{len(items)}-{total}",
            "credits": {"general": {"total_available": self.credit_pence,
                                    "max_applicable": min(self.credit_pence, total)}},
            "items": items,
            "item_count": len(items),
            "formattedTotal": f"£{total / 100:.2f}",
        }  # fmt: skip
        return {"data": shuffled(data)}

    # --- routes -------------------------------------------------------------------------------
    async def route(self, request: Request) -> Any:
        body = json.loads(await request.body() or b"null")
        path = request.url.path.removeprefix("/api")
        self.events.append((request.method, path, body))
        if path == "/auth/customer/login":
            if body != {"username": self.login, "password": self.password}:
                return JSONResponse({"status": "error", "message": "Invalid credentials"}, 401)
            return {"status": "success", "token": TOKEN, "user": {}}
        if request.headers.get("authorization") != f"Bearer {TOKEN}" and not path.startswith(
            "/activities/venue/"
        ):
            return JSONResponse({"message": "Unauthenticated."}, 401)
        handler = getattr(self, "_" + request.method.lower() + path.replace("/", "_").replace(
            "-", "_"), None)  # fmt: skip
        if path.endswith("/v2/times"):
            return self.times(request)
        if path.endswith("/v2/slots"):
            return self.slots(request)
        if handler is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return handler(body, request)

    def times(self, request: Request) -> Any:
        if request.query_params.get("date") != self.day.isoformat():
            return JSONResponse({"message": "The date should be within the valid days you "
                                            "are able to view."}, 422)  # fmt: skip
        listed = self.listing_day or self.day
        items = []
        for t in TIMES:
            free = [n for n in range(1, COURTS + 1) if court_id(t, n) not in self.taken]
            items.append(shuffled({
                "id": f"slot-{t:%H%M}",
                "starts_at": hhmm(t),
                "ends_at": hhmm(time(t.hour + 1)),
                "duration": "60min",
                "date": listed.isoformat(),
                "price": {"formatted_amount": f"£{PRICE / 100:.2f}", "is_estimated": False},
                "booking": None,
                "spaces": len(free),
                "spaces_remaining": len(free),
                "action_to_show": {"status": "BOOK" if free else "FULL", "reason": None},
            }))  # fmt: skip
        return {"data": list(reversed(items))}

    def slots(self, request: Request) -> Any:
        q = request.query_params
        start = time.fromisoformat(q.get("start_time", ""))
        if q.get("date") != self.day.isoformat() or start not in TIMES:
            return JSONResponse({"message": "The given data was invalid."}, 422)
        items = []
        for n in range(1, COURTS + 1):
            cid, free = court_id(start, n), court_id(start, n) not in self.taken
            items.append(shuffled({
                "id": cid,
                "pricing_option_id": 31,
                "restriction_ids": [],
                "cart_type": "activity",
                "location": {"id": 900 + n, "slug": f"court-{n}", "name": f"Court {n}"},
                "spaces": 1 if free else 0,
                "booking": None,
                "benefit_available": self.benefit,
                "action_to_show": {"status": "BOOK" if free else "FULL"},
                "starts_at": hhmm(start),
                "ends_at": hhmm(time(start.hour + 1)),
                "price": {"raw": PRICE},
            }))  # fmt: skip
        return {"data": list(reversed(items))}

    def _get_auth_user(self, body: Any, request: Request) -> Any:
        member = {"id": self.member_id} if self.member_id is not None else None
        return {"data": {"membership_user": member}}

    def _post_activities_cart_add(self, body: Any, request: Request) -> Any:
        [item] = body["items"]
        cid = item["id"]
        start = next(t for t in TIMES if cid // 10 == 7000 + t.hour)
        if cid in self.taken:
            return JSONResponse({"message": "The session being booked is already full"}, 409)
        covered = self.benefit and item.get("apply_benefit") and body.get("membership_user_id")
        line = Line(self._id(), cid, start, 0 if covered else PRICE)
        self.lines[line.id] = line
        answer = self.cart()
        if self.drop_total:
            answer["data"].pop("total")
        return answer

    def _get_activities_cart(self, body: Any, request: Request) -> Any:
        return self.cart()

    def _post_activities_cart_remove(self, body: Any, request: Request) -> Any:
        for ident in body["cart_item_ids"]:
            self.lines.pop(ident, None)
        return self.cart()

    def _post_credits_apply(self, body: Any, request: Request) -> Any:
        [reserve] = body["credits_to_reserve"]
        if reserve["amount"] > self.credit_pence:
            return JSONResponse({"message": "Not enough credit."}, 422)
        self.credits_reserved = reserve["amount"]
        return self.cart()

    def _post_checkout_complete(self, body: Any, request: Request) -> Any:
        paid = sum(p["amount"] for p in body["payments"] if p.get("tender_type") == "credit")
        if not self.lines or paid != self._total() or paid > self.credits_reserved:
            return JSONResponse({"message": "The payment does not cover the basket."}, 422)
        order = self._id()
        for line in self.lines.values():
            self.taken.add(line.court)
            self.courts_of.setdefault(order, set()).add(line.court)
            self.book(order, line.start, status="active")
        self.credit_pence -= paid
        self.lines.clear()
        return {"status": "success", "complete_order_id": order}

    def book(self, order: int, start: time, *, status: str) -> dict[str, Any]:
        """A listed booking: the notes give no fields for these, so a shape of our own."""
        booking = {"id": order, "status": status,
                   "booking": {"date": self.day.isoformat(), "starts_at": hhmm(start)}}  # fmt: skip
        self.bookings.append(booking)
        return booking

    def _get_my_account_bookings(self, body: Any, request: Request) -> Any:
        return {"data": [shuffled(b) for b in reversed(self.bookings)]}

    def _patch_v1_activities_bookings(self, body: Any, request: Request) -> Any:
        data = body["data"]
        assert data["update_type"] == "cancellation"
        for b in self.bookings:
            if b["id"] in data["booking_ids"]:
                b["status"] = "cancelled"
                self.taken -= self.courts_of.pop(b["id"], set())
        return {"data": []}

    def app(self) -> Starlette:
        async def api(request: Request) -> Any:
            answer = await self.route(request)
            return answer if isinstance(answer, JSONResponse) else JSONResponse(answer)

        async def confirmed(request: Request) -> HTMLResponse:
            return HTMLResponse("<h1>Checkout successful</h1>")

        methods = ["GET", "POST", "PATCH"]
        return Starlette(routes=[
            Route("/api/{rest:path}", api, methods=methods),
            Route("/booking-confirmed/{ref}", confirmed),
        ])  # fmt: skip

    def calls(self, path: str) -> list[Any]:
        return [body for _, p, body in self.events if p == path]
