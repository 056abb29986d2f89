"""Server-side sessions, on SQLite and PostgreSQL: the cookie holds a random id only, and signing
out, a password change, "sign out everywhere" (page and CLI) and expiry end a session on the
server, so a replayed cookie opens nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_cli_support import Cli
from test_web_helpers import ADMIN, csrf_of, setup_admin, sign_in, sign_out

from autobook.config import Settings
from autobook.db.auth import SESSION_LIFETIME, resolve_session, start_session
from autobook.db.models import AdminUser, ApiToken, WebSession, utcnow
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app
from autobook.web.session_cookie import COOKIE_NAME


def _client(settings: Settings, runtime: Runtime) -> TestClient:
    return TestClient(create_app(settings, runtime=runtime))


@pytest.fixture
def cli(runtime: Runtime) -> Cli:
    return Cli(runtime)


@pytest.fixture
def admin_client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with _client(settings, runtime) as c:
        assert setup_admin(c).status_code == 303
        yield c


def _sessions(runtime: Runtime) -> list[WebSession]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(WebSession)))


def _tokens(runtime: Runtime) -> int:
    with transaction(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(ApiToken)) or 0


def _signed_in(client: TestClient) -> bool:
    return client.get("/settings", follow_redirects=False).status_code == 200


def _replay(settings: Settings, runtime: Runtime, cookie: str) -> TestClient:
    thief = _client(settings, runtime)
    thief.cookies.set(COOKIE_NAME, cookie)
    return thief


def test_the_cookie_is_a_random_id_and_only_its_hash_is_stored(
    admin_client: TestClient, runtime: Runtime
) -> None:
    sid = admin_client.cookies[COOKIE_NAME]
    assert len(sid) == 43 and "." not in sid  # token_urlsafe(32): no payload, no signature
    [row] = _sessions(runtime)
    assert row.id_hash == hashlib.sha256(sid.encode()).hexdigest()
    assert row.expires_at - row.created_at == SESSION_LIFETIME


def test_sign_in_starts_a_new_session_id(admin_client: TestClient, runtime: Runtime) -> None:
    before = admin_client.cookies[COOKIE_NAME]
    sign_out(admin_client)
    anonymous = admin_client.cookies[COOKIE_NAME]
    assert sign_in(admin_client).status_code == 303
    after = admin_client.cookies[COOKIE_NAME]
    assert len({before, anonymous, after}) == 3  # no fixation: sign-in never keeps an old id
    assert len(_sessions(runtime)) == 1


def test_a_replayed_cookie_opens_nothing_after_sign_out(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    cookie = admin_client.cookies[COOKIE_NAME]
    old_csrf = csrf_of(admin_client, "/settings")
    assert sign_out(admin_client).status_code == 303
    assert _sessions(runtime) == []

    with _replay(settings, runtime, cookie) as thief:
        page = thief.get("/settings", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login"
        made = thief.post(
            "/settings/tokens",
            data={"csrf_token": old_csrf, "name": "stolen"},
            follow_redirects=False,
        )
        assert made.status_code == 303 and made.headers["location"] == "/login"
    assert _tokens(runtime) == 0


def test_a_replayed_cookie_works_only_while_the_session_lives(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    """The control for the test above: the same replay, before sign-out, is signed in."""
    with _replay(settings, runtime, admin_client.cookies[COOKIE_NAME]) as twin:
        assert _signed_in(twin)


def test_changing_the_password_ends_every_session(
    admin_client: TestClient, cli: Cli, runtime: Runtime
) -> None:
    cli.ok("admin", "set-password", "--username", ADMIN, input="a brand new password\n" * 2)
    assert _sessions(runtime) == []
    assert not _signed_in(admin_client)


def test_cli_sign_out_everywhere_ends_all_sessions(
    admin_client: TestClient, settings: Settings, runtime: Runtime, cli: Cli
) -> None:
    with _client(settings, runtime) as second:
        assert sign_in(second).status_code == 303
        assert _signed_in(admin_client) and _signed_in(second)
        assert len(_sessions(runtime)) == 2

        output = cli.ok("admin", "sign-out-everywhere").output
        assert output.strip() == "signed out everywhere: 2 sessions ended"
        assert not _signed_in(admin_client) and not _signed_in(second)
    assert _sessions(runtime) == []
    assert cli.ok("admin", "sign-out-everywhere").output.strip().endswith(": 0 sessions ended")


def test_sign_out_everywhere_from_the_page(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    with _client(settings, runtime) as second:
        assert sign_in(second).status_code == 303
        assert 'action="/logout/everywhere"' in admin_client.get("/settings").text
        token = csrf_of(admin_client, "/")
        response = admin_client.post(
            "/logout/everywhere", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"] == "/login"
        assert not _signed_in(admin_client) and not _signed_in(second)
    assert _sessions(runtime) == []


def test_sign_out_everywhere_needs_a_session_and_the_csrf_token(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    refused = admin_client.post("/logout/everywhere", data={"csrf_token": "x"})
    assert refused.status_code == 403
    with _client(settings, runtime) as anonymous:
        token = csrf_of(anonymous, "/login")
        response = anonymous.post(
            "/logout/everywhere", data={"csrf_token": token}, follow_redirects=False
        )
        assert response.headers["location"] == "/login"
    assert _signed_in(admin_client)


def test_an_expired_session_opens_nothing_and_is_purged(
    settings: Settings, runtime: Runtime, admin_client: TestClient
) -> None:
    with transaction(runtime.sessions) as session:
        admin_id = session.scalar(select(AdminUser.id))
        assert admin_id is not None
        long_ago = utcnow() - SESSION_LIFETIME - timedelta(minutes=1)
        stale = start_session(session, admin_id, now=long_ago)
        assert resolve_session(session, stale) is None
    with _replay(settings, runtime, stale) as late:
        assert not _signed_in(late)
    assert len(_sessions(runtime)) == 2
    sign_in(admin_client)  # starting a session deletes the expired ones
    assert len(_sessions(runtime)) == 2  # the fixture's and this one; the stale one went


def test_cookie_flags(admin_client: TestClient) -> None:
    sign_out(admin_client)
    cookie = sign_in(admin_client).headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert flags == {"path=/", f"max-age={int(SESSION_LIFETIME.total_seconds())}", "httponly",
                     "samesite=lax"}  # fmt: skip


def test_cookie_is_secure_over_https(settings: Settings, runtime: Runtime) -> None:
    with TestClient(create_app(settings, runtime=runtime), base_url="https://testserver") as c:
        assert "; secure" in c.get("/setup").headers["set-cookie"].lower()


def test_api_calls_and_static_files_get_no_cookie(admin_client: TestClient) -> None:
    admin_client.cookies.clear()
    assert "set-cookie" not in admin_client.get("/api/v1/sites").headers
    assert "set-cookie" not in admin_client.get("/static/app.css").headers


def test_other_cookies_of_the_host_do_not_hide_the_session(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    """Another app on the same host may set cookies http.cookies refuses to parse."""
    sid = admin_client.cookies[COOKIE_NAME]
    header = f'prefs={{"a": 1}}; weird=a b c; {COOKIE_NAME}={sid}; other="unclosed'
    with _client(settings, runtime) as browser:
        page = browser.get("/settings", headers={"Cookie": header}, follow_redirects=False)
        assert page.status_code == 200


@pytest.mark.parametrize("cookie", ["", "short", "x" * 43 + "!", "a" * 4000, '"quoted"', "a" * 43])
def test_odd_cookies_are_no_session(settings: Settings, runtime: Runtime, cookie: str) -> None:
    with _replay(settings, runtime, cookie) as odd:
        response = odd.get("/", follow_redirects=False)
        assert response.status_code == 303  # to /setup or /login, never an error
