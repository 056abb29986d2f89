"""Admin users (argon2 hashes), their browser sessions and bearer API tokens.

Session ids and API tokens are random; only their sha256 is stored, so a copy of the database
opens no session and calls no API.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from autobook.db.models import AdminUser, ApiToken, WebSession, utcnow

TOKEN_PREFIX = "abk_"
MIN_ADMIN_PASSWORD = 10
SESSION_LIFETIME = timedelta(hours=12)  # an admin signs in again after half a day
_hasher = PasswordHasher()


class WeakPassword(ValueError):
    pass


def check_admin_password(password: str) -> None:
    if len(password) < MIN_ADMIN_PASSWORD:
        raise WeakPassword(f"password: use at least {MIN_ADMIN_PASSWORD} characters")
    if len(password) > 1024:
        raise WeakPassword("password: at most 1024 characters")


def admin_exists(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(AdminUser)))


def set_admin_password(session: Session, *, username: str, password: str) -> AdminUser:
    """Create the admin user, or change its password."""
    check_admin_password(password)
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        user = AdminUser(username=username, password_hash=_hasher.hash(password))
        session.add(user)
    else:
        user.password_hash = _hasher.hash(password)
        end_sessions(session, admin_id=user.id)  # whoever knew the old password is out
    session.flush()
    return user


def authenticate(session: Session, *, username: str, password: str) -> AdminUser | None:
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if user is None:
        _hasher.hash(password)  # spend the same time whether or not the user exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, admin_id: int, *, now: datetime | None = None) -> str:
    """A new session for the admin; returns its id (for the cookie), stores only its hash.
    Expired sessions are deleted here, so the table holds live ones only."""
    now = now or utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    sid = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_digest(sid),
            admin_id=admin_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return sid


def resolve_session(session: Session, sid: str, *, now: datetime | None = None) -> AdminUser | None:
    """The admin of a live session, or None for an unknown, ended or expired one."""
    row = session.scalar(select(WebSession).where(WebSession.id_hash == _digest(sid)))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return session.get(AdminUser, row.admin_id)


def end_session(session: Session, sid: str) -> bool:
    result = session.execute(delete(WebSession).where(WebSession.id_hash == _digest(sid)))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_sessions(session: Session, *, admin_id: int | None = None) -> int:
    """End every session (of one admin, or of all); returns how many rows went."""
    live = delete(WebSession)
    if admin_id is not None:
        live = live.where(WebSession.admin_id == admin_id)
    result = session.execute(live)
    return int(result.rowcount)  # type: ignore[attr-defined]


def create_token(session: Session, *, name: str) -> tuple[ApiToken, str]:
    """A new API token; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=_digest(plaintext), prefix=plaintext[:10])
    session.add(token)
    session.flush()
    return token, plaintext


def resolve_token(session: Session, plaintext: str) -> ApiToken | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    if token is None or token.revoked:
        return None
    token.last_used_at = utcnow()
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None:
        return False
    token.revoked = True
    return True
