"""Steps 4 and 5 of the widget (contact details, payment) and the confirmation page.

The step-5 URL is the handoff: it carries the session, so a person can open it in any browser
and pay. Payment failures re-render the payment page with `.error-message`; success redirects
to `/book/s/{id}/confirmation`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from autobook.sandbox.clinic.catalog import (
    DEPOSIT_PENCE,
    PROVIDER_BY_ID,
    SERVICE_BY_ID,
)
from autobook.sandbox.clinic.desk import SLOT_UNAVAILABLE, FrontDesk
from autobook.sandbox.clinic.payments import DECLINED, EXPIRED, SUCCESS, parse_card
from autobook.sandbox.clinic.sessions import WidgetSession, parse_contact
from autobook.sandbox.clinic.web import (
    confirmation_url,
    guard,
    render,
    see_other,
    step_url,
)

# Payment outcome → HTTP status of the re-rendered payment page.
FAILURE_STATUS = {DECLINED: 402, EXPIRED: 402, SLOT_UNAVAILABLE: 409}

Field = Annotated[str, Form()]


def checkout_router(desk: FrontDesk) -> APIRouter:
    r = APIRouter()

    @r.get("/book/s/{sid}/step/4")
    def contact_page(request: Request, sid: str) -> Response:
        session = desk.open_session(sid)
        c = session.contact
        values = c.__dict__ if c else {}
        return guard(session, 4) or _contact(request, session, values, {})

    @r.post("/book/s/{sid}/step/4")
    def submit_contact(
        request: Request,
        sid: str,
        first_name: Field = "",
        last_name: Field = "",
        phone: Field = "",
        email: Field = "",
        notes: Field = "",
    ) -> Response:
        session = desk.open_session(sid)
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
        return see_other(step_url(sid, 5))

    @r.get("/book/s/{sid}/step/5")
    def payment_page(request: Request, sid: str) -> Response:
        session = desk.open_session(sid)
        return guard(session, 5) or _payment(request, desk, session)

    @r.post("/book/s/{sid}/step/5")
    def pay(
        request: Request, sid: str, card_number: Field = "", expiry: Field = "", cvv: Field = ""
    ) -> Response:
        session = desk.open_session(sid)
        if redirect := guard(session, 5):
            return redirect
        form = {"card_number": card_number, "expiry": expiry, "cvv": cvv}
        card, errors = parse_card(form, desk.today())
        if card is None:
            return _payment(request, desk, session, field_errors=errors, status=422)
        outcome = desk.pay(session, card)
        if outcome == SUCCESS:
            return see_other(confirmation_url(sid))
        return _payment(request, desk, session, failure=outcome, status=FAILURE_STATUS[outcome])

    @r.get("/book/s/{sid}/confirmation")
    def confirmation(request: Request, sid: str) -> Response:
        session = desk.open_session(sid)
        if session.status != "completed":
            return see_other(step_url(sid, session.next_step()))
        return render(request, "confirmation.html", **_summary(session))

    return r


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
    desk: FrontDesk,
    session: WidgetSession,
    *,
    failure: str = "",
    field_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    summary = _summary(session) if session.start else {"session": session, "deposit": DEPOSIT_PENCE}
    return render(
        request, "step_payment.html", status=status, step=5, failure=failure,
        field_errors=field_errors or {}, held_until=session.expires_at,
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
