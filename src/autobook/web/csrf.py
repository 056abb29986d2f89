"""CSRF protection for HTML forms: a token derived from the browser's session id (an HMAC with
the session key, see `session_cookie.py`) and repeated in a hidden `csrf_token` field; every
form POST must send it back. A new session id (sign in, sign out) means a new token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request

from autobook.web.session_cookie import browser_session

FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    return browser_session(request).csrf_token()


def verify_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    expected = browser_session(request).csrf_token()
    if not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        raise HTTPException(
            status_code=403,
            detail="csrf_token: this form has expired or was not sent from this site; "
            "reload the page and try again",
        )


CsrfChecked = Depends(verify_csrf)


def csrf_context(request: Request) -> dict[str, str]:
    """Jinja2 context processor: every template can write `{{ csrf_token }}`."""
    return {"csrf_token": csrf_token(request)}
