"""GET /health: the database, the worker's heartbeat and the browser.

200 while the database answers (status "degraded" when something else is wrong), 503 when it
does not. The worker writes its heartbeat (ISO time) to `meta.worker_heartbeat`; a worker that
has never run yet is not counted against the status, a silent one is.

Anyone may ask (load balancers, Docker's healthcheck) but only gets `{"status": ...}`; the
details (versions, the browser's path, the heartbeat) need the admin's session or an API token.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from autobook.chromium import browser_available, system_chromium
from autobook.db.auth import TOKEN_PREFIX, resolve_session, resolve_token
from autobook.db.migrate import current_revision
from autobook.db.models import Meta
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.deps import RuntimeDep, bearer_scheme
from autobook.web.session_cookie import browser_session
from autobook.worker.containment import Restarts, read_restarts

log = logging.getLogger("autobook.web")

HEARTBEAT_KEY = "worker_heartbeat"
HEARTBEAT_STALE_AFTER = timedelta(seconds=90)  # the worker beats every few seconds

router = APIRouter(tags=["health"])


class DatabaseHealth(BaseModel):
    ok: bool
    dialect: str
    revision: str | None


class WorkerHealth(BaseModel):
    heartbeat_at: datetime | None
    ok: bool
    restarts: int = 0  # times a worker loop died and was started again (worker.containment)
    last_restart: str | None = None  # "<ISO time> <worker>: <error kind>"


class BrowserHealth(BaseModel):
    available: bool
    path: str | None


class HealthStatus(BaseModel):
    """What an anonymous caller sees."""

    status: Literal["ok", "degraded"]


class Health(HealthStatus):
    database: DatabaseHealth
    worker: WorkerHealth
    browser: BrowserHealth


def _parse_heartbeat(value: str | None) -> datetime | None:
    try:
        beat = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if beat is not None and beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return beat


def _check_database(engine: Engine) -> tuple[DatabaseHealth, datetime | None, Restarts]:
    dialect = engine.dialect.name
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            beat = conn.scalar(select(Meta.value).where(Meta.key == HEARTBEAT_KEY))
            with Session(conn) as session:
                restarts = read_restarts(session)
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        log.warning("health: database check failed (%s)", type(exc).__name__)
        return DatabaseHealth(ok=False, dialect=dialect, revision=None), None, Restarts(0, None)
    database = DatabaseHealth(ok=True, dialect=dialect, revision=revision)
    return database, _parse_heartbeat(beat), restarts


def _signed_in(request: Request, runtime: Runtime, bearer: str | None) -> bool:
    """The admin's session or a valid API token; never an error (the database may be down)."""
    try:
        with transaction(runtime.sessions) as session:
            if bearer is not None and bearer.startswith(TOKEN_PREFIX):
                return resolve_token(session, bearer) is not None
            return resolve_session(session, browser_session(request).sid) is not None
    except SQLAlchemyError:
        return False


@router.get(
    "/health",
    response_model=Health | HealthStatus,
    responses={503: {"model": HealthStatus, "description": "Database down"}},
)
def health(
    request: Request,
    runtime: RuntimeDep,
    response: Response,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Health | HealthStatus:
    """Status for anyone; the details for the admin's session or an API token."""
    details = _details(runtime)
    response.status_code = 200 if details.database.ok else 503
    bearer = credentials.credentials if credentials is not None else None
    if _signed_in(request, runtime, bearer):
        return details
    return HealthStatus(status=details.status)


def _details(runtime: Runtime) -> Health:
    database, beat, restarts = _check_database(runtime.engine)
    worker_ok = beat is not None and datetime.now(UTC) - beat <= HEARTBEAT_STALE_AFTER
    browser = BrowserHealth(available=browser_available(), path=system_chromium())
    healthy = database.ok and browser.available and (worker_ok or beat is None)
    return Health(
        status="ok" if healthy else "degraded",
        database=database,
        worker=WorkerHealth(
            heartbeat_at=beat, ok=worker_ok, restarts=restarts.count, last_restart=restarts.last
        ),
        browser=browser,
    )
