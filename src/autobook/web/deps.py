"""Request dependencies as `Annotated` aliases: settings, runtime, a database transaction, the
signed-in admin (pages) and the bearer token (API).

Settings come from `get_settings` so that tests can swap them with `app.dependency_overrides`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from autobook.config import Settings, get_settings
from autobook.db.auth import TOKEN_PREFIX, admin_exists, resolve_token
from autobook.db.engine import transaction
from autobook.db.models import AdminUser, ApiToken
from autobook.runtime import Runtime

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_runtime(request: Request) -> Runtime:
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


def password_fingerprint(user: AdminUser) -> str:
    """Stored in the session so that changing the admin password ends every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def current_admin(request: Request, session: SessionDep) -> AdminUser:
    uid = request.session.get("uid")
    user = session.get(AdminUser, uid) if isinstance(uid, int) else None
    if user is None or request.session.get("pw") != password_fingerprint(user):
        raise LoginRequired(setup=not admin_exists(session))
    return user


CurrentAdmin = Annotated[AdminUser, Depends(current_admin)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token made with `autobook token create`: `Authorization: Bearer abk_…`.",
)


def api_token(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
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
