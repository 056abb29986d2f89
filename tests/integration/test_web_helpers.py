"""Helpers shared by the web tests (no tests here): an API token, the CSRF token of a form,
first-run setup and sign-in through the real pages, and row counts to prove nothing was
written."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from autobook.db.auth import create_token
from autobook.db.models import AdminUser, ApiToken, Meta, PaymentProfile, SiteAccount
from autobook.db.session import transaction
from autobook.runtime import Runtime

ADMIN = "owner"
ADMIN_PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COUNTED = (AdminUser, ApiToken, SiteAccount, PaymentProfile, Meta)


def make_token(runtime: Runtime, name: str = "tests") -> str:
    with transaction(runtime.sessions) as session:
        return create_token(session, name=name)[1]


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def setup_admin(client: TestClient, username: str = ADMIN, password: str = ADMIN_PASSWORD):
    form = {
        "csrf_token": csrf_of(client, "/setup"),
        "username": username,
        "password": password,
        "password_confirm": password,
    }
    return client.post("/setup", data=form, follow_redirects=False)


def sign_in(client: TestClient, username: str = ADMIN, password: str = ADMIN_PASSWORD):
    form = {"csrf_token": csrf_of(client, "/login"), "username": username, "password": password}
    return client.post("/login", data=form, follow_redirects=False)


def sign_out(client: TestClient):
    token = csrf_of(client, "/")
    return client.post("/logout", data={"csrf_token": token}, follow_redirects=False)


def row_counts(runtime: Runtime) -> dict[str, int]:
    with transaction(runtime.sessions) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }
