"""Helpers shared by the admin page tests (no tests here): a signed-in client, rows made
directly in the database (accounts, cards, tasks, attempts, bookings, log lines), and the
CSRF-carrying form post."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from test_web_helpers import csrf_of, setup_admin

from autobook.config import Settings
from autobook.db.accounts import create_account, create_payment_profile
from autobook.db.models import Attempt, AttemptStep, Booking, SystemLog, Task
from autobook.db.session import transaction
from autobook.db.tasks import create_task
from autobook.domain.accounts import AccountCreate, PaymentProfileCreate
from autobook.domain.taskspec import TaskCreate
from autobook.runtime import Runtime
from autobook.sites.registry import site_info
from autobook.web.app import create_app

SITE_PASSWORD = "Pa55-site-secret-UI"
CARD_NUMBER = "4000056655665556"
CVV = "7391"


def signed_in(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """A client of the app signed in as the admin (for each module's `client` fixture)."""
    with TestClient(create_app(settings, runtime=runtime)) as c:
        assert setup_admin(c).status_code == 303
        yield c


def post(client: TestClient, path: str, data: dict[str, Any] | None = None, **kw: Any):
    """A form POST with this session's CSRF token, not following the redirect."""
    form = {"csrf_token": csrf_of(client, "/settings"), **(data or {})}
    return client.post(path, data=form, follow_redirects=False, **kw)


def add_account(runtime: Runtime, site: str = "gym", login: str = "alex@example.com") -> int:
    data = AccountCreate(site=site, display_name=login.split("@")[0].title(), login=login,
                         password=SecretStr(SITE_PASSWORD))  # fmt: skip
    with transaction(runtime.sessions) as session:
        return create_account(session, data=data, vault=runtime.vault).id


def add_card(runtime: Runtime) -> int:
    data = PaymentProfileCreate(alias="Debit", cardholder_name="Alex Member",
                                card_number=SecretStr(CARD_NUMBER), expiry_month="12",
                                expiry_year="2031", cvv=SecretStr(CVV), store_cvv=True)  # fmt: skip
    with transaction(runtime.sessions) as session:
        return create_payment_profile(session, data=data, vault=runtime.vault).id


def future_day(days: int = 3) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


def add_task(runtime: Runtime, **fields: Any) -> int:
    values: dict[str, Any] = {"site": "gym", "venue": "X1", "sub_location": "A",
                              "activity": "gym-60min", "target_date": future_day(),
                              "times": ["07:00", "08:00"], "payment_method": "benefit"}  # fmt: skip
    values.update(fields)
    with transaction(runtime.sessions) as session:
        return create_task(session, TaskCreate(**values), site_info=site_info).id


def set_status(runtime: Runtime, task_id: int, status: str, **columns: Any) -> None:
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.status = status
        for name, value in columns.items():
            setattr(task, name, value)


def add_attempt(runtime: Runtime, task_id: int, shot: str | None = None) -> int:
    """A finished attempt with three timed steps, the last with a screenshot."""
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        attempt = Attempt(task_id=task_id, worker="test", started_at=now, finished_at=now,
                          outcome="booked")  # fmt: skip
        session.add(attempt)
        session.flush()
        for seq, (name, ms) in enumerate([("login", 120), ("find", 45), ("confirm", 300)]):
            step = AttemptStep(attempt_id=attempt.id, seq=seq, name=name, status="ok",
                               duration_ms=ms, detail=f"{name} detail",
                               screenshot_path=shot if name == "confirm" else None)  # fmt: skip
            session.add(step)
        return attempt.id


def add_booking(runtime: Runtime, **fields: Any) -> int:
    values: dict[str, Any] = {"site": "gym", "venue": "X1", "court": "A",
                              "reference": "GYM-ABC123", "price": "£0.00",
                              "starts_at": datetime.now(UTC) + timedelta(days=2),
                              "status": "confirmed"}  # fmt: skip
    values.update(fields)
    with transaction(runtime.sessions) as session:
        booking = Booking(**values)
        session.add(booking)
        session.flush()
        return booking.id


def add_log(runtime: Runtime, level: str, source: str, message: str, task_id: int | None = None):
    with transaction(runtime.sessions) as session:
        session.add(SystemLog(level=level, source=source, message=message, task_id=task_id))


def task_status(runtime: Runtime, task_id: int) -> str | None:
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        return task.status if task else None
