"""The admin's session: a signed (itsdangerous), HttpOnly, SameSite=Lax cookie.

The signing key lives in `<data>/session.key` (mode 0600), made on first run, so sessions
survive restarts and every process sharing the data folder accepts them.
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from autobook.config import Settings
from autobook.vault import write_key_file

COOKIE_NAME = "autobook_session"
MAX_AGE_S = 12 * 3600  # an admin signs in again after half a day


def load_session_key(settings: Settings) -> str:
    path = settings.session_key_file
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_urlsafe(48)
    write_key_file(path, key)
    return key


def add_session_cookie(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=load_session_key(settings),
        session_cookie=COOKIE_NAME,
        max_age=MAX_AGE_S,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
