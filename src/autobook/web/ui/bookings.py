"""/bookings: the booking history with seed 002's filters (status, date, account, location),
and cancel. Cancelling marks the booking cancelled in autobook; the page says that the site
itself still has to be told (no adapter can cancel yet)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from autobook.db.accounts import list_accounts
from autobook.db.bookings import CANCELLABLE, cancel_booking, list_bookings
from autobook.db.models import Booking
from autobook.domain.release import LONDON
from autobook.domain.statuses import BookingStatus
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, SessionDep
from autobook.web.ui.common import Id, back_to, errors_by_field, render
from autobook.web.ui.filters import Filters

router = APIRouter(include_in_schema=False)

CANCELLED_NOTE = (
    "Booking cancelled in autobook. Cancel it on the site as well: autobook cannot do that yet."
)
FILTER_NAMES = ("status", "date", "account", "location")


@router.get("/bookings")
def bookings_page(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    filters = Filters(dict(request.query_params))
    chosen = {
        "status": filters.choice("status", BookingStatus),
        "day": filters.day("date"),
        "account_id": filters.ident("account"),
        "location": filters.text("location", 200),
    }
    found = [] if filters.errors else list_bookings(session, **chosen)
    venues = session.scalars(select(Booking.venue).distinct().order_by(Booking.venue))
    accounts = list_accounts(session)
    return render(
        request,
        "bookings.html",
        status_code=422 if filters.errors else 200,
        user=admin,
        active="bookings",
        bookings=found,
        filtered=any(v is not None for v in chosen.values()),
        values={name: filters.raw(name) for name in FILTER_NAMES},
        errors=filters.errors,
        fe=errors_by_field(filters.errors),
        statuses=[s.value for s in BookingStatus],
        venues=[v for v in venues if v],
        accounts=accounts,
        account_names={a.id: a.display_name for a in accounts},
        cancellable={s.value for s in CANCELLABLE},
        zone=LONDON,
        notice=CANCELLED_NOTE if request.query_params.get("ok") == "cancelled" else None,
    )


@router.post("/bookings/{booking_id}/cancel", dependencies=[CsrfChecked])
def cancel(booking_id: Id, session: SessionDep, admin: CurrentAdmin) -> Response:
    cancel_booking(session, booking_id=booking_id)
    return back_to("/bookings?ok=cancelled")
