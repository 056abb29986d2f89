"""Fixtures shared by every tier: a real headless Chromium and sandbox simulators on loopback."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import Engine, text

from autobook.chromium import launch_options
from autobook.config import Settings
from autobook.db import auth
from autobook.db.migrate import upgrade
from autobook.db.models import Base
from autobook.db.session import make_engine
from autobook.runtime import Runtime, open_runtime
from autobook.sandbox.core import BACKGROUND_ENV
from autobook.vault import generate_key

_PG = pytest.mark.postgres

# An admin password costs argon2's default (3 passes over 64 MiB, ~0.17 CPU-s), on purpose; the
# in-process tests sign in a few hundred times, so here they hash with the lightest parameters
# (the hashes stay argon2id, and verifying reads the parameters from each hash).
auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

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


# The tests that take 20 s or more (seconds from `scripts/test`'s slowest-durations list on
# this 2-core machine). xdist's worksteal hands each worker one contiguous share of the list
# and cannot take back a test that has started: a long one reached last stretches the whole
# run. So the long ones are spread over the shares (longest first, each to the lightest) and
# put at their starts.
LONG_TESTS = {
    "test_three_workers_book_200_tasks": 150,
    "test_killed_at_each_point_then_restarted_books_exactly_once[before_pay": 68,
    "test_killed_at_each_point_then_restarted_books_exactly_once[after_pay": 56,
    "test_a_watched_session_is_watched_again_after_a_kill": 52,
    "test_killed_at_each_point_then_restarted_books_exactly_once[after_record": 52,
    "test_two_guests_submit_one_slot_at_once[postgresql": 48,
    "test_killed_at_each_point_then_restarted_books_exactly_once[after_hold": 45,
    "test_engine_clinic.py::test_snipes_the_midnight_release": 42,
    "test_snipes_fire_after_the_release_and_win": 41,
    "test_killed_at_each_point_then_restarted_books_exactly_once[after_claim": 40,
    "test_two_guests_submit_one_slot_at_once[sqlite": 39,
    "test_eight_at_once_run_five_at_a_time": 38,
    "test_demo_starts_the_sandbox_seeds_and_serves": 33,
    "test_a_dead_workers_listings_are_taken_over": 32,
    "test_every_admin_page_passes_axe[phone": 32,
    "test_books_by_card_once_with_the_preferred_provider": 31,
    "test_a_handoff_task_ends_with_what_the_person_did": 25,
    "test_a_person_pays_on_the_handoff_url[": 25,
    "test_generated_payloads_get_one_answer": 23,
    "test_holds_fired_together_take_turns_and_keep_one": 23,
    "test_site_changed_fails_with_screenshot_html_and_selector": 23,
    "test_a_failing_listing_is_logged_once_and_its_recovery_once": 22,
    "test_every_admin_page_passes_axe[desktop": 22,
    "test_an_expired_session_is_slot_taken": 21,
}


def _long_estimate(item: pytest.Item) -> int:
    return next((s for name, s in LONG_TESTS.items() if name in item.nodeid), 0)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers < 2:
        return
    long = sorted((i for i in items if _long_estimate(i)), key=_long_estimate, reverse=True)
    rest = [i for i in items if not _long_estimate(i)]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for item in long:
        lightest = loads.index(min(loads))
        shares[lightest].append(item)
        loads[lightest] += _long_estimate(item)
    # The share sizes worksteal cuts: len(pending) // nodes_remaining, in turn.
    order: list[pytest.Item] = []
    remaining = len(items)
    for w, share in enumerate(shares):
        size = remaining // (workers - w)
        take = max(0, size - len(share))
        order += share + rest[:take]
        rest = rest[take:]
        remaining -= size
    items[:] = order + rest


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
