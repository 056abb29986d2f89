"""/bookings: the booking history with seed 002's filters (status, date, account, location),
and cancel. Cancel tells the site first where its adapter can (Better, the gym); a refusal
changes nothing and offers "Cancel in autobook only". For the other sites the page says the
site itself still has to be told."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from autobook.db.accounts import list_accounts
from autobook.db.bookings import CANCELLABLE, cancel_booking, cancellable, list_bookings
from autobook.db.models import Booking
from autobook.domain.release import LONDON
from autobook.domain.sites import SITE_NAMES
from autobook.domain.statuses import BookingStatus
from autobook.engine.browsers import BrowserPool
from autobook.engine.cancel import LOCAL_ONLY, SiteCancel, cancel_on_site
from autobook.sites.registry import adapter_class
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.ui.common import Id, back_to, errors_by_field, render
from autobook.web.ui.filters import Filters

router = APIRouter(include_in_schema=False)

NOTICES = {
    "cancelled": "Booking cancelled in autobook only. Cancel it on the site as well: "
    "autobook cannot do that for this booking.",
    "cancelled-on-site": "Booking cancelled on the site and in autobook.",
}
SITES = {site.value for site in SITE_NAMES}
FILTER_NAMES = ("status", "date", "account", "location")


@router.get("/bookings")
def bookings_page(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    return _page(request, session, admin, NOTICES.get(request.query_params.get("ok", "")))


def _page(
    request: Request,
    session: SessionDep,
    admin: CurrentAdmin,
    notice: str | None,
    *,
    failed: int | None = None,
    status_code: int = 200,
) -> Response:
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
        status_code=422 if filters.errors else status_code,
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
        on_site={b.site for b in found if b.site in SITES and adapter_class(b.site).can_cancel},
        zone=LONDON,
        notice=notice,
        failed=failed,
    )


@router.post("/bookings/{booking_id}/cancel", dependencies=[CsrfChecked])
async def cancel(
    request: Request,
    booking_id: Id,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    on_site: bool = True,
) -> Response:
    cancellable(session, booking_id=booking_id)  # 404 / 409 before telling the site
    told = SiteCancel(False, False, LOCAL_ONLY)
    if on_site:
        async with BrowserPool() as pool:
            told = await cancel_on_site(runtime, booking_id, pool=pool)
    if told.supported and not told.done:  # nothing changed: say why, offer the local cancel
        note = f"Not cancelled: {told.note}. Nothing was changed in autobook."
        return _page(request, session, admin, note, failed=booking_id, status_code=502)
    cancel_booking(session, booking_id=booking_id)
    return back_to("/bookings?ok=" + ("cancelled-on-site" if told.done else "cancelled"))
