"""/api/v1/booking: seed 004's booking sessions. Start one, get the URL a person pays on, poll
its status, cancel it. Answers are the seed's camelCase shapes; errors name the field.

Starting only stores the session (`created`): the handoff service drives it in a browser of
its own when one is free, so the answer comes at once and `status` shows the progress.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from starlette.concurrency import run_in_threadpool

from autobook.db import handoffs as repo
from autobook.domain.handoff import (
    FINAL,
    HandoffMode,
    Lead,
    SessionOutcome,
    SessionRequest,
    SessionState,
)
from autobook.domain.taskdates import site_today
from autobook.handoff.moves import advance
from autobook.handoff.start import check_booking_url, clinic_offers, open_session
from autobook.handoff.status import status_body
from autobook.sites.clinic.adapter import ClinicAdapter
from autobook.web.api.booking_schemas import (
    BookingStart,
    HandoffUrlAnswer,
    StartAnswer,
    StatusAnswer,
)
from autobook.web.api.common import invalid
from autobook.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/booking", tags=["booking sessions"])

SessionId = Annotated[
    str,
    Path(
        alias="sessionId",
        min_length=36,
        max_length=36,
        pattern=r"^[0-9a-f-]{36}$",
        description="The session's id (a UUID).",
    ),
]
ZONE = ClinicAdapter.info.zone


@router.post("/start", status_code=201)
async def start(body: BookingStart, runtime: RuntimeDep) -> StartAnswer:
    """Check the request, store the session in `created`; a browser takes it when one is free
    (at most AUTOBOOK_HANDOFF_CONCURRENCY at once)."""
    request = _request(body)
    try:
        check_booking_url(runtime.settings, request.booking_url)
        _not_past(request)
        info = await run_in_threadpool(clinic_offers, request.booking_url)
        session_id = open_session(runtime, request, info=info)
    except ValueError as exc:
        raise invalid(exc) from None
    return StartAnswer(success=True, sessionId=session_id, state=SessionState.CREATED)


@router.get("/{sessionId}/handoff-url", responses={409: {"description": "Not ready or ended"}})
def handoff_url(
    session_id: SessionId, session: SessionDep, runtime: RuntimeDep
) -> HandoffUrlAnswer:
    """The URL the person opens to pay. Fetching it starts the watching (`monitoring`)."""
    row = repo.get_session(session, session_id)
    state = SessionState(row.state)
    if state in FINAL:
        raise HTTPException(409, f"sessionId: the session has ended ({state.value})")
    if state not in (SessionState.READY_FOR_HANDOFF, SessionState.MONITORING):
        raise HTTPException(409, f"state: the session is {state.value}; the handoff URL is "
                            "ready at ready_for_handoff")  # fmt: skip
    expires = row.handoff_expires_at
    assert expires is not None and row.handoff_url_enc is not None
    if expires <= datetime.now(UTC):
        raise HTTPException(409, "sessionId: the handoff URL has expired")
    if state is SessionState.READY_FOR_HANDOFF:
        advance(session, session_id, SessionState.MONITORING, expected=state)
        state = SessionState.MONITORING
    url = runtime.vault.decrypt(row.handoff_url_enc)
    if row.mode == HandoffMode.LIVE:
        url = f"{runtime.settings.base_url}{url}"  # autobook's own page, stored as a path
    return HandoffUrlAnswer(success=True, sessionId=session_id, handoffUrl=url,
                            expiresAt=expires, state=state)  # fmt: skip


@router.get("/{sessionId}/status")
def status(session_id: SessionId, session: SessionDep) -> StatusAnswer:
    return StatusAnswer.of(status_body(repo.get_session(session, session_id)))


@router.delete("/{sessionId}", responses={409: {"description": "Already ended"}})
def cancel(session_id: SessionId, session: SessionDep) -> StatusAnswer:
    """Cancel: the browser lets the held time go and closes."""
    row = repo.get_session(session, session_id)
    if not advance(session, session_id, SessionState.CANCELLED,
                   outcome=SessionOutcome.CANCELLED.value):  # fmt: skip
        raise HTTPException(409, f"sessionId: the session has already ended ({row.state})")
    session.refresh(row)
    return StatusAnswer.of(status_body(row))


def _request(body: BookingStart) -> SessionRequest:
    lead = body.lead
    return SessionRequest(
        booking_url=body.bookingUrl.strip(),
        day=body.day(),
        at=body.at(),
        lead=Lead(lead.firstName, lead.lastName, lead.phone, lead.email, lead.notes or ""),
        service=body.service,
        provider=body.provider,
        callback_url=body.callbackUrl,
    )


def _not_past(request: SessionRequest) -> None:
    today = site_today(ZONE)
    if request.day < today:
        raise ValueError(f"date: {request.day.isoformat()} is in the past")
    if datetime.combine(request.day, request.at, ZONE) <= datetime.now(UTC):
        raise ValueError(f"time: {request.at:%H:%M} on {request.day.isoformat()} has passed")
