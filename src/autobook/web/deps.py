"""Request dependencies as `Annotated` aliases: settings, runtime, a database transaction, the
signed-in admin (pages) and the bearer token (API).

Settings are the app's own (`app.state.settings`, set by `create_app`), not FastAPI's
`dependency_overrides`: with any override present FastAPI re-reads every dependency's
signature on every request (a tenth of a /book/slots answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from autobook.config import Settings
from autobook.db.auth import TOKEN_PREFIX, admin_exists, resolve_session, resolve_token
from autobook.db.models import AdminUser, ApiToken
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.session_cookie import browser_session


# The trivial dependencies are `async def`: FastAPI runs a plain `def` one in its thread pool,
# a thread hop per dependency per request for a single attribute read.
async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_db(runtime: RuntimeDep) -> Iterator[Session]:
    with transaction(runtime.sessions) as session:
        yield session


# scope="function": commit before the response is sent, so a failed commit can never be
# reported to the client as a success.
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


class LoginRequired(Exception):
    """A page needs the admin; the handler redirects to /login, or /setup on a fresh install."""

    def __init__(self, *, setup: bool) -> None:
        super().__init__("login required")
        self.setup = setup


def current_admin(request: Request, session: SessionDep) -> AdminUser:
    """The admin of this browser's live server-side session (see `session_cookie.py`)."""
    user = resolve_session(session, browser_session(request).sid)
    if user is None:
        raise LoginRequired(setup=not admin_exists(session))
    return user


CurrentAdmin = Annotated[AdminUser, Depends(current_admin)]

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token made with `autobook token create`: `Authorization: Bearer abk_…`.",
)


def api_token(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> ApiToken:
    token = None
    if credentials is not None and credentials.credentials.startswith(TOKEN_PREFIX):
        token = resolve_token(session, credentials.credentials)
    if token is None:
        raise HTTPException(
            status_code=401,
            detail="authorization: send a valid API token as `Authorization: Bearer abk_…`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token


ApiAuth = Annotated[ApiToken, Depends(api_token)]
