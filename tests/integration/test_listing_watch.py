"""One shared look per listing: 200 Better watch tasks on 5 listings (one venue and activity,
five days) cost 5 listing requests per interval, with no login and no attempt while nothing
is free; a court freed on one listing is booked once, by the one task that wants it.

The worker loop runs in-process against the Better simulator on loopback, on SQLite and
PostgreSQL; every count comes from the simulator's own event log.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from test_ui_helpers import signed_in

from autobook.db.models import Attempt, Booking, Listing, SystemLog
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.better.catalog import demo_venues, session_key
from autobook.sandbox.runner import Sandbox
from autobook.worker.loop import Worker
from engine_support import (
    LONDON,
    add_account,
    add_task,
    reset_sim,
    sandbox_fixture,
    sandbox_runtime,
    sim_events,
    task_row,
)

HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
TASKS, LISTINGS, ACCOUNTS = 200, 5, 10
INTERVAL_S = 5  # the shortest a task may ask for
LOOKS = 2  # looks per listing watched before the court is freed
PASSWORD = "Watcher-pass-1"

box = sandbox_fixture("better", "demo")


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    reset_sim(box.url("better", "api"), "demo")
    runtime = sandbox_runtime(runtime, box)
    runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
    return runtime


def _days() -> list[date]:
    today = datetime.now(LONDON).date()
    return [today + timedelta(days=d) for d in range(1, LISTINGS + 1)]  # all released


def _starts() -> list[str]:
    activity = demo_venues()[HENDON].activities[B60]
    return [t.strftime("%H:%M") for t in activity.starts()]


def _set_up(rt: Runtime, sim: httpx.Client) -> tuple[int, str, str]:
    """Every court of every session on the five days taken, ten members, 200 tasks; the one
    task that alone wants the last session of the second day, its session key and login."""
    days, starts = _days(), _starts()
    for day in days:
        for start in starts:
            body = {"key": f"{HENDON}/{B60}/{day}/{start}", "taken": [1, 2, 3, 4]}
            sim.post("/_sandbox/better/occupancy", json=body).raise_for_status()
    logins = [f"watcher{n}@example.com" for n in range(ACCOUNTS)]
    accounts = []
    for login in logins:
        body = {"email": login, "password": PASSWORD, "benefit": True}
        sim.post("/_sandbox/better/users", json=body).raise_for_status()
        accounts.append(add_account(rt, "better", login, PASSWORD))
    lone_day, lone_start = days[1], starts[-1]
    lone = 0
    for k in range(TASKS):
        day, start = days[k % LISTINGS], starts[k % (len(starts) - 1)]  # never the last one
        if k == 1:
            day, start = lone_day, lone_start
        task = add_task(
            rt, site="better", venue=HENDON, activity=B60, target_date=day, times=[start],
            account_ids=[accounts[k % ACCOUNTS]], payment_method="benefit",
            poll_interval_s=INTERVAL_S,
        )  # fmt: skip
        if k == 1:
            lone = task
    sim.delete("/_sandbox/events").raise_for_status()
    key = session_key(HENDON, B60, lone_day, datetime.strptime(lone_start, "%H:%M").time())
    return lone, key, logins[1 % ACCOUNTS]


def _listing_requests(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["kind"] == "request" and e["path"].endswith("/v2/times")]


async def _watch(rt: Runtime, api: str, lone: int, key: str) -> None:
    """Run the worker until every listing was looked at LOOKS times, free one court of the
    lone task's session, and run on until that task has settled."""
    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(rt, concurrency=4, poll_s=0.2).run(stop))
    try:
        for _ in range(1200):  # bounded: 120 s
            await asyncio.sleep(0.1)
            if len(_listing_requests(sim_events(api))) >= LISTINGS * LOOKS:
                break
        async with httpx.AsyncClient(base_url=api) as sim:
            body = {"key": key, "free": [1]}
            (await sim.post("/_sandbox/better/occupancy", json=body)).raise_for_status()
        for _ in range(1200):
            await asyncio.sleep(0.1)
            if task_row(rt, lone).status != TaskStatus.PENDING.value:
                break
    finally:
        stop.set()
        await worker


def test_one_look_per_listing_and_a_freed_court_booked_once(rt: Runtime, box: Sandbox) -> None:
    api = box.url("better", "api")
    with httpx.Client(base_url=api, timeout=30) as sim:
        lone, key, login = _set_up(rt, sim)
    asyncio.run(_watch(rt, api, lone, key))

    events = sim_events(api)
    requests = [e for e in events if e["kind"] == "request"]
    # Until the lone task's attempt, the site saw nothing but listing requests: no login, no
    # per-task check. Five listings, each asked for its own day.
    attempt_at = next(e["t"] for e in requests if not e["path"].endswith("/v2/times"))
    looks = _listing_requests([e for e in requests if e["t"] < attempt_at])
    by_listing: dict[str, list[float]] = defaultdict(list)
    for look in looks:
        by_listing[look["query"]].append(look["t"])
    assert sorted(by_listing) == sorted(f"date={day}" for day in _days())
    assert [e["actor"] for e in events if e["kind"] == "login"] == [login]  # the attempt's
    # At most one look per listing per interval, so at most 5 in any interval.
    for times in by_listing.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) >= LOOKS and min(gaps) >= INTERVAL_S, gaps
    starts = sorted(look["t"] for look in looks)
    for i, t in enumerate(starts):
        in_window = [u for u in starts[i:] if u < t + INTERVAL_S]
        assert len(in_window) <= LISTINGS

    # The freed court: booked once, by the lone task's account, recorded on that task only.
    bookings = [e for e in events if e["kind"] == "booking"]
    assert [(b["slot"], b["actor"]) for b in bookings] == [(key, login)]
    assert task_row(rt, lone).status == TaskStatus.SUCCEEDED.value
    with transaction(rt.sessions) as session:
        assert session.scalar(select(func.count(Booking.id))) == 1
        attempted = set(session.scalars(select(Attempt.task_id)))
        listings = session.scalars(select(Listing)).all()
        pending = session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.finished_at.is_(None))
        )
    assert attempted == {lone} and pending == 0
    # Each listing shows its last successful look, on the dashboard too.
    assert len(listings) == LISTINGS and all(row.ok_at and not row.error for row in listings)
    pages = signed_in(rt.settings, rt)
    live = next(pages).get("/dashboard/live").text
    pages.close()
    for row in listings:
        assert row.ok_at is not None
        shown = re.search(rf'data-listing="{re.escape(row.key)}">(.*?)</tr>', live, re.S)
        assert shown and row.ok_at.strftime("%Y-%m-%d %H:%M:%S") in shown[1], row.key


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failing_listing_is_logged_once_and_its_recovery_once(rt: Runtime, box: Sandbox) -> None:
    api = box.url("better", "api")
    day = _days()[0]
    with httpx.Client(base_url=api, timeout=30) as sim:
        sim.post("/_sandbox/better/occupancy",
                 json={"key": f"{HENDON}/{B60}/{day}/20:00", "taken": [1, 2, 3, 4]})  # fmt: skip
        account = add_account(rt, "better", "watcher@example.com", PASSWORD)
        for _ in range(3):
            add_task(rt, site="better", venue=HENDON, activity=B60, target_date=day,
                     times=["20:00"], account_ids=[account], payment_method="benefit",
                     poll_interval_s=INTERVAL_S)  # fmt: skip

        def looks() -> int:
            return len(_listing_requests(sim_events(api)))

        async def run() -> None:
            stop = asyncio.Event()
            worker = asyncio.create_task(Worker(rt, poll_s=0.2).run(stop))
            try:
                for goal, error_rate in ((1, 1.0), (3, 0.0), (5, None)):
                    for _ in range(600):  # bounded: 60 s per phase
                        if looks() >= goal:
                            break
                        await asyncio.sleep(0.1)
                    if error_rate is not None:  # every request a 5xx, then none
                        sim.put(
                            "/_sandbox/faults", json={"error_rate": error_rate}
                        ).raise_for_status()
            finally:
                stop.set()
                await worker

        asyncio.run(run())
    faults = [e for e in sim_events(api) if e["kind"] == "fault"]
    assert len(faults) >= 2  # two looks failed in a row…
    with transaction(rt.sessions) as session:
        lines = session.scalars(select(SystemLog.message).order_by(SystemLog.id)).all()
        row = session.scalars(select(Listing)).one()
    listing_lines = [line for line in lines if line.startswith("listing ")]
    assert len(listing_lines) == 2, lines  # …but one line says so, and one the recovery
    assert "cannot be read" in listing_lines[0] and "3 watch tasks" in listing_lines[0]
    assert "can be read again" in listing_lines[1]
    assert row.error is None and row.ok_at is not None and row.tasks == 3
