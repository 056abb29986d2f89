"""GET /health on a real database (the status for anyone, the details for the admin's session or
an API token); the app's own runtime from its lifespan; security headers on every kind of
response; the static files."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from test_web_helpers import make_token, setup_admin, sign_out

from autobook.chromium import browser_available, system_chromium
from autobook.config import Settings
from autobook.db.migrate import current_revision
from autobook.db.models import Meta
from autobook.db.session import make_engine, session_factory, transaction
from autobook.runtime import Runtime
from autobook.web.app import create_app
from autobook.web.health import HEARTBEAT_KEY
from autobook.web.middleware import SECURITY_HEADERS

NO_RESTARTS = {"restarts": 0, "last_restart": None}


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """Signed in with an API token: /health answers with its details."""
    with TestClient(create_app(settings, runtime=runtime)) as c:
        c.headers["Authorization"] = f"Bearer {make_token(runtime)}"
        yield c


@pytest.fixture
def anonymous(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime=runtime)) as c:
        yield c


def test_anonymous_health_is_the_status_only(anonymous: TestClient, runtime: Runtime) -> None:
    expected = "ok" if browser_available() else "degraded"
    assert anonymous.get("/health").json() == {"status": expected}
    _beat(runtime, (datetime.now(UTC) - timedelta(minutes=10)).isoformat())
    stale = anonymous.get("/health")
    assert stale.status_code == 200 and stale.json() == {"status": "degraded"}
    for bad in ("Bearer abk_not-a-token", "Bearer x", "Basic b3duZXI6cHc="):
        assert anonymous.get("/health", headers={"Authorization": bad}).json().keys() == {"status"}
    path = system_chromium()
    assert path is None or path not in anonymous.get("/health").text


def test_health_details_for_the_signed_in_admin(anonymous: TestClient) -> None:
    assert setup_admin(anonymous).status_code == 303
    body = anonymous.get("/health").json()
    assert body.keys() == {"status", "database", "worker", "browser"}
    sign_out(anonymous)
    assert anonymous.get("/health").json().keys() == {"status"}


def _beat(runtime: Runtime, value: str) -> None:
    with transaction(runtime.sessions) as session:
        session.merge(Meta(key=HEARTBEAT_KEY, value=value))


def test_health_reports_database_worker_and_browser(client: TestClient, runtime: Runtime) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {
        "ok": True,
        "dialect": runtime.engine.dialect.name,
        "revision": current_revision(runtime.engine),
    }
    assert body["database"]["revision"]
    assert body["worker"] == {"heartbeat_at": None, "ok": False, **NO_RESTARTS}
    assert body["browser"] == {"available": browser_available(), "path": system_chromium()}
    assert body["status"] == ("ok" if browser_available() else "degraded")


def test_fresh_heartbeat_is_ok_and_stale_one_degrades(client: TestClient, runtime: Runtime) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    _beat(runtime, now.isoformat())
    worker = client.get("/health").json()["worker"]
    beat = now.isoformat().replace("+00:00", "Z")
    assert worker == {"heartbeat_at": beat, "ok": True, **NO_RESTARTS}

    _beat(runtime, (now - timedelta(minutes=10)).isoformat())
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["worker"]["ok"] is False
    assert response.json()["status"] == "degraded"

    _beat(runtime, "not a time")
    worker = client.get("/health").json()["worker"]
    assert worker == {"heartbeat_at": None, "ok": False, **NO_RESTARTS}


def test_unreachable_database_answers_503(settings: Settings, runtime: Runtime) -> None:
    # A real engine pointed where nothing answers: a missing folder, or a closed port.
    url = (
        "sqlite:////nonexistent-autobook-dir/x.db"
        if runtime.engine.dialect.name == "sqlite"
        else "postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    engine = make_engine(url)
    broken = Runtime(settings, engine, session_factory(engine), runtime.vault)
    with TestClient(create_app(settings, runtime=broken)) as c:
        c.headers["Authorization"] = f"Bearer {make_token(runtime)}"
        response = c.get("/health")
    engine.dispose()
    assert response.status_code == 503
    # The token cannot be checked without the database: the caller gets the status only.
    assert response.json() == {"status": "degraded"}


def test_app_opens_and_closes_its_own_runtime(settings: Settings, runtime: Runtime) -> None:
    app = create_app(settings)
    with TestClient(app) as c:
        assert c.get("/health").status_code == 200
        own = app.state.runtime
        assert own is not runtime and own.settings is settings
    key_file = settings.session_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first_key = key_file.read_text()
    assert len(first_key.strip()) >= 40
    with TestClient(create_app(settings)) as c:  # the key is reused, not remade
        assert c.get("/health").status_code == 200
    assert key_file.read_text() == first_key


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health"),
        ("GET", "/setup"),
        ("GET", "/"),
        ("GET", "/no-such-page"),
        ("GET", "/api/v1/accounts"),
        ("POST", "/login"),
        ("GET", "/static/app.css"),
        ("GET", "/openapi.json"),
    ],
)
def test_security_headers_on_every_response(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, (path, name)
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"


def test_docs_page_allows_its_inline_script_by_hash_only(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    script_src = next(
        part
        for part in response.headers["content-security-policy"].split(";")
        if part.strip().startswith("script-src")
    )
    assert "'sha256-" in script_src and "unsafe-inline" not in script_src
    assert response.headers["x-frame-options"] == "DENY"


def test_static_files_are_served(client: TestClient) -> None:
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert "javascript" in htmx.headers["content-type"]
    assert htmx.text.startswith("/*! htmx 2.") and "Zero-Clause BSD" in htmx.text[:300]
    css = client.get("/static/app.css")
    assert css.status_code == 200 and "@media" in css.text
