"""/logs: the system log filtered by level, source and task, with a live tail — the table
body is polled every 2 seconds through htmx with the same filters (`/logs/tail`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from autobook.db.models import SystemLog
from autobook.db.syslog import MAX_SOURCE_CHARS, LogLevel, query_logs
from autobook.web.deps import CurrentAdmin, SessionDep
from autobook.web.ui.common import errors_by_field, render
from autobook.web.ui.filters import Filters

router = APIRouter(include_in_schema=False)

PAGE = 200  # lines on screen; "older" pages back from the last one shown
FILTER_NAMES = ("level", "source", "task", "before")


def _lines(session: Session, request: Request) -> dict[str, Any]:
    filters = Filters(dict(request.query_params))
    level = filters.choice("level", LogLevel)
    chosen = {
        "level": level.value if level else None,
        "source": filters.text("source", MAX_SOURCE_CHARS),
        "task_id": filters.ident("task"),
        "before_id": filters.ident("before"),
    }
    lines = [] if filters.errors else query_logs(session, limit=PAGE, **chosen)
    values = {name: filters.raw(name) for name in FILTER_NAMES}
    live = {k: v for k, v in values.items() if v and k != "before"}
    return {
        "lines": lines,
        "values": values,
        "live_query": urlencode(live),
        "paused": bool(values["before"]),  # an older page stays still
        "older": lines[-1].id if len(lines) == PAGE else None,
        "errors": filters.errors,
        "fe": errors_by_field(filters.errors),
    }


@router.get("/logs")
def logs_page(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    context = _lines(session, request)
    sources = session.scalars(select(SystemLog.source).distinct().order_by(SystemLog.source))
    return render(request, "logs.html", status_code=422 if context["errors"] else 200,
                  user=admin, active="logs", levels=[lv.value for lv in LogLevel],
                  sources=list(sources), **context)  # fmt: skip


@router.get("/logs/tail")
def logs_tail(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    context = _lines(session, request)
    return render(request, "_log_lines.html", status_code=422 if context["errors"] else 200,
                  **context)  # fmt: skip
