"""The six-step variant on its own origin, after the real Moxie widget (`shared/sites/moxie.md`):
a one-page app at `/booking/<slug>` whose steps are client-side views (the URL never changes
until the thank-you page), its catalogue in `__NEXT_DATA__` and `/_next/data/…json`, and a
GraphQL endpoint with `AvailableTimeSlots` and `createAppointmentByClient`.

What moxie.md leaves open is chosen to differ from the five-step widget: times read "2:30 PM",
the labels and buttons have other words, the card is paid through the GraphQL call (the real
widget's card step was never observed), success lands on `/booking/<slug>/thank-you`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from autobook.sandbox.clinic.catalog import ANY_PROVIDER, DEPOSIT_PENCE, TZ, money
from autobook.sandbox.clinic.desk import SLOT_UNAVAILABLE
from autobook.sandbox.clinic.moxie_data import (
    BUILD_ID,
    MEDSPA_ID,
    PROVIDER_BY_UM,
    SERVICE_BY_ITEM,
    SLUG,
    QueryError,
    available_time_slots,
    full_name,
    next_data,
    page_props,
)
from autobook.sandbox.clinic.payments import DECLINED, EXPIRED, parse_card
from autobook.sandbox.clinic.sessions import Contact, parse_contact
from autobook.sandbox.clinic.web import DeskDep, templates

OPERATION_RE = re.compile(r"\b(?:query|mutation)\s+(\w+)")
# What the payment step says for each refusal, under its "Payment failed" heading.
FAILURES = {
    DECLINED: "Card declined: your bank declined this card. Please use another card.",
    EXPIRED: "Your card has expired. Please use a different card.",
    SLOT_UNAVAILABLE: "That time was just taken. You have not been charged; please pick "
    "another time.",
}

router = APIRouter()


def _slug(slug: str) -> None:
    if slug != SLUG:
        raise HTTPException(404, "This booking page does not exist.")


@router.get("/booking/{slug}")
def booking_page(request: Request, slug: str, desk: DeskDep) -> Response:
    _slug(slug)
    config = {"graphql": "/v1/graphql", "timesDelayMs": desk.times_delay_ms, "slug": SLUG,
              "today": desk.today().isoformat()}  # fmt: skip
    return templates.TemplateResponse(
        request,
        "moxie_booking.html",
        {"next_data": json.dumps(next_data()), "config": json.dumps(config),
         "deposit": money(DEPOSIT_PENCE)},
    )  # fmt: skip


@router.get("/_next/data/{build_id}/booking/{name}")
def booking_data(build_id: str, name: str) -> Response:
    if build_id != BUILD_ID or not name.endswith(".json"):
        raise HTTPException(404, "not found")
    _slug(name.removesuffix(".json"))
    return JSONResponse({"pageProps": page_props(), "__N_SSP": True})


@router.get("/booking/{slug}/thank-you")
def thank_you(request: Request, slug: str, desk: DeskDep, appointment: str = "") -> Response:
    _slug(slug)
    with desk.site.lock:
        appt = desk.schedule.appointments.get(appointment)
    if appt is None:
        raise HTTPException(404, "No such appointment.")
    provider = next(p for p in PROVIDER_BY_UM.values() if p.id == appt.provider_id)
    local = appt.start.astimezone(TZ)
    when = f"{local:%A %-d %B %Y} at {local.strftime('%-I:%M %p')}"
    return templates.TemplateResponse(
        request,
        "moxie_thanks.html",
        {"appt": appt, "provider": full_name(provider), "when": when,
         "deposit": money(DEPOSIT_PENCE)},
    )  # fmt: skip


@router.post("/v1/graphql")
async def graphql(request: Request, desk: DeskDep) -> Response:
    try:
        body = await request.json()
        query = str(body.get("query") or "")
        variables = body.get("variables") or {}
    except (ValueError, AttributeError):
        return _errors("invalid request body")
    match = OPERATION_RE.search(query)
    operation = body.get("operationName") or (match[1] if match else "")
    if "__schema" in query or "__type" in query:
        return _errors("GraphQL introspection is not allowed")
    try:
        if operation == "AvailableTimeSlots":
            return JSONResponse({"data": available_time_slots(desk, variables)})
        if operation == "CreateAppointmentByClient":
            return JSONResponse({"data": {"createAppointmentByClient": _book(desk, variables)}})
    except QueryError as exc:
        return _errors(str(exc))
    return _errors(f"unknown operation {operation!r}")


def _errors(message: str) -> JSONResponse:
    return JSONResponse({"data": None, "errors": [{"message": message}]})


def _book(desk: DeskDep, v: dict[str, Any]) -> dict[str, Any]:
    """createAppointmentByClient, with the card the payment step took (a mock processor)."""
    if str(v.get("medspaId")) != MEDSPA_ID:
        raise QueryError("medspa not found")
    contact = _contact(v)
    try:
        [item] = v["services"]
        service = SERVICE_BY_ITEM[str(item["serviceMenuItemId"])]
        start = datetime.fromisoformat(str(item["startTime"])).astimezone(TZ)
        end = datetime.fromisoformat(str(item["endTime"])).astimezone(TZ)
    except (KeyError, ValueError, TypeError):
        raise QueryError(
            "services: one service with serviceMenuItemId, startTime, endTime"
        ) from None
    if end - start != service.duration:
        raise QueryError("the time span must equal the service duration")
    provider = PROVIDER_BY_UM.get(str(item.get("providerId")))
    choice = ANY_PROVIDER if v.get("noPreferenceProviderUsed") or provider is None else provider.id
    pay = v.get("payment") or {}
    card, errors = parse_card(
        {"card_number": str(pay.get("cardNumber") or ""), "expiry": str(pay.get("expiry") or ""),
         "cvv": str(pay.get("cvc") or "")},
        desk.today(),
    )  # fmt: skip
    if card is None:
        return {"ok": False, "message": " ".join(errors.values()), "code": "card_invalid"}
    outcome, reference = desk.pay_and_book(service, choice, start, contact, card)
    if not reference:
        return {"ok": False, "message": FAILURES[outcome], "code": outcome}
    return {"ok": True, "message": "", "clientAccessToken": reference,
            "scheduledAppointment": {"id": reference}}  # fmt: skip


def _contact(v: dict[str, Any]) -> Contact:
    form = {
        "first_name": str(v.get("firstName") or ""), "last_name": str(v.get("lastName") or ""),
        "phone": str(v.get("phone") or ""), "email": str(v.get("email") or ""),
        "notes": str(v.get("note") or ""),
    }  # fmt: skip
    contact, errors = parse_contact(form)
    if contact is None:
        raise QueryError(" ".join(errors.values()))
    return contact
