"""Admin authentication of the HTML pages: first-run setup, sign in and out, the session
cookie, CSRF on every form, and the failed-login limit (server-side sessions: test_web_sessions)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_web_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    csrf_of,
    row_counts,
    setup_admin,
    sign_in,
    sign_out,
)

from autobook.config import Settings
from autobook.db.auth import set_admin_password
from autobook.db.models import AdminUser
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app
from autobook.web.ratelimit import WINDOW_S, LoginRateLimiter
from autobook.web.session_cookie import COOKIE_NAME


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime=runtime)) as c:
        yield c


@pytest.fixture
def admin_client(client: TestClient) -> TestClient:
    assert setup_admin(client).status_code == 303
    return client


def _admins(runtime: Runtime) -> list[str]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(AdminUser.username)))


def test_fresh_install_sends_every_page_to_setup(client: TestClient) -> None:
    for path in ("/", "/login"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert 'name="password_confirm"' in page.text


def test_setup_creates_the_admin_and_signs_in(client: TestClient, runtime: Runtime) -> None:
    response = setup_admin(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert _admins(runtime) == [ADMIN]
    home = client.get("/")
    assert home.status_code == 200
    assert f'data-testid="current-user">{ADMIN}<' in home.text
    assert 'action="/logout"' in home.text


def test_setup_is_closed_once_an_admin_exists(admin_client: TestClient, runtime: Runtime) -> None:
    response = admin_client.get("/setup", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    again = setup_admin(admin_client, username="intruder", password="another long one")
    assert again.status_code == 303 and again.headers["location"] == "/login"
    assert _admins(runtime) == [ADMIN]


@pytest.mark.parametrize(
    ("username", "password", "confirm", "field"),
    [
        ("owner", "short", "short", "password"),
        ("owner", "long enough pw", "different pw!", "password_confirm"),
        ("", "long enough pw", "long enough pw", "username"),
        ("<script>x</script>", "long enough pw", "long enough pw", "username"),
        ("owner", "p" * 2000, "p" * 2000, "password"),
    ],
)
def test_setup_rejects_bad_input_and_writes_nothing(
    client: TestClient, runtime: Runtime, username: str, password: str, confirm: str, field: str
) -> None:
    before = row_counts(runtime)
    form = {
        "csrf_token": csrf_of(client, "/setup"),
        "username": username,
        "password": password,
        "password_confirm": confirm,
    }
    response = client.post("/setup", data=form)
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.text
    assert password not in response.text and "<script>x" not in response.text
    assert row_counts(runtime) == before


def test_sign_out_and_in_again(admin_client: TestClient) -> None:
    response = sign_out(admin_client)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert admin_client.get("/", follow_redirects=False).headers["location"] == "/login"

    wrong = sign_in(admin_client, password="not the password")
    assert wrong.status_code == 400
    assert "Wrong username or password" in wrong.text
    assert admin_client.get("/", follow_redirects=False).status_code == 303
    unknown = sign_in(admin_client, username="nobody")
    assert unknown.status_code == 400 and "Wrong username or password" in unknown.text

    right = sign_in(admin_client)
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert admin_client.get("/").status_code == 200


def test_session_cookie_is_httponly_lax_and_unguessable(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    cookie = sign_in(admin_client).headers["set-cookie"]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags

    forged = TestClient(create_app(settings, runtime=runtime))
    value = cookie.split(";")[0].split("=", 1)[1]
    forged.cookies.set(COOKIE_NAME, value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB"))
    assert forged.get("/", follow_redirects=False).headers["location"] == "/login"


def test_secure_cookies_setting_marks_the_cookie_secure(
    settings: Settings, runtime: Runtime
) -> None:
    secure = settings.model_copy(update={"secure_cookies": True})
    with TestClient(create_app(secure, runtime=runtime), base_url="https://testserver") as c:
        cookie = c.get("/setup").headers["set-cookie"].lower()
    assert "; secure" in cookie and "httponly" in cookie


def test_changing_the_password_ends_other_sessions(
    admin_client: TestClient, runtime: Runtime
) -> None:
    assert admin_client.get("/").status_code == 200
    with transaction(runtime.sessions) as session:
        set_admin_password(session, username=ADMIN, password="a brand new password")
    assert admin_client.get("/", follow_redirects=False).headers["location"] == "/login"


@pytest.mark.parametrize("token", [None, "", "wrong-token", "x" * 5000])
@pytest.mark.parametrize("path", ["/login", "/logout", "/setup"])
def test_forms_without_the_right_csrf_token_are_refused(
    admin_client: TestClient, runtime: Runtime, path: str, token: str | None
) -> None:
    before = row_counts(runtime)
    form = {"username": ADMIN, "password": ADMIN_PASSWORD, "password_confirm": ADMIN_PASSWORD}
    if token is not None:
        form["csrf_token"] = token
    response = admin_client.post(path, data=form, follow_redirects=False)
    if path == "/setup" and response.status_code == 303:
        pytest.fail("setup accepted a form without a valid CSRF token")
    assert response.status_code == 403
    assert 'data-field="csrf_token"' in response.text and "reload the page" in response.text
    assert admin_client.get("/").status_code == 200  # still signed in: logout was refused
    assert row_counts(runtime) == before


def test_csrf_token_of_another_session_is_refused(
    admin_client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    other = TestClient(create_app(settings, runtime=runtime))
    foreign = csrf_of(other, "/login")
    response = admin_client.post("/logout", data={"csrf_token": foreign}, follow_redirects=False)
    assert response.status_code == 403
    assert admin_client.get("/").status_code == 200


def test_failed_logins_are_limited_per_minute(
    settings: Settings, runtime: Runtime, admin_client: TestClient
) -> None:
    sign_out(admin_client)
    admin_client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"login_attempts_per_minute": 3}
    )
    for _ in range(3):
        assert sign_in(admin_client, password="wrong password").status_code == 400
    limited = sign_in(admin_client, password="wrong password")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "Too many failed sign-ins" in limited.text
    # Even the right password waits: otherwise the limit would be an oracle.
    assert sign_in(admin_client).status_code == 429
    assert admin_client.get("/", follow_redirects=False).status_code == 303


def test_rate_limiter_window_slides_and_success_resets() -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(clock=lambda: now[0])
    for step in range(3):
        now[0] += step
        limiter.record_failure("10.0.0.1")
    assert limiter.retry_after("10.0.0.1", 3) == WINDOW_S - 3
    assert limiter.retry_after("10.0.0.2", 3) is None  # per address
    now[0] += WINDOW_S - 3  # the first failure leaves the window
    assert limiter.retry_after("10.0.0.1", 3) is None
    assert limiter.retry_after("10.0.0.1", 2) is not None  # two failures are still recent
    limiter.reset("10.0.0.1")
    assert limiter.retry_after("10.0.0.1", 2) is None


def test_unknown_page_is_an_html_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text
