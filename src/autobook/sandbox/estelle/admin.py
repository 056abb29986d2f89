"""Site-specific admin routes under /_sandbox/estelle: rules, members, occupying slots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from autobook.sandbox.estelle.club import BookingError
from autobook.sandbox.estelle.model import Rules, Slot

if TYPE_CHECKING:
    from autobook.sandbox.estelle.site import EstelleSim

PREFIX = "/_sandbox/estelle"


class MemberCreate(BaseModel):
    email: str = Field(min_length=3, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field("Member", max_length=200)


class Occupy(BaseModel):
    slot: str = Field(description='slot key, e.g. "2026-03-15T19:00/court-1"')
    actor: str = Field("another-member", description="who holds it (not a login)")


def admin_routes(sim: EstelleSim) -> APIRouter:
    r = APIRouter(prefix=PREFIX)

    @r.get("/rules", response_model=Rules)
    def get_rules() -> Rules:
        return sim.club.rules

    @r.put("/rules", response_model=Rules)
    def set_rules(body: Rules) -> Rules:
        with sim.lock:
            sim.club.rules = body
        return body

    @r.get("/members")
    def members() -> list[dict[str, str]]:
        with sim.lock:
            return [
                {"email": m.email, "name": m.name, "member_no": m.member_no}
                for m in sim.club.members.values()
            ]

    @r.post("/members", status_code=201)
    def add_member(body: MemberCreate) -> dict[str, str]:
        with sim.lock:
            member = sim.club.add_member(body.email, body.password, body.name)
        return {"email": member.email, "member_no": member.member_no}

    @r.post("/occupy", status_code=201)
    def occupy(body: Occupy) -> dict[str, Any]:
        """Make a slot already booked by someone else (state, not a `booking` event)."""
        try:
            slot = Slot.parse(body.slot)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        with sim.lock:
            try:
                booking = sim.club.book(slot, body.actor, "seed", record=False)
            except BookingError as error:
                detail = {"reason": error.reason, "message": error.message}
                raise HTTPException(409, detail) from error
        return {"reference": booking.reference, "slot": slot.key}

    @r.post("/bookings/{reference}/cancel")
    def cancel(reference: str) -> dict[str, str]:
        with sim.lock:
            booking = sim.club.cancel(reference, "admin")
        if booking is None:
            raise HTTPException(404, f"no confirmed booking {reference!r}")
        return {"status": "cancelled", "reference": reference}

    return r
