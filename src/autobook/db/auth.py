"""Admin users (argon2 hashes) and bearer API tokens (stored as sha256, shown once)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autobook.db.models import AdminUser, ApiToken, utcnow

TOKEN_PREFIX = "abk_"
MIN_ADMIN_PASSWORD = 10
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
