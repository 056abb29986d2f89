"""Clinic-specific sandbox controls under `/_sandbox/clinic`: sessions, holds, appointments,
free slots and the booking rules. Not part of the real site."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from autobook.sandbox.clinic.catalog import SERVICE_BY_ID, shortest_service
from autobook.sandbox.clinic.desk import TIMES_DELAY_MS
from autobook.sandbox.clinic.schedule import Appointment, parse_slot_key, slot_key
from autobook.sandbox.clinic.web import DeskDep


class Settings(BaseModel):
    booking_window_days: int = Field(ge=0, le=365)
    session_ttl_s: int = Field(ge=1, le=86_400)
    times_delay_ms: int = Field(TIMES_DELAY_MS, ge=0, le=30_000)
    after_payment: Literal["normal", "blank"] = "normal"


class FrontDeskBooking(BaseModel):
    slot: str = Field(description="provider/YYYY-MM-DD/HH:MM")
    service: str | None = Field(None, description="service id; the provider's shortest if unset")
    patient: str = "front-desk"


def appointment_public(a: Appointment) -> dict[str, Any]:
    return {
        "reference": a.reference, "slot": a.slot, "provider": a.provider_id,
        "service": a.service_id, "start": a.start.isoformat(), "end": a.end.isoformat(),
        "patient": a.patient, "status": a.status, "card_last4": a.card_last4,
    }  # fmt: skip


router = APIRouter()


@router.get("/sessions/{sid}")
def get_session(sid: str, desk: DeskDep) -> dict[str, Any]:
    with desk.site.lock:
        desk.sweep()
        if sid not in desk.sessions:
            raise HTTPException(404, "unknown session")
        return desk.sessions[sid].public()


@router.post("/sessions/{sid}/drop-hold")
def drop_hold(sid: str, desk: DeskDep) -> dict[str, Any]:
    """The site silently loses the session's hold (as `drop_cart_rate` does)."""
    with desk.site.lock:
        if sid not in desk.sessions:
            raise HTTPException(404, "unknown session")
        desk.release_hold(desk.sessions[sid], "dropped")
        return desk.sessions[sid].public()


@router.get("/appointments")
def list_appointments(desk: DeskDep) -> list[dict[str, Any]]:
    with desk.site.lock:
        return [appointment_public(a) for a in desk.schedule.appointments.values()]


@router.post("/appointments", status_code=201)
def book(body: FrontDeskBooking, desk: DeskDep) -> dict[str, Any]:
    """Book a slot as the front desk would (a phone booking): it takes the slot."""
    try:
        provider, start = parse_slot_key(body.slot)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    service = SERVICE_BY_ID.get(body.service or "") or shortest_service(provider)
    if service.id not in provider.services:
        raise HTTPException(422, f"{provider.name} does not offer {service.name}")
    with desk.site.lock:
        desk.sweep()
        if not desk.schedule.is_free(provider, service, start):
            raise HTTPException(409, "slot is not free")
        return appointment_public(desk.book(provider, service, start, body.patient, "phone"))


@router.delete("/appointments/{reference}")
def cancel(reference: str, desk: DeskDep) -> dict[str, Any]:
    with desk.site.lock:
        appt = desk.schedule.appointments.get(reference)
        if appt is None or appt.status != "booked":
            raise HTTPException(404, "no such booked appointment")
        desk.cancel(appt, "front-desk")
        return appointment_public(appt)


@router.get("/slots")
def free_slots(day: date, desk: DeskDep) -> list[str]:
    """Free slot keys on `day` (for each provider's shortest service), released or not."""
    with desk.site.lock:
        desk.sweep()
        return [slot_key(p.id, s) for p, s in desk.free_slots(day, released_only=False)]


@router.get("/settings")
def get_settings(desk: DeskDep) -> Settings:
    return Settings(
        booking_window_days=desk.window_days,
        session_ttl_s=int(desk.session_ttl.total_seconds()),
        times_delay_ms=desk.times_delay_ms,
        after_payment=desk.after_payment,  # type: ignore[arg-type]
    )


@router.put("/settings")
def put_settings(body: Settings, desk: DeskDep) -> Settings:
    with desk.site.lock:
        desk.window_days = body.booking_window_days
        desk.session_ttl = timedelta(seconds=body.session_ttl_s)
        desk.times_delay_ms, desk.after_payment = body.times_delay_ms, body.after_payment
        for session in desk.sessions.values():
            session.ttl = desk.session_ttl
    return body
