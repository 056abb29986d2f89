"""Helpers for tests that run the real engine, the adapters or the web app against the sandbox
simulators: fixture factories and resets for the simulators, accounts, cards and tasks to run,
and the checks that every site's tests share."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr

from autobook.config import Settings
from autobook.db.accounts import create_account, create_payment_profile
from autobook.db.models import Attempt, AttemptStep, Booking, Task
from autobook.db.session import transaction
from autobook.db.tasks import create_task
from autobook.domain.accounts import AccountCreate, PaymentProfileCreate
from autobook.domain.booking import Credentials
from autobook.domain.statuses import TaskStatus
from autobook.domain.taskspec import TaskCreate
from autobook.engine.attempt import AttemptResult, run_attempt
from autobook.engine.browsers import BrowserPool
from autobook.engine.snipe import run_snipe
from autobook.runtime import Runtime
from autobook.sandbox.estelle.site import DEMO_USERS as ESTELLE_USERS
from autobook.sandbox.runner import SIM_CLASSES, Sandbox, ServerThread, load_sim, settings_for
from autobook.sites.base import AdapterContext, SiteAdapter
from autobook.sites.registry import site_info
from autobook.web.app import create_app

A = TypeVar("A", bound=SiteAdapter)
T = TypeVar("T")
M = TypeVar("M")

LONDON = ZoneInfo("Europe/London")
# For browser runs that exercise a site rather than the database: what the engine writes is
# covered on both databases by its own tests, and these runs are the suite's slowest.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def tomorrow() -> date:
    """Tomorrow in London, on the real clock (every simulator is on London time)."""
    return datetime.now(LONDON).date() + timedelta(days=1)


def clinic_thursday() -> date:
    """A Thursday at least two days ahead: the clinic is open, Brandi and Alex both work."""
    day = datetime.now(LONDON).date() + timedelta(days=2)
    return day + timedelta(days=(3 - day.weekday()) % 7)


def as_utc(instant: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL zone-aware."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def sandbox_settings(settings: Settings, box: Sandbox | ExternalSandbox) -> Settings:
    """`settings` with every site URL pointing at the running simulators in `box`."""
    return settings.model_copy(update=settings_for(box.urls()))


def sandbox_runtime(runtime: Runtime, box: Sandbox | ExternalSandbox) -> Runtime:
    """The same runtime (database, vault) with settings aimed at the sandbox."""
    runtime.settings = sandbox_settings(runtime.settings, box)
    return runtime


def fast_runtime(runtime: Runtime, box: Sandbox, typing_ms: int | None = 0) -> Runtime:
    """`sandbox_runtime` typing `typing_ms` per key (None: as configured). Only sites that
    time the typing (Better's payment iframe, Estelle's confirm) need a person's pace."""
    runtime = sandbox_runtime(runtime, box)
    if typing_ms is not None:
        runtime.settings = runtime.settings.model_copy(update={"human_typing_ms": typing_ms})
    return runtime


# --- fixture factories: assign the result to the fixture's name in the test module ------------
def sandbox_fixture(site: str, seed: str | None = None) -> Any:
    """A module-scoped fixture: the simulator of `site`, seeded, on loopback."""

    @pytest.fixture(scope="module")
    def box() -> Iterator[Sandbox]:
        sandbox = Sandbox.create([site], seed=seed).start()
        yield sandbox
        sandbox.stop()

    return box


def sim_fixture(
    site: str,
    origin: str = "web",
    seed: str | None = None,
    *,
    now: datetime | None = None,
    prepare: Callable[[httpx.Client], None] | None = None,
) -> Any:
    """A per-test fixture on the module's `box`: an admin client of the simulator's `origin`,
    freshly reset (see `reset_sim`), then `prepare`d with whatever the module's tests share."""

    @pytest.fixture
    def sim(box: Sandbox) -> Iterator[httpx.Client]:
        url = box.url(site, origin)
        reset_sim(url, seed, now=now)
        with httpx.Client(base_url=url, timeout=10) as client:
            if prepare is not None:
                prepare(client)
            yield client

    return sim


def runtime_fixture(typing_ms: int | None = 0) -> Any:
    """A per-test `rt` fixture: the test's runtime aimed at the module's `box` (`fast_runtime`)."""

    @pytest.fixture
    def rt(runtime: Runtime, box: Sandbox) -> Runtime:
        return fast_runtime(runtime, box, typing_ms)

    return rt


def gym_runtime_fixture(*, screenshots: bool = True) -> Any:
    """A per-test `gym` fixture: the module's gym `box` reset and seeded with its demo members,
    and the test's runtime aimed at it (without confirmation screenshots if asked)."""

    @pytest.fixture
    def gym(runtime: Runtime, box: Sandbox) -> Runtime:
        reset_sim(box.url("gym", "web"), "demo")
        runtime = sandbox_runtime(runtime, box)
        if not screenshots:
            runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
        return runtime

    return gym


def add_estelle_member(club: httpx.Client) -> None:
    """Estelle's first demo user as a member of the club (seedless: every court free)."""
    email, password = ESTELLE_USERS[0]
    member = {"email": email, "password": password, "name": "Alex Morgan"}
    club.post("/_sandbox/estelle/members", json=member).raise_for_status()


def reset_sim(url: str, seed: str | None = None, *, now: datetime | None = None) -> None:
    """Fresh simulator state at `url`: the clock back on the real one (or pinned at `now`), the
    state reset and `seed`ed, the event log empty. The clock goes first, so that a seed dated
    from the site's today is dated from the clock the test wants."""
    clock = {"now": now.isoformat()} if now else {"offset_s": 0}
    with httpx.Client(base_url=url, timeout=10) as client:
        client.post("/_sandbox/clock", json=clock).raise_for_status()
        client.post("/_sandbox/reset").raise_for_status()
        if seed:
            client.post(f"/_sandbox/seed/{seed}").raise_for_status()
        client.delete("/_sandbox/events").raise_for_status()


@contextmanager
def app_server(runtime: Runtime) -> Iterator[str]:
    """The web app on `runtime`, served on loopback while the block runs; its base URL."""
    thread = ServerThread(create_app(runtime.settings, runtime=runtime))
    thread.start()
    try:
        yield thread.url
    finally:
        thread.stop()


def drive_adapter(
    adapter: type[A],
    credentials: Credentials,
    urls: dict[str, str | None],
    use: Callable[[A], Awaitable[T]],
    *,
    typing_ms: int = 0,
    log_in: bool = False,
) -> T:
    """Run `use` with one adapter (logged in if told to) on a fresh browser pool, which only
    launches Chromium if the adapter opens a page; from synchronous test code."""

    async def go() -> T:
        async with BrowserPool() as pool:
            ctx = AdapterContext(urls, pool.account("test"), typing_ms)
            site = adapter(ctx, credentials)
            try:
                if log_in:
                    await site.login(None)
                return await use(site)
            finally:
                await site.close()

    return asyncio.run(go())


def add_account(
    runtime: Runtime,
    site: str,
    login: str,
    password: str,
    display_name: str = "",
    phone: str | None = None,
) -> int:
    data = AccountCreate(
        site=site, display_name=display_name or login.split("@")[0], login=login,
        password=SecretStr(password), phone=phone,
    )  # fmt: skip
    with transaction(runtime.sessions) as session:
        return create_account(session, data=data, vault=runtime.vault).id


def add_card(runtime: Runtime, **fields: Any) -> int:
    """A payment profile; defaults to a Visa test card with an opted-in CVV."""
    values: dict[str, Any] = {
        "alias": "test card",
        "cardholder_name": "Alex Member",
        "card_number": SecretStr("4111111111111111"),
        "expiry_month": "12",
        "expiry_year": "30",
        "cvv": SecretStr("123"),
        "store_cvv": True,
        "address_line_1": "1 High Street",
        "city": "London",
        "postcode": "N1 1AA",
    }
    values.update(fields)
    for secret in ("card_number", "cvv"):
        if isinstance(values.get(secret), str):
            values[secret] = SecretStr(values[secret])
    with transaction(runtime.sessions) as session:
        data = PaymentProfileCreate(**values)
        return create_payment_profile(session, data=data, vault=runtime.vault).id


def add_task(runtime: Runtime, **fields: Any) -> int:
    """A task from TaskCreate fields; `target_date` may be a date or ISO string."""
    if isinstance(fields.get("target_date"), date):
        fields["target_date"] = fields["target_date"].isoformat()
    with transaction(runtime.sessions) as session:
        return create_task(session, TaskCreate(**fields), site_info=site_info).id


def run_once(runtime: Runtime, task_id: int, **kwargs: Any) -> AttemptResult:
    """One engine attempt with its own browser pool, from synchronous test code."""

    async def go() -> AttemptResult:
        async with BrowserPool() as pool:
            return await run_attempt(runtime, task_id, pool=pool, worker="test", **kwargs)

    return asyncio.run(go())


def snipe_once(runtime: Runtime, task_id: int, release: datetime) -> AttemptResult:
    """One snipe at `release` with its own browser pool, from synchronous test code."""

    async def go() -> AttemptResult:
        async with BrowserPool() as pool:
            at = release.astimezone(UTC)
            return await run_snipe(runtime, task_id, at, pool=pool, worker="test")

    return asyncio.run(go())


def sim_events(base_url: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The simulator's own event log (bookings, holds, logins…) from its admin API."""
    params = {"kind": kind} if kind else {}
    response = httpx.get(f"{base_url.rstrip('/')}/_sandbox/events", params=params, timeout=10)
    response.raise_for_status()
    return list(response.json())


def sim_now(base_url: str) -> datetime:
    """The simulator's clock, in London."""
    response = httpx.get(f"{base_url.rstrip('/')}/_sandbox/clock", timeout=10)
    response.raise_for_status()
    return datetime.fromisoformat(response.json()["now"]).astimezone(LONDON)


def detached_row(runtime: Runtime, model: type[M], key: int) -> M:
    """One row by primary key, detached from its session so the test can read it after."""
    with transaction(runtime.sessions) as session:
        row = session.get(model, key)
        assert row is not None, f"no {model.__name__} {key}"
        session.expunge(row)
        return row


def task_row(runtime: Runtime, task_id: int) -> Task:
    return detached_row(runtime, Task, task_id)


def ended_as(
    runtime: Runtime, task_id: int, result: AttemptResult, outcome: str, status: TaskStatus
) -> Task:
    """Assert an attempt's outcome and the status it left its task in; the task's row."""
    assert result.outcome == outcome, result.message
    row = task_row(runtime, task_id)
    assert row.status == status.value, row.error
    return row


def assert_booked(
    runtime: Runtime, task_id: int, result: AttemptResult, reference: re.Pattern[str]
) -> Booking:
    """Assert the attempt booked and its task succeeded, with one booking saved under the
    site's reference (of the site's `reference` form); that booking."""
    ended_as(runtime, task_id, result, "booked", TaskStatus.SUCCEEDED)
    assert result.reference and reference.match(result.reference), result.reference
    [booking] = bookings_of(runtime, task_id)
    assert booking.reference == result.reference
    return booking


def assert_site_changed(
    runtime: Runtime, sim: httpx.Client, task_id: int, *, step: str, selector: str
) -> AttemptResult:
    """Run the task once with the simulator's `site_changed` fault on: it must fail for good,
    naming the step and the selector (or JSON field) that broke; the attempt's result."""
    sim.put("/_sandbox/faults", json={"site_changed": True}).raise_for_status()
    result = run_once(runtime, task_id)
    row = ended_as(runtime, task_id, result, "site_changed", TaskStatus.FAILED)
    assert row.error == result.message
    assert f"site changed at step {step}:" in result.message and selector in result.message
    return result


def assert_waits_for_release(
    runtime: Runtime, task_id: int, result: AttemptResult, opens: datetime
) -> None:
    """Assert the attempt found its day not released yet and left its task to run at `opens`."""
    row = ended_as(runtime, task_id, result, "not_released", TaskStatus.PENDING)
    assert row.next_run_at is not None and as_utc(row.next_run_at) == opens


def bookings_of(runtime: Runtime, task_id: int) -> list[Booking]:
    with transaction(runtime.sessions) as session:
        rows = list(session.query(Booking).filter(Booking.task_id == task_id))
        for row in rows:
            session.expunge(row)
        return rows


def steps_of(runtime: Runtime, attempt_id: int) -> list[tuple[str, str, str | None]]:
    """(name, status, detail) of each step of an attempt, in order."""
    with transaction(runtime.sessions) as session:
        rows = session.query(AttemptStep).filter(AttemptStep.attempt_id == attempt_id)
        return [(s.name, s.status, s.detail) for s in rows.order_by(AttemptStep.seq)]


def attempts_of(runtime: Runtime, task_id: int) -> list[tuple[str | None, str | None]]:
    with transaction(runtime.sessions) as session:
        rows = session.query(Attempt).filter(Attempt.task_id == task_id).order_by(Attempt.id)
        return [(a.outcome, a.error) for a in rows]


class ExternalSandbox:
    """The simulators in their own process (`autobook sandbox`), as real sites would be: no
    shared interpreter lock between the site and the engine, which matters for timing tests."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.process: subprocess.Popen[str] | None = None
        self._urls: dict[str, dict[str, str]] = {}
        self.latency_ms = latency_ms  # every answer of the sites delayed this long

    def start(self) -> ExternalSandbox:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autobook", "sandbox", "--port", "0",
             "--latency-ms", str(self.latency_ms)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        expected = sum(len(load_sim(name).origins) for name in SIM_CLASSES)
        for line in self.process.stdout:
            site, origin, url = line.split()
            self._urls.setdefault(site, {})[origin] = url
            if sum(len(o) for o in self._urls.values()) == expected:
                break
        for origins in self._urls.values():
            for url in origins.values():
                _wait_ready(url)
        return self

    def urls(self) -> dict[str, dict[str, str]]:
        return self._urls

    def url(self, site: str, origin: str) -> str:
        return self._urls[site][origin]

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _wait_ready(url: str) -> None:
    for _ in range(100):
        try:
            httpx.get(f"{url}/_sandbox/clock", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"sandbox at {url} did not answer")
