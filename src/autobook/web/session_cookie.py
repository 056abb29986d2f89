"""The browser's session cookie: a random id and nothing else.

Signing in stores the sha256 of a fresh id in `web_sessions` (db/auth.py) and sends the id as
the cookie; signing out deletes that row, so a replayed cookie opens nothing. Before sign-in the
browser gets an id too (no row): the login and setup forms' CSRF tokens are bound to it.

The cookie is HttpOnly, SameSite=Lax, Path=/, Max-Age 12 h, and Secure when
AUTOBOOK_SECURE_COOKIES is set or the request came over HTTPS (as a trusted proxy reports it).
The key in `<data>/session.key` (mode 0600, made on first run) derives the CSRF tokens, so
every process sharing the data folder accepts them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from fastapi import FastAPI, Request
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autobook.config import Settings
from autobook.db.auth import SESSION_LIFETIME
from autobook.vault import write_key_file

COOKIE_NAME = "autobook_session"
MAX_AGE_S = int(SESSION_LIFETIME.total_seconds())
SCOPE_KEY = "autobook.browser_session"
_SID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


def load_session_key(settings: Settings) -> str:
    path = settings.session_key_file
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_urlsafe(48)
    write_key_file(path, key)
    return key


class BrowserSession:
    """This request's session id; `adopt` and `renew` make the response send a new cookie."""

    def __init__(self, sid: str | None, key: bytes) -> None:
        self._key = key
        self.sid = sid if sid and _SID.fullmatch(sid) else secrets.token_urlsafe(32)
        self.send_cookie = False
        self._from_cookie = self.sid == sid

    def csrf_token(self) -> str:
        """The CSRF token of this session id; a new browser gets its cookie with it."""
        self.send_cookie = self.send_cookie or not self._from_cookie
        mac = hmac.new(self._key, b"csrf:" + self.sid.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def adopt(self, sid: str) -> None:
        """Use `sid` (a session just started) from this response on."""
        self.sid, self.send_cookie, self._from_cookie = sid, True, False

    def renew(self) -> None:
        """A fresh anonymous id, after signing out: nothing of the old session carries over."""
        self.adopt(secrets.token_urlsafe(32))


def browser_session(request: Request) -> BrowserSession:
    return request.scope[SCOPE_KEY]


def _cookie_of(scope: Scope) -> str | None:
    """Starlette's lenient parser: http.cookies drops every cookie after one it dislikes, and
    a browser sends other apps' cookies for the same host too."""
    for name, value in scope["headers"]:
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(COOKIE_NAME)
            if found:
                return found
    return None


class SessionCookie:
    def __init__(self, app: ASGIApp, key: str, secure: bool) -> None:
        self.app = app
        self.key = key.encode()
        self.secure = secure

    def _header(self, sid: str, scope: Scope) -> tuple[bytes, bytes]:
        value = f"{COOKIE_NAME}={sid}; Path=/; Max-Age={MAX_AGE_S}; HttpOnly; SameSite=Lax"
        if self.secure or scope.get("scheme") == "https":
            value += "; Secure"
        return b"set-cookie", value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = scope[SCOPE_KEY] = BrowserSession(_cookie_of(scope), self.key)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.send_cookie:
                message["headers"] = [*message.get("headers", []), self._header(session.sid, scope)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def add_session_cookie(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionCookie, key=load_session_key(settings), secure=settings.secure_cookies
    )
