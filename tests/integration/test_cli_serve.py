"""`autobook serve` and `autobook sandbox` as real processes on loopback, like a user runs them."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from autobook.cli.demo_data import DEMO_TASKS
from autobook.config import Settings
from autobook.db.auth import authenticate, create_token
from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.runtime import Runtime, open_runtime
from autobook.sandbox.runner import SIM_CLASSES, free_port

AUTOBOOK = Path(sys.executable).with_name("autobook")  # the installed console script
START_TIMEOUT_S = 90.0  # generous: the machine may be busy running other suites


def _env(**values: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOBOOK_", "ENCRYPTION_"))}
    env.pop("DATABASE_URL", None)
    env.update({k: v for k, v in values.items() if v is not None})
    return env


@contextmanager
def _process(argv: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for_health(proc: subprocess.Popen[str], url: str) -> httpx.Response:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited with {proc.returncode}:\n{proc.stdout.read()}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer 200 within {START_TIMEOUT_S}s")


def _details(url: str, settings: Settings) -> dict:
    """/health's details, which need an API token (anonymous callers get the status only)."""
    runtime = open_runtime(settings, migrate=False)
    try:
        with transaction(runtime.sessions) as session:
            plaintext = create_token(session, name="health")[1]
    finally:
        runtime.close()
    return httpx.get(url, headers={"Authorization": f"Bearer {plaintext}"}, timeout=10).json()


def test_serve_on_a_fresh_data_folder_uses_sqlite_and_answers_health(tmp_path: Path) -> None:
    """The README's first run: no settings at all but a data folder."""
    data, port = tmp_path / "data", free_port()
    env = _env(AUTOBOOK_DATA_DIR=str(data))
    with _process([str(AUTOBOOK), "serve", "--port", str(port)], env, tmp_path) as proc:
        url = f"http://127.0.0.1:{port}/health"
        assert _wait_for_health(proc, url).json().keys() == {"status"}
        health = _details(url, Settings(AUTOBOOK_DATA_DIR=data))
        assert health["database"]["ok"] is True and health["database"]["dialect"] == "sqlite"
        proc.send_signal(signal.SIGTERM)  # uvicorn shuts down, then re-raises the signal
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in proc.stdout.read()
    assert (data / "autobook.db").is_file()
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("autobook.db", "autobook.log", "session.key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


def test_serve_on_each_database_with_settings_from_the_environment(
    runtime: Runtime, tmp_path: Path
) -> None:
    settings, port = runtime.settings, free_port()
    env = _env(
        AUTOBOOK_DATA_DIR=str(settings.data_dir),
        DATABASE_URL=settings.database_url,
        ENCRYPTION_KEY=settings.encryption_key,
        AUTOBOOK_PORT=str(port),  # the setting, not the flag, picks the port here
    )
    argv = [sys.executable, "-m", "autobook", "serve"]
    with _process(argv, env, tmp_path) as proc:
        url = f"http://127.0.0.1:{port}/health"
        _wait_for_health(proc, url)
        health = _details(url, settings)
        expected = "sqlite" if settings.sqlalchemy_url.startswith("sqlite") else "postgresql"
        assert health["database"] == health["database"] | {"ok": True, "dialect": expected}
    assert settings.encryption_key not in proc.stdout.read()


def test_serve_with_a_wrong_key_fails_with_a_clear_message(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The runtime fixture stored its key's canary; serving with another key must stop."""
    settings = runtime.settings
    env = _env(AUTOBOOK_DATA_DIR=str(settings.data_dir), DATABASE_URL=settings.database_url)
    wrong = "Qm9ndXNLZXlCb2d1c0tleUJvZ3VzS2V5Qm9ndXNLZXk="
    run = subprocess.run(
        [str(AUTOBOOK), "serve", "--port", str(free_port())],
        env={**env, "ENCRYPTION_KEY": wrong},
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.startswith("Error: ENCRYPTION_KEY does not match"), run.stderr
    assert "Traceback" not in run.stderr and wrong not in run.stderr + run.stdout


def test_sandbox_prints_every_origin_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    argv = [str(AUTOBOOK), "sandbox", "--seed", "demo"]
    with _process(argv, _env(), tmp_path) as proc:
        lines: list[list[str]] = []
        while not (line := proc.stdout.readline()).startswith("sandbox running"):
            assert line, f"sandbox exited early: {proc.wait()} {lines}"
            lines.append(line.split())
        assert {name for name, _origin, _url in lines} == set(SIM_CLASSES)
        for _name, _origin, url in lines:
            assert httpx.get(url + "/", timeout=10).status_code < 500
        proc.send_signal(signal.SIGINT)
        try:  # generous: a loaded CI machine starts and stops seven servers slowly
            code = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"the sandbox did not stop on Ctrl-C:\n{proc.stdout.read()[-3000:]}")
        assert code == 0


def test_demo_starts_the_sandbox_seeds_and_serves_the_dashboard(tmp_path: Path) -> None:
    port = free_port()
    data_dir = tmp_path / "demo-data"
    argv = [str(AUTOBOOK), "demo", "--data-dir", str(data_dir), "--port", str(port)]
    with _process(argv, _env(), tmp_path) as proc:
        lines: dict[str, list[str]] = {"sandbox": []}
        while "login" not in lines:
            line = proc.stdout.readline()
            assert line, f"demo exited early: {proc.wait()} {lines}"
            head, _, rest = line.strip().partition(" ")
            if head == "sandbox":
                lines["sandbox"].append(rest.split()[-1])
            elif head in {"seeded", "dashboard", "login"}:
                lines[head] = rest.split()
        assert len(lines["sandbox"]) >= len(SIM_CLASSES)
        for url in lines["sandbox"]:
            assert httpx.get(url + "/_sandbox/clock", timeout=10).status_code == 200
        assert lines["dashboard"] == [f"http://127.0.0.1:{port}/"]
        assert _wait_for_health(proc, f"http://127.0.0.1:{port}/health").json()["status"]
        username, _slash, password = lines["login"]
        settings = Settings(AUTOBOOK_DATA_DIR=data_dir)
        runtime = open_runtime(settings, migrate=False)
        try:
            with transaction(runtime.sessions) as session:
                assert authenticate(session, username=username, password=password)
                assert session.scalar(select(func.count()).select_from(Task)) == len(DEMO_TASKS)
        finally:
            runtime.close()
        assert int(lines["seeded"][0]) > 0
