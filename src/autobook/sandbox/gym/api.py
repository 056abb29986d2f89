"""The gym's JSON API, the one its own members' front end calls (mounted under `/api`).

Authentication: `POST /api/auth/login` returns a bearer token; send it as
`Authorization: Bearer <token>` on every other call (except `/api/config`). Tokens live
`session_ttl_minutes` (default 12 h) on the site clock.

Endpoints
- `POST /api/auth/login` `{"email", "password"}` → 200
  `{"token", "token_type": "Bearer", "expires_at", "member": {"id", "email", "name", "membership"}}`
- `POST /api/auth/logout` → 200 `{"message": "Logged out"}`
- `GET /api/config` → `{"timezone", "now", "first_slot", "last_slot", "slot_minutes",
  "unlock_hours_before", "daily_limit"}`
- `GET /api/me` → `{"member": {…}, "token_expires_at"}`
- `GET /api/locations` → `{"locations": [{"name", "sub_locations": [{"name", "capacity"}],
  "capacity"}]}` (`capacity` is null for a location with sub-locations)
- `GET /api/slots?date=YYYY-MM-DD&location=X1&sub_location=A` → `{"date", "location",
  "sub_location", "timezone", "slots": [{"time": "07:00", "end_time", "starts_at", "capacity",
  "booked", "available", "status", "unlocks_at", "booked_by_me", "my_reference"}]}`;
  `status` is `locked` (before `unlocks_at`), `open`, `full` or `past` (started). With the
  `site_changed` fault, `status` is renamed `state` (a redesign clients must notice).
- `POST /api/bookings` `{"date", "time", "location", "sub_location"}` → 201 booking
- `GET /api/bookings[?status=confirmed|cancelled]` → `{"bookings": [booking, …]}`
- `GET /api/bookings/{reference}` → booking
- `DELETE /api/bookings/{reference}` → 200 booking with `"status": "cancelled"`

A booking: `{"reference": "GYM-7K2Q9M", "status": "confirmed"|"cancelled", "date", "time",
"end_time", "location", "sub_location", "starts_at", "ends_at", "booked_at", "cancelled_at"}`.
Instants are ISO 8601 with the Europe/London offset of that instant.

Errors are `{"message": "…", "code": "…"}` (plus `field`, `unlocks_at` or `limit` where said):
- 401 `not_authenticated` "Not logged in" (no or unknown token);
  401 `session_expired` "Session expired. Please log in again.";
  401 `invalid_credentials` "Invalid email or password."
- 422 `invalid_request` "<field>: <problem>" with `field` (bad date, unknown location, missing
  or superfluous sub_location, malformed time or body)
- 404 `slot_not_found` (a time that is not a slot start), `booking_not_found`, `not_found`
- 423 `slot_locked` "This slot opens for booking on Sat 21 Nov at 07:00." with `unlocks_at`
- 409 `slot_full` "This slot is full.", `already_booked`, `slot_past`, `already_cancelled`,
  `cancel_too_late`
- 403 `daily_limit_reached` "Daily booking limit reached: you can book 2 slots per day."
  with `limit`
- 503 `try_again` "Something went wrong. Please try again." (transient; nothing was booked)
"""

# No `from __future__ import annotations` here: FastAPI must see the `MemberDep` alias built
# inside `api_router` as a real object, not as a string it cannot resolve.
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel

from autobook.sandbox.gym.model import (
    FIRST_HOUR,
    LAST_HOUR,
    LOCATIONS,
    ZONE,
    Member,
    area_name,
    invalid,
    parse_area,
    parse_date,
    slot_from_fields,
)

if TYPE_CHECKING:
    from autobook.sandbox.gym.site import GymSim


class LoginIn(BaseModel):
    email: str
    password: str


class BookingIn(BaseModel):
    date: str
    time: str
    location: str
    sub_location: str | None = None


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def api_router(site: "GymSim") -> APIRouter:
    r = APIRouter()

    def current_member(token: Annotated[str | None, Depends(bearer)]) -> Member:
        return site.member_for(token, "api")

    MemberDep = Annotated[Member, Depends(current_member)]

    @r.post("/auth/login")
    def login(body: LoginIn) -> dict[str, Any]:
        member, session = site.login(body.email, body.password, "api")
        return {
            "token": session.token,
            "token_type": "Bearer",
            "expires_at": session.expires_at.astimezone(ZONE).isoformat(timespec="seconds"),
            "member": member.public(),
        }

    @r.post("/auth/logout")
    def logout(token: Annotated[str | None, Depends(bearer)]) -> dict[str, str]:
        with site.lock:
            site.state.close_session(token)
        return {"message": "Logged out"}

    @r.get("/config")
    def config() -> dict[str, Any]:
        rules = site.state.rules
        return {
            "timezone": str(ZONE),
            "now": site.clock.now().astimezone(ZONE).isoformat(timespec="seconds"),
            "first_slot": f"{FIRST_HOUR:02d}:00",
            "last_slot": f"{LAST_HOUR:02d}:00",
            "slot_minutes": 60,
            "unlock_hours_before": rules.unlock_hours,
            "daily_limit": rules.daily_limit,
        }

    @r.get("/me")
    def me(member: MemberDep, token: Annotated[str | None, Depends(bearer)]) -> dict[str, Any]:
        session = site.state.sessions[token or ""]
        return {
            "member": member.public(),
            "token_expires_at": session.expires_at.astimezone(ZONE).isoformat(timespec="seconds"),
        }

    @r.get("/locations")
    def locations(member: MemberDep) -> dict[str, Any]:
        caps = site.state.rules.capacities
        return {
            "locations": [
                {
                    "name": loc,
                    "capacity": None if subs else caps[loc],
                    "sub_locations": [
                        {"name": s, "capacity": caps[area_name(loc, s)]} for s in subs
                    ],
                }
                for loc, subs in LOCATIONS.items()
            ]
        }

    @r.get("/slots")
    def slots(
        member: MemberDep,
        date: str | None = None,
        location: str | None = None,
        sub_location: str | None = None,
    ) -> dict[str, Any]:
        day = parse_date(date)
        loc, sub = parse_area(location, sub_location)
        with site.lock:
            now = site.clock.now()
            views = [
                site.state.slot_view(s, now, member.email)
                for s in site.state.day_slots(day, loc, sub)
            ]
        if site.faults.site_changed:
            # A redesign renamed the field clients read to tell open slots from full ones.
            views = [
                {("state" if k == "status" else k): x for k, x in view.items()} for view in views
            ]
        return {
            "date": day.isoformat(),
            "location": loc,
            "sub_location": sub,
            "timezone": str(ZONE),
            "slots": views,
        }

    @r.post("/bookings", status_code=201)
    def book(member: MemberDep, body: BookingIn) -> dict[str, Any]:
        slot = slot_from_fields(body.date, body.time, body.location, body.sub_location)
        return site.book(member, slot, "api").public()

    @r.get("/bookings")
    def my_bookings(member: MemberDep, status: str | None = None) -> dict[str, Any]:
        if status not in (None, "confirmed", "cancelled"):
            raise invalid("status", "must be confirmed or cancelled")
        with site.lock:
            mine = site.state.member_bookings(member.email)
        return {"bookings": [b.public() for b in mine if status in (None, b.status)]}

    @r.get("/bookings/{reference}")
    def one_booking(member: MemberDep, reference: str) -> dict[str, Any]:
        with site.lock:
            return site.state.find_booking(member.email, reference).public()

    @r.delete("/bookings/{reference}")
    def cancel(member: MemberDep, reference: str) -> dict[str, Any]:
        return site.cancel(member, reference).public()

    return r
