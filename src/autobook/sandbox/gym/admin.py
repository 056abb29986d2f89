"""Gym-specific sandbox controls under `/_sandbox/gym`: the booking rules (unlock lead, daily
limit, session life, capacities), members, filling a slot with other people, all bookings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from autobook.sandbox.gym.model import Rules, parse_key

if TYPE_CHECKING:
    from autobook.sandbox.gym.site import GymSim


class MemberIn(BaseModel):
    email: str = Field(min_length=3, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field("Member", max_length=200)


class FillIn(BaseModel):
    slot: str = Field(description="slot key, e.g. 2026-11-23T07:00|X1|A")
    places: int | None = Field(
        None, ge=0, le=500, description="how many; all that are left if null"
    )


def gym_admin_router(site: GymSim) -> APIRouter:
    r = APIRouter()

    @r.get("/rules", response_model=Rules)
    def get_rules() -> Rules:
        return site.state.rules

    @r.put("/rules", response_model=Rules)
    def put_rules(body: Rules) -> Rules:
        with site.lock:
            site.state.rules = body
        return body

    @r.get("/members")
    def members() -> list[dict[str, Any]]:
        return [m.public() for m in site.state.members.values()]

    @r.post("/members", status_code=201)
    def add_member(body: MemberIn) -> dict[str, Any]:
        with site.lock:
            if body.email.lower() in site.state.members:
                raise HTTPException(409, f"member {body.email} exists")
            return site.state.add_member(body.email, body.password, body.name).public()

    @r.post("/fill")
    def fill(body: FillIn) -> dict[str, Any]:
        """Other people book places in a slot (no events: it is background state)."""
        slot = parse_key(body.slot)
        if slot is None:
            raise HTTPException(422, f"not a slot key: {body.slot!r}")
        with site.lock:
            state, now = site.state, site.clock.now()
            places = state.available(slot) if body.places is None else body.places
            start = state.booked(slot)
            for n in range(min(places, state.available(slot))):
                state.add_booking(f"other-{start + n + 1}", slot, now, "admin", site.rng)
            return {
                "slot": slot.key,
                "booked": state.booked(slot),
                "available": state.available(slot),
            }

    @r.get("/bookings")
    def bookings() -> list[dict[str, Any]]:
        with site.lock:
            return [
                {"member": b.member, "slot": b.slot.key, "via": b.via, **b.public()}
                for b in site.state.bookings.values()
            ]

    return r
