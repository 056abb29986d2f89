"""/handoffs: booking sessions (seed 004) with their live state (an htmx poll), and one
session's page: its timeline, the payment page's screenshot (card fields masked) and the
outcome. Read-only: sessions are started and cancelled through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from autobook.db import handoffs as repo
from autobook.domain.handoff import HandoffMode
from autobook.domain.release import LONDON
from autobook.handoff.status import confirmation_details
from autobook.runtime import Runtime
from autobook.web.deps import CurrentAdmin, SessionDep
from autobook.web.ui.common import render

router = APIRouter(include_in_schema=False)

POLL = "every 2s"  # the monitor looks at a page as often
SessionId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


@router.get("/handoffs")
def handoffs_page(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    return _list(request, session, admin, "handoff_list.html")


@router.get("/handoffs/live")
def handoffs_live(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    return _list(request, session, admin, "handoff_rows.html")


@router.get("/handoffs/{session_id}")
def handoff_page(
    request: Request, session_id: SessionId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    return _one(request, session, admin, session_id, "handoff_session.html")


@router.get("/handoffs/{session_id}/live")
def handoff_live(
    request: Request, session_id: SessionId, session: SessionDep, admin: CurrentAdmin
) -> Response:
    return _one(request, session, admin, session_id, "handoff_session_live.html")


def _list(request: Request, session: SessionDep, admin: CurrentAdmin, name: str) -> Response:
    rows = repo.list_sessions(session, limit=repo.MAX_LIST)
    return render(request, name, user=admin, active="handoffs", sessions=rows, zone=LONDON,
                  poll=POLL)  # fmt: skip


def _one(
    request: Request, session: SessionDep, admin: CurrentAdmin, session_id: str, name: str
) -> Response:
    row = repo.get_session(session, session_id)
    link = None
    if row.handoff_url_enc and row.completed_at is None:  # the link to send a person again
        runtime: Runtime = request.app.state.runtime
        link = runtime.vault.decrypt(row.handoff_url_enc)
        if row.mode == HandoffMode.LIVE:
            link = f"{runtime.settings.base_url}{link}"
    return render(
        request, name, user=admin, active="handoffs", s=row, zone=LONDON, poll=POLL,
        timeline=repo.timeline(session, session_id), details=confirmation_details(row),
        final=row.completed_at is not None, link=link,
    )  # fmt: skip
