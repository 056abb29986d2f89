"""Fixtures shared by every tier: a real headless Chromium and sandbox simulators on loopback."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import Engine, text

from autobook.chromium import launch_options
from autobook.config import Settings
from autobook.db.migrate import upgrade
from autobook.db.models import Base
from autobook.db.session import make_engine
from autobook.runtime import Runtime, open_runtime
from autobook.sandbox.core import BACKGROUND_ENV
from autobook.vault import generate_key

_PG = pytest.mark.postgres

# Simulators start with every slot free (no lived-in background, which depends on the date):
# each test takes or frees the slots it relies on through the admin API. Subprocesses inherit it.
os.environ.setdefault(BACKGROUND_ENV, "off")


def pytest_report_header() -> str:
    """Which date the run is on: scripts/test-dates moves the clock (tests/clockshift)."""
    if os.environ.get("AUTOBOOK_TEST_CLOCK_OFFSET"):
        import sitecustomize  # the clock mover, on PYTHONPATH for such runs

        if not getattr(sitecustomize, "SHIFTED", False):
            raise pytest.UsageError("AUTOBOOK_TEST_CLOCK_OFFSET is set but the clock did not move")
    now = datetime.now(ZoneInfo("Europe/London"))
    return f"clock: {now:%Y-%m-%d %H:%M %Z} (Europe/London)"


# Module scope, not session: the sync API keeps an event loop running in the main thread while
# it is open, and `asyncio.run` (the engine's tests) refuses to start inside one.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(**launch_options())
        yield b
        b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# --- databases: every database test runs on SQLite and on PostgreSQL ---------------------------

PG_ADMIN_URL = os.environ.get("AUTOBOOK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


def _pg_admin(sql: str) -> None:
    engine = make_engine(Settings(DATABASE_URL=PG_ADMIN_URL).sqlalchemy_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=_PG)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database of each kind, created for this test session and dropped after."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'autobook.db'}"
        upgrade(make_engine(url))
        yield url
        return
    name = f"autobook_test_{os.getpid()}_{secrets.token_hex(3)}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    engine = make_engine(Settings(DATABASE_URL=url).sqlalchemy_url)
    upgrade(engine)
    engine.dispose()
    yield url
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own data folder, a fresh key, the session's database."""
    return Settings(
        AUTOBOOK_DATA_DIR=tmp_path / "data",
        DATABASE_URL=db_url,
        ENCRYPTION_KEY=generate_key(),
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """An opened runtime on an emptied database."""
    engine = make_engine(settings.sqlalchemy_url)
    _empty_tables(engine)
    engine.dispose()
    rt = open_runtime(settings, migrate=False)
    yield rt
    rt.close()
