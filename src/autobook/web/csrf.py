"""CSRF protection for HTML forms: a random token kept in the signed session and repeated in a
hidden `csrf_token` field; every form POST must send it back."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """This session's token, made on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def new_csrf_token(request: Request) -> str:
    """A fresh token, after the session changes hands (login, logout)."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return request.session[SESSION_KEY]


def verify_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    expected = request.session.get(SESSION_KEY)
    if not isinstance(expected, str) or not secrets.compare_digest(
        expected.encode(), csrf_token.encode()
    ):
        raise HTTPException(
            status_code=403,
            detail="csrf_token: this form has expired or was not sent from this site; "
            "reload the page and try again",
        )


CsrfChecked = Depends(verify_csrf)


def csrf_context(request: Request) -> dict[str, str]:
    """Jinja2 context processor: every template can write `{{ csrf_token }}`."""
    return {"csrf_token": csrf_token(request)}
