"""The data folder is private: folders 0700, files 0600 (keys, the SQLite database and its WAL,
the log and its rotations, screenshots and page dumps), whatever the process umask, and a
folder or database left world-readable by an older version is tightened on start."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.async_api import async_playwright
from sqlalchemy import text

from autobook.chromium import launch_options
from autobook.cli import main
from autobook.config import Settings
from autobook.datadir import private_dir, write_private
from autobook.engine.browsers import masked_screenshot, save_html
from autobook.logs import LOG_FILE_NAME, _PrivateRotatingFileHandler, setup_logging
from autobook.runtime import open_runtime
from autobook.web.app import create_app


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def lax_umask() -> Iterator[None]:
    """A permissive umask (the usual 022), so only explicit modes can make files private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in before]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def test_a_fresh_data_folder_is_private(tmp_path: Path, restore_logging: None) -> None:
    data = tmp_path / "data"
    settings = Settings(AUTOBOOK_DATA_DIR=data)
    runtime = open_runtime(settings)
    try:
        create_app(settings, runtime=runtime)  # makes session.key
        setup_logging(settings)
        logging.getLogger("autobook").warning("a line in the log")
        with runtime.engine.begin() as conn:  # a write, so the WAL exists
            conn.execute(text("CREATE TABLE IF NOT EXISTS perm_probe (x INTEGER)"))
        files = ["secret.key", "session.key", "autobook.db", "autobook.db-wal",
                 "autobook.db-shm", LOG_FILE_NAME]  # fmt: skip
        for name in files:
            assert (data / name).exists(), name
            assert _mode(data / name) == 0o600, name
        assert _mode(data) == 0o700
        assert {p.name for p in data.iterdir()} <= set(files)
    finally:
        runtime.close()


def test_a_world_readable_folder_and_database_are_tightened_on_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    runtime = open_runtime(Settings(AUTOBOOK_DATA_DIR=data))
    runtime.close()
    (data / "autobook.db").chmod(0o644)
    data.chmod(0o755)

    runtime = open_runtime(Settings(AUTOBOOK_DATA_DIR=data))
    runtime.close()
    assert _mode(data) == 0o700
    assert _mode(data / "autobook.db") == 0o600


def test_a_database_outside_the_data_folder_is_private_but_its_folder_untouched(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir(mode=0o755)
    elsewhere.chmod(0o755)
    db = elsewhere / "autobook.db"
    settings = Settings(AUTOBOOK_DATA_DIR=tmp_path / "data", DATABASE_URL=f"sqlite:///{db}")
    open_runtime(settings).close()
    assert _mode(db) == 0o600 and _mode(elsewhere) == 0o755


def test_rotated_log_files_are_private(tmp_path: Path) -> None:
    path = private_dir(tmp_path / "data") / LOG_FILE_NAME
    handler = _PrivateRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "x" * 150, None, None)
    for _ in range(5):
        handler.emit(record)
    handler.close()
    logs = sorted(p.name for p in path.parent.iterdir())
    assert logs == [LOG_FILE_NAME, f"{LOG_FILE_NAME}.1", f"{LOG_FILE_NAME}.2"]
    assert all(_mode(path.parent / name) == 0o600 for name in logs)


def test_write_private_replaces_atomically_and_tightens_a_stale_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.bin"
    stale = target.with_name("file.bin.tmp")
    private_dir(target.parent)
    stale.write_bytes(b"left by a crash")
    stale.chmod(0o644)
    write_private(target, b"new")
    assert target.read_bytes() == b"new" and _mode(target) == 0o600
    assert not stale.exists() and _mode(target.parent) == 0o700


def test_screenshots_and_page_dumps_are_private(tmp_path: Path) -> None:
    settings = Settings(AUTOBOOK_DATA_DIR=tmp_path / "data")

    async def capture() -> tuple[Path, Path]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())
            try:
                page = await browser.new_page()
                await page.set_content("<p>Booked: court 3</p><input type=password value=pw>")
                shot = await masked_screenshot(page, settings.screenshots_dir / "task1.png")
                html = await save_html(page, settings.diagnostics_dir / "task1-pay.html")
            finally:
                await browser.close()
        return shot, html

    shot, html = asyncio.run(capture())
    assert shot.read_bytes().startswith(b"\x89PNG") and "court 3" in html.read_text()
    for path in (shot, html):
        assert _mode(path) == 0o600 and _mode(path.parent) == 0o700


def test_the_cli_runs_with_umask_077(tmp_path: Path) -> None:
    env = {"AUTOBOOK_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": None}
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    current = os.umask(0o022)
    assert current == 0o077
