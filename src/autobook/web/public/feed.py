"""`/calendar/{token}.ics`: the owner's private feed (appointments and autobook's bookings).
No login (phones subscribe without one): the unguessable token is the key; a wrong one is 404."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from autobook.appointments.feed import feed_allowed, feed_text
from autobook.db.session import transaction
from autobook.web.deps import RuntimeDep

router = APIRouter(include_in_schema=False)


@router.get("/calendar/{token}.ics")
def private_feed(runtime: RuntimeDep, token: str) -> Response:
    with transaction(runtime.sessions) as session:
        if len(token) > 100 or not feed_allowed(session, token):
            raise HTTPException(404, "token: no such calendar")
        body = feed_text(session, now=datetime.now(UTC))
    return Response(body, media_type="text/calendar",
                    headers={"cache-control": "private, max-age=300"})  # fmt: skip
