"""Steps 4 and 5 of the widget (contact details, payment) and the confirmation page.

The step-5 URL is the handoff: it carries the session, so a person can open it in any browser
and pay. Payment failures re-render the payment page with `.error-message`; success redirects
to `/book/s/{id}/confirmation`; a reload shows the last refusal above the form. "Cancel
booking" lets the held time go.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from autobook.sandbox.clinic.catalog import (
    DEPOSIT_PENCE,
    PROVIDER_BY_ID,
    SERVICE_BY_ID,
)
from autobook.sandbox.clinic.desk import SLOT_UNAVAILABLE
from autobook.sandbox.clinic.payments import DECLINED, EXPIRED, SUCCESS, parse_card
from autobook.sandbox.clinic.sessions import WidgetSession, parse_contact
from autobook.sandbox.clinic.web import (
    DeskDep,
    SessionDep,
    confirmation_url,
    guard,
    message_page,
    render,
    see_other,
    step_url,
)

# Payment outcome → HTTP status of the re-rendered payment page.
FAILURE_STATUS = {DECLINED: 402, EXPIRED: 402, SLOT_UNAVAILABLE: 409}

Field = Annotated[str, Form()]


router = APIRouter()


@router.get("/book/s/{sid}/step/4")
def contact_page(request: Request, session: SessionDep) -> Response:
    values = session.contact.__dict__ if session.contact else {}
    return guard(session, 4) or _contact(request, session, values, {})


@router.post("/book/s/{sid}/step/4")
def submit_contact(
    request: Request,
    desk: DeskDep,
    session: SessionDep,
    first_name: Field = "",
    last_name: Field = "",
    phone: Field = "",
    email: Field = "",
    notes: Field = "",
) -> Response:
    if redirect := guard(session, 4):
        return redirect
    form = {
        "first_name": first_name, "last_name": last_name, "phone": phone, "email": email,
        "notes": notes,
    }  # fmt: skip
    contact, errors = parse_contact(form)
    if contact is None:
        return _contact(request, session, form, errors, status=422)
    desk.set_contact(session, contact)
    return see_other(step_url(session.id, 5))


@router.get("/book/s/{sid}/step/5")
def payment_page(request: Request, session: SessionDep) -> Response:
    """The payment form; after a refused card it still says so above the form, until the next
    attempt (so whoever reloads the page, in any browser, sees what happened)."""
    refused = session.last_payment if session.last_payment in (DECLINED, EXPIRED) else ""
    return guard(session, 5) or _payment(request, session, last_failure=refused)


@router.post("/book/s/{sid}/cancel")
def cancel(request: Request, desk: DeskDep, session: SessionDep) -> Response:
    """"Cancel booking": the held time goes back at once and the visit ends."""
    if redirect := guard(session, 5):
        return redirect
    with desk.site.lock:
        desk.release_hold(session, "cancelled_by_guest")
        session.status = "expired"
    return message_page(request, 200, "Booking Cancelled", "This time is no longer held for you.")


@router.post("/book/s/{sid}/step/5")
def pay(
    request: Request,
    desk: DeskDep,
    session: SessionDep,
    card_number: Field = "",
    expiry: Field = "",
    cvv: Field = "",
) -> Response:
    if redirect := guard(session, 5):
        return redirect
    form = {"card_number": card_number, "expiry": expiry, "cvv": cvv}
    card, errors = parse_card(form, desk.today())
    if card is None:
        return _payment(request, session, field_errors=errors, status=422)
    outcome = desk.pay(session, card)
    if outcome == SUCCESS and desk.after_payment == "blank":
        return HTMLResponse("<!doctype html><title>Processing</title><p>Please wait…</p>")
    if outcome == SUCCESS:
        return see_other(confirmation_url(session.id))
    return _payment(request, session, failure=outcome, status=FAILURE_STATUS[outcome])


@router.get("/book/s/{sid}/confirmation")
def confirmation(request: Request, session: SessionDep) -> Response:
    if session.status != "completed":
        return see_other(step_url(session.id, session.next_step()))
    return render(request, "confirmation.html", **_summary(session))


def _contact(
    request: Request,
    session: WidgetSession,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    return render(
        request, "step_contact.html", status=status, step=4, values=values, errors=errors,
        **_summary(session),
    )  # fmt: skip


def _payment(
    request: Request,
    session: WidgetSession,
    *,
    failure: str = "",
    last_failure: str = "",
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    summary = _summary(session) if session.start else {"session": session, "deposit": DEPOSIT_PENCE}
    return render(
        request, "step_payment.html", status=status, step=5, failure=failure,
        last_failure=last_failure, field_errors=field_errors or {}, held_until=session.expires_at,
        **summary,
    )  # fmt: skip


def _summary(session: WidgetSession) -> dict[str, Any]:
    """What the booking is, for the summary boxes of steps 4, 5 and the confirmation."""
    return {
        "session": session,
        "service": SERVICE_BY_ID[session.service_id],
        "provider": PROVIDER_BY_ID[session.provider_id],
        "start": session.start,
        "deposit": DEPOSIT_PENCE,
    }
