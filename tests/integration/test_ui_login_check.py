"""The settings page's "Test login" button makes one real login on the gym simulator through
the engine's check_login: the right password is confirmed, a wrong one is reported and the
account is marked as needing a new password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import post, signed_in

from autobook.config import Settings
from autobook.db.models import SiteAccount
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.gym.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import sandbox_runtime


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["gym"], seed="quiet").start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(settings: Settings, runtime: Runtime, box: Sandbox) -> Iterator[TestClient]:
    rt = sandbox_runtime(runtime, box)
    yield from signed_in(rt.settings, rt)


def _add(client: TestClient, login: str, password: str) -> int:
    form = {"site": "gym", "display_name": "Alex", "login": login, "password": password}
    assert post(client, "/settings/accounts", form).status_code == 303
    return int(client.get("/settings").text.split("/settings/accounts/")[1].split("/")[0])


def _account(runtime: Runtime, account_id: int) -> SiteAccount:
    with transaction(runtime.sessions) as session:
        account = session.get(SiteAccount, account_id)
        assert account is not None
        session.expunge(account)
        return account


def test_test_login_confirms_the_right_password(client: TestClient, runtime: Runtime) -> None:
    login, password = DEMO_USERS[0]
    account = _add(client, login, password)
    answer = post(client, f"/settings/accounts/{account}/test")
    assert answer.status_code == 200 and "Login OK" in answer.text
    assert password not in answer.text
    assert _account(runtime, account).session_state_enc is not None  # kept for next time
    assert "session saved" in answer.text


def test_test_login_reports_a_refused_password(client: TestClient, runtime: Runtime) -> None:
    login, _ = DEMO_USERS[0]
    account = _add(client, login, "not-the-password-1")
    answer = post(client, f"/settings/accounts/{account}/test")
    assert answer.status_code == 422 and "refused" in answer.text
    assert "not-the-password-1" not in answer.text
    assert _account(runtime, account).needs_login is True
    assert "refused last time" in answer.text
    missing = post(client, "/settings/accounts/4242/test")
    assert missing.status_code == 422 and "no account 4242" in missing.text
