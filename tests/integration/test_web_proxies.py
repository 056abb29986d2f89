"""AUTOBOOK_TRUSTED_PROXIES over real loopback HTTP (uvicorn as `autobook serve` runs it):
X-Forwarded-For and X-Forwarded-Proto count only from a listed proxy, for the failed-login
limit, the Secure cookie flag and the access log."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from autobook.config import Settings
from autobook.db.auth import set_admin_password
from autobook.db.session import transaction
from autobook.runtime import Runtime, open_runtime
from autobook.sandbox.runner import free_port
from autobook.web.app import create_app
from autobook.web.proxies import UVICORN_OPTIONS

ADMIN, PASSWORD = "owner", "correct horse battery"
LIMIT = 3
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """SQLite is enough: what is tested is who the client is, not what is stored."""
    settings = Settings(
        AUTOBOOK_DATA_DIR=tmp_path_factory.mktemp("data"),
        AUTOBOOK_LOGIN_ATTEMPTS_PER_MINUTE=LIMIT,
    )
    rt = open_runtime(settings)
    with transaction(rt.sessions) as session:
        set_admin_password(session, username=ADMIN, password=PASSWORD)
    yield rt
    rt.close()


@contextmanager
def serving(runtime: Runtime, trusted: str = "") -> Iterator[str]:
    """The app behind a real uvicorn on 127.0.0.1, configured as `autobook serve` does."""
    settings = runtime.settings.model_copy(update={"trusted_proxies": trusted})
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, runtime=runtime),
        host="127.0.0.1", port=port, log_config=None, **UVICORN_OPTIONS,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    ready = threading.Event()
    while not server.started and thread.is_alive():
        ready.wait(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _login(url: str, password: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        token = _CSRF.search(client.get("/login").text)
        assert token, "no CSRF field on /login"
        form = {"csrf_token": token.group(1), "username": ADMIN, "password": password}
        return client.post("/login", data=form)


def _xff(address: str, proto: str | None = None) -> dict[str, str]:
    headers = {"X-Forwarded-For": address}
    return headers | ({"X-Forwarded-Proto": proto} if proto else {})


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8,192.0.2.7"])
def test_forwarded_for_from_an_untrusted_peer_changes_nothing(
    runtime: Runtime, trusted: str
) -> None:
    """The issue's attack: a new X-Forwarded-For per guess. The peer (127.0.0.1) is not
    listed, so every guess counts against it, and so does the right password afterwards."""
    with serving(runtime, trusted) as url:
        for n in range(LIMIT):
            assert _login(url, "wrong", **_xff(f"203.0.113.{n}")).status_code == 400
        assert _login(url, "wrong", **_xff("203.0.113.99")).status_code == 429
        assert _login(url, PASSWORD, **_xff("198.51.100.1")).status_code == 429
        assert _login(url, PASSWORD).status_code == 429


def test_forwarded_for_from_a_trusted_proxy_names_the_client(runtime: Runtime) -> None:
    with serving(runtime, "127.0.0.0/8") as url:
        for _ in range(LIMIT):
            assert _login(url, "wrong", **_xff("203.0.113.1")).status_code == 400
        assert _login(url, "wrong", **_xff("203.0.113.1")).status_code == 429
        # A client that forges the header gets the proxy's hop appended: the forged part,
        # left of the last untrusted address, is ignored.
        assert _login(url, PASSWORD, **_xff("198.51.100.5, 203.0.113.1")).status_code == 429
        # Another client behind the same proxy is not locked out by the first one.
        assert _login(url, PASSWORD, **_xff("203.0.113.2")).status_code == 303


def _session_cookie(url: str, **headers: str) -> str:
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        return client.get("/login").headers["set-cookie"].lower()


def test_forwarded_proto_sets_the_secure_flag_only_from_a_trusted_proxy(
    runtime: Runtime,
) -> None:
    with serving(runtime, "127.0.0.1") as url:
        assert "; secure" in _session_cookie(url, **_xff("203.0.113.3", "https"))
        assert "; secure" not in _session_cookie(url, **_xff("203.0.113.3", "http"))
    with serving(runtime) as url:
        assert "; secure" not in _session_cookie(url, **_xff("203.0.113.3", "https"))


def test_the_access_log_names_the_client_only_behind_a_trusted_proxy(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    with serving(runtime, "127.0.0.1") as url:
        httpx.get(f"{url}/health?trusted", headers=_xff("203.0.113.4"))
    with serving(runtime) as url:
        httpx.get(f"{url}/health?untrusted", headers=_xff("203.0.113.5"))
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("203.0.113.4" in line and "trusted" in line for line in lines), lines
    [untrusted] = [line for line in lines if "untrusted" in line]
    assert "127.0.0.1" in untrusted and "203.0.113.5" not in untrusted


@pytest.mark.parametrize("value", ["*", "proxy.local", "10.0.0.0/33", "127.0.0.1, nope"])
def test_trusted_proxies_must_be_addresses_or_networks(value: str) -> None:
    with pytest.raises(ValidationError, match="AUTOBOOK_TRUSTED_PROXIES"):
        Settings(AUTOBOOK_TRUSTED_PROXIES=value)


def test_trusted_proxies_setting_is_parsed() -> None:
    settings = Settings(AUTOBOOK_TRUSTED_PROXIES=" 10.0.0.0/8 , ::1,, 192.0.2.7 ")
    assert settings.trusted_proxy_list == ["10.0.0.0/8", "::1", "192.0.2.7"]
    assert Settings().trusted_proxy_list == []


def test_serve_and_demo_turn_uvicorns_own_proxy_headers_off(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn believes 127.0.0.1 by default: that is the hole the setting closes."""
    from click.testing import CliRunner

    from autobook import cli
    from autobook.cli import main

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(cli, "setup_logging", lambda settings: [])  # keep this process's logging
    env = {"AUTOBOOK_DATA_DIR": str(runtime.settings.data_dir), "DATABASE_URL": None}
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port())], env=env)
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False
