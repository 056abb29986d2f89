"""Helpers for the REST API tests (no tests here): a signed-in API client and rows the worker
would write (attempts, bookings, a task moved to a running status)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from test_web_helpers import make_token

from autobook.config import Settings
from autobook.db.models import Attempt, AttemptStep, Booking, Task
from autobook.db.session import make_engine, transaction
from autobook.runtime import Runtime, open_runtime
from autobook.vault import generate_key
from autobook.web.app import create_app
from conftest import _empty_tables
from engine_support import add_account, add_card, add_task

__all__ = ["add_account", "add_card", "add_task"]

FUTURE = date.today() + timedelta(days=20)
GYM_TASK: dict[str, Any] = {
    "site": "gym",
    "venue": "Fitness",
    "target_date": FUTURE.isoformat(),
    "times": ["7pm", "20:00"],
    "payment_method": "benefit",
}
# Gym members pay with their benefit only; a task paying by card or credit goes to Better.
BETTER_TASK: dict[str, Any] = {
    "site": "better",
    "venue": "hendon-leisure-centre",
    "activity": "badminton-60min",
    "target_date": FUTURE.isoformat(),
    "times": ["7pm", "20:00"],
    "payment_method": "credit",
}


@contextmanager
def api_client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """A client of the app on the test's database, sending a fresh bearer token."""
    with TestClient(create_app(settings, runtime=runtime)) as client:
        client.headers["Authorization"] = f"Bearer {make_token(runtime)}"
        yield client


def empty_tables(settings: Settings) -> None:
    """Start a module-scoped runtime from empty tables, as the `runtime` fixture does."""
    engine = make_engine(settings.sqlalchemy_url)
    _empty_tables(engine)
    engine.dispose()


@pytest.fixture(scope="module", name="shared")
def shared_fixture(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One runtime for a module's table of cases that write nothing (each one checks that);
    a module imports it to use it as `shared`."""
    with module_runtime(db_url, tmp_path_factory.mktemp("data")) as runtime:
        yield runtime


@contextmanager
def module_runtime(db_url: str, data_dir: Path) -> Iterator[Runtime]:
    """A runtime on emptied tables for a whole module of cases that write nothing (or only
    what the module set up): the `runtime` fixture's start, paid once instead of per case."""
    settings = Settings(AUTOBOOK_DATA_DIR=data_dir, DATABASE_URL=db_url,
                        ENCRYPTION_KEY=generate_key())  # fmt: skip
    empty_tables(settings)
    runtime = open_runtime(settings, migrate=False)
    try:
        yield runtime
    finally:
        runtime.close()


def force_status(runtime: Runtime, task_id: int, status: str) -> None:
    """Put a task in `status` as the worker would (bypassing the transition table)."""
    with transaction(runtime.sessions) as session:
        session.execute(update(Task).where(Task.id == task_id).values(status=status))


def add_booking(runtime: Runtime, **fields: Any) -> int:
    values: dict[str, Any] = {
        "site": "gym",
        "venue": "Fitness",
        "starts_at": datetime.now(UTC) + timedelta(days=2),
        "status": "confirmed",
        "reference": "GYM-1",
        "price": "£0.00",
    }
    values.update(fields)
    with transaction(runtime.sessions) as session:
        booking = Booking(**values)
        session.add(booking)
        session.flush()
        return booking.id


def add_attempt(runtime: Runtime, task_id: int, outcome: str | None, **fields: Any) -> int:
    with transaction(runtime.sessions) as session:
        finished = datetime.now(UTC) if outcome else None
        attempt = Attempt(task_id=task_id, outcome=outcome, finished_at=finished, **fields)
        attempt.steps.append(AttemptStep(seq=1, name="login", status="ok", duration_ms=120))
        session.add(attempt)
        session.flush()
        return attempt.id
