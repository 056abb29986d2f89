"""/api/v1/logs: the system log, newest first, filtered by level, source and task; page back
with `before_id` (the smallest id already shown). Messages were masked when written."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from autobook.db.syslog import MAX_QUERY_LIMIT, MAX_SOURCE_CHARS, LogLevel, query_logs
from autobook.web.api.common import invalid
from autobook.web.deps import SessionDep
from autobook.web.schemas import MAX_ID
from autobook.web.schemas_tasks import LogPublic

router = APIRouter(prefix="/logs", tags=["logs"])


@router.get("")
def list_logs(
    session: SessionDep,
    level: LogLevel | None = None,
    source: Annotated[str | None, Query(min_length=1, max_length=MAX_SOURCE_CHARS)] = None,
    task_id: Annotated[int | None, Query(alias="taskId", ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_QUERY_LIMIT)] = 100,
    before_id: Annotated[int | None, Query(alias="beforeId", ge=1, le=MAX_ID)] = None,
) -> list[LogPublic]:
    try:
        entries = query_logs(
            session,
            level=level.value if level else None,
            source=source,
            task_id=task_id,
            limit=limit,
            before_id=before_id,
        )
    except ValueError as exc:  # e.g. a source of spaces only
        raise invalid(exc) from None
    return [LogPublic.of(e) for e in entries]
