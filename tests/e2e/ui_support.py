"""Helpers for the admin-page e2e tests (no tests here): a served app with a little of
everything on it, a context that can inject test tooling, and a signed-in page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from autobook.db.models import Attempt, AttemptStep, Booking
from autobook.db.session import transaction
from autobook.runtime import Runtime
from engine_support import add_account, add_card, add_task, app_server, tomorrow

ADMIN, ADMIN_PASSWORD = "owner", "a long admin passphrase"


def seed(runtime: Runtime) -> int:
    """An account, a card, a task with a finished attempt and its booking; the task's id."""
    account = add_account(runtime, "better", "ann@example.com", "better-pass-1", "Ann")
    add_card(runtime)
    task = add_task(runtime, site="better", venue="hendon-leisure-centre",
                    activity="badminton-60min", target_date=tomorrow() + timedelta(days=5),
                    times=["19:00", "20:00"], account_ids=[account],
                    payment_method="credit")  # fmt: skip
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        attempt = Attempt(task_id=task, account_id=account, outcome="booked", finished_at=now)
        for seq, name in enumerate(("login", "find", "hold", "pay", "confirm"), start=1):
            attempt.steps.append(AttemptStep(seq=seq, name=name, status="ok", duration_ms=90,
                                             detail=f"{name} went fine"))  # fmt: skip
        session.add(attempt)
        session.add(Booking(task_id=task, account_id=account, site="better",
                            venue="hendon-leisure-centre", court="Court 3",
                            starts_at=now + timedelta(days=6), status="confirmed",
                            reference="BK-1", price="£14.00", booked_at=now))  # fmt: skip
    return task


@pytest.fixture
def served(runtime: Runtime) -> Iterator[tuple[str, int]]:
    """The app on loopback with `seed`'s rows: (base URL, the task's id)."""
    task = seed(runtime)
    with app_server(runtime) as url:
        yield url, task


@pytest.fixture
def tooling(browser: Browser) -> Iterator[BrowserContext]:
    """A context whose pages accept injected scripts (the pages' CSP forbids inline code)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def first_run(page: Page, url: str) -> None:
    page.goto(url + "/setup")
    page.get_by_label("Username").fill(ADMIN)
    page.get_by_label("Password", exact=False).first.fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create admin and sign in").click()
    expect(page).to_have_url(f"{url}/")
