"""/api/v1/bookings: the booking history with seed 002's filters, upcoming bookings, cancel.

Cancelling marks the booking cancelled in autobook's records only: cancelling on the site
itself needs a site adapter that can do it, which none offers yet, so the response says so.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from autobook.db import bookings as repo
from autobook.domain.statuses import BookingStatus
from autobook.domain.taskdates import BoundedDate
from autobook.web.deps import SessionDep
from autobook.web.schemas import MAX_ID
from autobook.web.schemas_tasks import BookingCancelled, BookingPublic

router = APIRouter(prefix="/bookings", tags=["bookings"])

BookingId = Annotated[int, Path(ge=1, le=MAX_ID, description="The booking's id.")]
SITE_NOT_CANCELLED = (
    "Cancelled in autobook only: cancel it on the site as well, autobook cannot do that yet."
)


@router.get("")
def list_bookings(
    session: SessionDep,
    account_id: Annotated[int | None, Query(alias="accountId", ge=1, le=MAX_ID)] = None,
    day: Annotated[
        BoundedDate | None,
        Query(alias="date", description="The slot's local date, YYYY-MM-DD (2000–2100)."),
    ] = None,
    status: BookingStatus | None = None,
    location: Annotated[
        str | None, Query(min_length=1, max_length=200, description="The venue, any case.")
    ] = None,
    task_id: Annotated[int | None, Query(alias="taskId", ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=repo.MAX_LIST)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[BookingPublic]:
    """Latest slot first; filters as seed 002's `GET /api/bookings`."""
    found = repo.list_bookings(
        session,
        account_id=account_id,
        day=day,
        status=status,
        location=location,
        task_id=task_id,
        limit=limit,
        offset=offset,
    )
    return [BookingPublic.of(b) for b in found]


@router.get("/upcoming")
def upcoming_bookings(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=repo.MAX_LIST)] = 50
) -> list[BookingPublic]:
    """Pending and confirmed bookings that have not started, soonest first."""
    return [BookingPublic.of(b) for b in repo.upcoming_bookings(session, limit=limit)]


@router.get("/{booking_id}")
def get_booking(booking_id: BookingId, session: SessionDep) -> BookingPublic:
    return BookingPublic.of(repo.get_booking(session, booking_id))


@router.post(
    "/{booking_id}/cancel",
    responses={409: {"description": "The booking is failed or already cancelled"}},
)
def cancel_booking(booking_id: BookingId, session: SessionDep) -> BookingCancelled:
    booking = repo.cancel_booking(session, booking_id=booking_id)
    return BookingCancelled(
        booking=BookingPublic.of(booking), cancelled_on_site=False, note=SITE_NOT_CANCELLED
    )
