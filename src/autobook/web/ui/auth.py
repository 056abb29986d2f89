"""First-run setup, sign in and sign out of the admin pages.

Every POST checks the CSRF token. Failed sign-ins are limited per client IP
(`AUTOBOOK_LOGIN_ATTEMPTS_PER_MINUTE`); the limiter lives on `app.state.login_limiter`.
"""

from __future__ import annotations

import re
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from autobook.db.auth import (
    MIN_ADMIN_PASSWORD,
    WeakPassword,
    admin_exists,
    authenticate,
    end_session,
    end_sessions,
    set_admin_password,
    start_session,
)
from autobook.db.models import AdminUser
from autobook.db.session import transaction
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep, SettingsDep
from autobook.web.errors import error_entry
from autobook.web.messages import EMPTY
from autobook.web.ratelimit import LoginRateLimiter
from autobook.web.session_cookie import browser_session
from autobook.web.templating import TEMPLATES
from autobook.web.ui.common import errors_by_field

router = APIRouter(include_in_schema=False)

USERNAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
MAX_PASSWORD = 1024  # longer is refused before hashing: argon2 on megabytes is a cheap DoS
_SETUP_LOCK = threading.Lock()  # two first-run forms at once must not make two admins

FormText = Annotated[str, Form()]


def _page(
    request: Request,
    name: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    return TEMPLATES.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )


def _sign_in(request: Request, session: Session, user: AdminUser) -> None:
    """A fresh server-side session and cookie: nothing from before sign-in carries over."""
    browser_session(request).adopt(start_session(session, user.id))


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _setup_errors(username: str, password: str, password_confirm: str) -> list[dict[str, Any]]:
    errors = []
    if not username:
        errors.append(error_entry("username", EMPTY["username"]))
    elif not USERNAME.fullmatch(username):
        errors.append(error_entry("username", "use 1 to 64 letters, digits or . _ @ -"))
    if not password:
        errors.append(error_entry("password", EMPTY["password"]))
    elif len(password) < MIN_ADMIN_PASSWORD:
        errors.append(error_entry("password", f"use at least {MIN_ADMIN_PASSWORD} characters"))
    elif len(password) > MAX_PASSWORD:
        errors.append(error_entry("password", f"use at most {MAX_PASSWORD} characters"))
    elif password != password_confirm:
        errors.append(error_entry("password_confirm", "the two passwords differ"))
    return errors


@router.get("/setup")
def setup_form(request: Request, session: SessionDep) -> Response:
    if admin_exists(session):
        return RedirectResponse("/login", status_code=303)
    return _page(request, "setup.html", min_password=MIN_ADMIN_PASSWORD)


@router.post("/setup", dependencies=[CsrfChecked])
def setup(
    request: Request,
    runtime: RuntimeDep,
    username: FormText = "",
    password: FormText = "",
    password_confirm: FormText = "",
) -> Response:
    username = username.strip()
    errors = _setup_errors(username, password, password_confirm)
    with _SETUP_LOCK, transaction(runtime.sessions) as session:
        if admin_exists(session):
            return RedirectResponse("/login", status_code=303)
        if not errors:
            try:
                user = set_admin_password(session, username=username, password=password)
            except WeakPassword as exc:
                errors.append(error_entry("password", str(exc).removeprefix("password: ")))
            else:
                _sign_in(request, session, user)
    if errors:
        return _page(
            request,
            "setup.html",
            422,
            errors=errors,
            fe=errors_by_field(errors),
            username=username,
            min_password=MIN_ADMIN_PASSWORD,
        )
    return RedirectResponse("/", status_code=303)


@router.get("/login")
def login_form(request: Request, session: SessionDep) -> Response:
    if not admin_exists(session):
        return RedirectResponse("/setup", status_code=303)
    return _page(request, "login.html")


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: FormText = "",
    password: FormText = "",
) -> Response:
    limiter: LoginRateLimiter = request.app.state.login_limiter
    ip = _client_ip(request)
    wait = limiter.retry_after(ip, settings.login_attempts_per_minute)
    if wait is not None:
        message = f"too many failed sign-ins from your address; try again in {wait} seconds"
        return _page(
            request,
            "login.html",
            429,
            headers={"Retry-After": str(wait)},
            errors=[error_entry(None, message)],
            username=username,
        )
    blank = [error_entry(f, EMPTY[f]) for f, v in (("username", username), ("password", password))
             if not v.strip()]  # fmt: skip
    user = None
    if not blank and len(password) <= MAX_PASSWORD:
        user = authenticate(session, username=username.strip(), password=password)
    if user is None:
        limiter.record_failure(ip)
        errors = blank or [error_entry(None, "wrong username or password")]
        return _page(request, "login.html", 400, errors=errors, fe=errors_by_field(errors),
                     username=username)  # fmt: skip
    limiter.reset(ip)
    _sign_in(request, session, user)
    return RedirectResponse("/", status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    """Ends this session on the server: the old cookie, replayed, opens nothing."""
    end_session(session, browser_session(request).sid)
    browser_session(request).renew()
    return RedirectResponse("/login", status_code=303)


@router.post("/logout/everywhere", dependencies=[CsrfChecked])
def logout_everywhere(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    """Ends every session of every browser, this one included (as `autobook admin
    sign-out-everywhere` does)."""
    end_sessions(session)
    browser_session(request).renew()
    return RedirectResponse("/login", status_code=303)
