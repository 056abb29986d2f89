"""A gym site written from /work/shared/sites/gym.md and the API paths docs/sites/gym.md
records, answering with only what the notes promise: a login `token`; slots as `time` and
`status`; a booking as its reference, status, date, time, location and sub-location. No
`starts_at`, `unlocks_at`, `expires_at` or `booked_by_me`. Nothing is shared with the sandbox
simulator.

Variations a test sets on the instance:
- `listing_day`: the date the slots answer claims (a site that ignores the asked date);
- `booked_hour`: the hour a booking answer states (a site that books another slot).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "minimal-gym-token"
HOURS = range(6, 22)


@dataclass
class MinimalGym:
    day: date
    email: str
    password: str
    listing_day: date | None = None
    booked_hour: int | None = None
    bookings: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str, Any]] = field(default_factory=list)

    async def route(self, request: Request) -> JSONResponse:
        body = json.loads(await request.body() or b"null")
        path = request.url.path.removeprefix("/api")
        self.events.append((request.method, path, body))
        if path == "/auth/login":
            if body != {"email": self.email, "password": self.password}:
                return JSONResponse({"code": "invalid_credentials"}, 401)
            return JSONResponse({"token": TOKEN})
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"code": "not_authenticated"}, 401)
        if path == "/me":
            return JSONResponse({})
        if path == "/slots":
            return JSONResponse(self.slots(request))
        if path == "/bookings" and request.method == "POST":
            return JSONResponse(self.book(body), 201)
        if path == "/bookings":
            live = [b for b in self.bookings if b["status"] == "confirmed"]
            return JSONResponse({"bookings": live[::-1]})
        if request.method == "DELETE" and path.startswith("/bookings/"):
            ref = path.rsplit("/", 1)[1]
            for b in self.bookings:
                if b["reference"] == ref:
                    b["status"] = "cancelled"
                    return JSONResponse(b)
        return JSONResponse({"code": "not_found"}, 404)

    def slots(self, request: Request) -> dict[str, Any]:
        q = request.query_params
        same = ("date", "sub_location")
        taken = {
            b["time"] for b in self.bookings
            if b["status"] == "confirmed" and all(b[k] == q.get(k) for k in same)
        }  # fmt: skip
        listed = (self.listing_day or date.fromisoformat(q["date"])).isoformat()
        slots = [{"status": "full" if f"{h:02d}:00" in taken else "open", "time": f"{h:02d}:00"}
                 for h in HOURS]  # fmt: skip
        return {"date": listed, "slots": slots[::-1]}

    def book(self, body: dict[str, Any]) -> dict[str, Any]:
        at = body["time"] if self.booked_hour is None else f"{self.booked_hour:02d}:00"
        booking = {
            "sub_location": body.get("sub_location"), "status": "confirmed",
            "reference": f"MIN-{len(self.bookings) + 1:04d}", "location": body["location"],
            "time": at, "date": body["date"],
        }  # fmt: skip
        self.bookings.append(booking)
        return booking

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/api/{rest:path}", self.route, methods=["GET", "POST", "DELETE"]),
        ])  # fmt: skip

    def calls(self, method: str, path: str) -> list[Any]:
        return [body for m, p, body in self.events if (m, p) == (method, path)]
