"""`/_sandbox/better/...`: the Better simulator's own controls (release rule, one session's
release instant, load shedding, hold length, bot detection, users, court occupancy)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from autobook.sandbox.better import catalog
from autobook.sandbox.better.errors import BetterError
from autobook.sandbox.better.knobs import (
    BotDetection,
    Holds,
    LoadShedding,
    NewUser,
    Occupancy,
    SessionRelease,
    Variation,
    WeekGate,
)
from autobook.sandbox.better.release import ReleaseRule, first_bookable_at
from autobook.sandbox.better.state import PUBLIC

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

PREFIX = "/_sandbox/better"


def build_router(sim: BetterSim) -> APIRouter:
    r = APIRouter(prefix=PREFIX)
    state = sim.state
    for path, attr, model in (
        ("/release", "release", ReleaseRule),
        ("/holds", "holds", Holds),
        ("/load-shedding", "load", LoadShedding),
        ("/bot-detection", "bots", BotDetection),
        ("/week-gate", "week_gate", WeekGate),
        ("/variation", "variation", Variation),
    ):
        _settable(r, sim, path, attr, model)

    @r.post("/release/session")
    def release_session(body: SessionRelease) -> dict[str, Any]:
        try:
            at = datetime.fromisoformat(body.at)
        except ValueError as exc:
            raise HTTPException(422, "at must be an ISO instant") from exc
        if at.tzinfo is None:
            raise HTTPException(422, "at must carry a UTC offset")
        with sim.lock:
            s = _session(sim, body.key)
            state.release_overrides[s.key] = at
            return {"key": s.key, "id": s.id, "first_bookable_at": first_bookable_at(at)}

    @r.post("/users")
    def add_user(body: NewUser) -> dict[str, Any]:
        with sim.lock:
            if state.find_user(body.email):
                raise HTTPException(409, f"user {body.email!r} exists")
            user = sim.add_user(body)
            return {"id": user.id, "email": user.email, "customer_id": user.customer_id}

    @r.post("/occupancy")
    def occupancy(body: Occupancy) -> dict[str, Any]:
        with sim.lock:
            s = _session(sim, body.key)
            for place in s.places:
                if place.number in body.free and place.booking_id is not None:
                    state.bookings[place.booking_id].status = "CANCELLED"
                    place.booking_id = None
                if place.number in body.taken and place.free:
                    state.book_place(s, place, actor=PUBLIC, user_id=None, price=0, method="seed")
            return {"key": s.key, "free": [p.number for p in s.free_places()]}

    @r.get("/session")
    def session(key: str) -> dict[str, Any]:
        with sim.lock:
            s = _session(sim, key)
            return {
                "key": s.key,
                "id": s.id,
                "composite_key": s.composite_key,
                "released": state.released(s),
                "first_bookable_at": first_bookable_at(state.release_of(s)),
                "places": [
                    {"number": p.number, "slot_id": p.slot_id, "free": p.free} for p in s.places
                ],
            }

    return r


def _session(sim: BetterSim, key: str) -> Any:
    try:
        catalog.parse_key(key)
        return sim.state.session(key)
    except (ValueError, BetterError) as exc:
        raise HTTPException(404, f"no session {key!r}") from exc


def _settable(r: APIRouter, sim: BetterSim, path: str, attr: str, model: type[BaseModel]) -> None:
    def read() -> Any:
        return getattr(sim.state, attr)

    def write(body: BaseModel) -> Any:
        with sim.lock:
            setattr(sim.state, attr, body)
        return body

    # Postponed annotations would leave "model" a string FastAPI cannot resolve: set the real
    # class so the JSON body is parsed into it.
    write.__annotations__["body"] = model

    r.add_api_route(path, read, methods=["GET"], response_model=model)
    r.add_api_route(path, write, methods=["PUT"], response_model=model)
