"""Snipes on the Better simulator with its clock skewed: every snipe's shots reach the site
after the release by the simulator's own clock (a shot that the clock estimate puts a few ms early
is refused as not yet released; the staggered shots after it cover that), uncontested snipes
win, and snipes beat competing bookers who react 1.5 s after the release. How many ms after the
release the first shot lands is a speed figure: `bench.race` measures and prints it, since a
wall-clock bound here would make the suite depend on the machine's load.

Two rounds of 5 snipes (uncontested, then contested); each round has its own random skew within
±3 s, and the 5 snipes of a round have releases 3 s apart, so every request in the log belongs to
one snipe.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from autobook.engine.browsers import BrowserPool
from autobook.engine.snipe import run_snipe
from autobook.runtime import Runtime
from engine_support import (
    LONDON,
    SQLITE_ONLY,
    ExternalSandbox,
    add_account,
    add_task,
    sandbox_runtime,
    steps_of,
    task_row,
)

# One database is enough: the race is decided on the wire, not in the database.
pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

PER_ROUND = 5
LEAD_S = 9  # the first release of a round: time to log in, arm and sync the clock first
GAP_S = 3  # between the releases of one round
TIMES = ("17:00", "18:00", "19:00", "20:00", "21:00")
DECOY_TIME = "16:00"
SLOW_RIVAL_MS = 1500  # a competitor reacting this long after the release is slower than us
WHY_LATE = ("sync clock", "strike")  # the steps whose details explain a late shot


@pytest.fixture(scope="module")
def box() -> Iterator[ExternalSandbox]:
    sandbox = ExternalSandbox().start()  # its own process, as the real site would be
    yield sandbox
    sandbox.stop()


def _snipe_round(runtime: Runtime, admin: httpx.Client, day_offset: int, rivals: int) -> list[dict]:
    """Set up 5 sessions with one free court each and `rivals` slower competitors, snipe them
    all, report each."""
    skew = random.uniform(-3, 3)
    admin.post("/_sandbox/clock", json={"offset_s": skew}).raise_for_status()
    now = datetime.fromisoformat(admin.get("/_sandbox/clock").json()["now"])
    day = (now.astimezone(LONDON) + timedelta(days=day_offset)).date()
    base = (now + timedelta(seconds=LEAD_S)).replace(microsecond=0)
    plans = []
    for i, start in enumerate(TIMES[:PER_ROUND]):
        key = f"hendon-leisure-centre/badminton-60min/{day}/{start}"
        at = base + timedelta(seconds=GAP_S * i)
        admin.post("/_sandbox/better/release/session", json={"key": key, "at": at.isoformat()})
        admin.post("/_sandbox/better/occupancy", json={"key": key, "free": [1], "taken": [2, 3, 4]})
        login = f"sniper{day_offset}-{i}@example.com"
        admin.post("/_sandbox/better/users", json={"email": login, "password": "Snipe-pass-1",
                                                     "benefit": True})  # fmt: skip
        account = add_account(runtime, "better", login, "Snipe-pass-1")
        task = add_task(
            runtime, site="better", venue="hendon-leisure-centre", activity="badminton-60min",
            target_date=day, times=[start], account_ids=[account], payment_method="benefit",
            strategy="snipe",
        )  # fmt: skip
        plans.append({"key": key, "at": at, "task": task, "login": login, "skew": skew})
    decoy = f"hendon-leisure-centre/badminton-60min/{day}/{DECOY_TIME}"  # no snipe wants it
    admin.post("/_sandbox/better/release/session", json={"key": decoy, "at": base.isoformat()})
    admin.post("/_sandbox/better/occupancy", json={"key": decoy, "free": [1], "taken": [2, 3, 4]})
    rival = {"count": rivals, "reaction_ms": SLOW_RIVAL_MS, "jitter_ms": 50,
             "targets": [p["key"] for p in plans] + [decoy]}  # fmt: skip
    admin.put("/_sandbox/competitors", json=rival).raise_for_status()

    async def all_snipes() -> None:
        async with BrowserPool() as pool:
            await asyncio.gather(
                *(run_snipe(runtime, p["task"], p["at"], pool=pool, worker="t") for p in plans)
            )

    since = max((e["seq"] for e in admin.get("/_sandbox/events").json()), default=0)
    asyncio.run(all_snipes())
    events = admin.get("/_sandbox/events", params={"since": since}).json()
    for p in plans:
        at, until = p["at"], p["at"] + timedelta(seconds=GAP_S)
        adds = [
            (datetime.fromisoformat(e["at"]) - at).total_seconds() * 1000
            for e in events
            if e["kind"] == "request" and e["path"].endswith("/activities/cart/add")
            and at <= datetime.fromisoformat(e["at"]) < until
        ]  # fmt: skip
        p["first_ms"] = min(adds) if adds else None
        p["adds"] = [
            (round((datetime.fromisoformat(e["at"]) - at).total_seconds() * 1000), e["status"])
            for e in events
            if e["kind"] == "request" and e["path"].endswith("/activities/cart/add")
            and at - timedelta(seconds=0.5) <= datetime.fromisoformat(e["at"]) < until
        ][:6]  # fmt: skip
        p["won"] = any(
            e["kind"] == "booking" and e["slot"] == p["key"] and e["actor"] == p["login"]
            for e in events
        )
        # When the site took our hold, by its clock (it decides a request a moment after the
        # request arrived).
        p["held"] = [
            datetime.fromisoformat(e["at"]) >= at
            for e in events
            if e["kind"] == "hold" and e["slot"] == p["key"] and e["actor"] == p["login"]
        ]
        p["status"] = task_row(runtime, p["task"]).status
        p["decoy_taken"] = any(e["kind"] == "booking" and e["slot"] == decoy for e in events)
        steps = steps_of(runtime, _last_attempt(runtime, p["task"]))
        p["steps"] = [(name, detail) for name, _, detail in steps if name in WHY_LATE]
    return plans


def _shots_after_release(results: list[dict]) -> None:
    """A cart add reached the site after the release, by its clock; or, when the shot aimed
    by the clock's hard bounds was skipped because a win came first (a busy machine widens
    that bound), the shot that won was taken by the site after the release."""
    missing = [(p["key"], round(p["skew"], 2), p["steps"], p["adds"]) for p in results
               if p["first_ms"] is None and not (p["held"] and all(p["held"]))]  # fmt: skip
    assert not missing, f"no cart request reached the site after the release: {missing}"
    assert all(p["first_ms"] >= 0 for p in results if p["first_ms"] is not None)


def _all_won(results: list[dict]) -> None:
    lost = [(p["key"], p["status"], p["first_ms"], p["adds"]) for p in results if not p["won"]]
    assert not lost, f"snipes that did not win: {lost}"
    assert all(p["status"] == "succeeded" for p in results)


def test_snipes_fire_after_the_release_and_win(runtime: Runtime, box: ExternalSandbox) -> None:
    runtime = sandbox_runtime(runtime, box)
    # Confirmation screenshots are tested elsewhere; here Chromium rendering one snipe's page
    # would only compete for the 2 cores with the next snipe's shot.
    runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
    admin = httpx.Client(base_url=box.url("better", "api"), timeout=10)
    admin.post("/_sandbox/seed/demo").raise_for_status()
    alone = _snipe_round(runtime, admin, day_offset=1, rivals=0)
    contested = _snipe_round(runtime, admin, day_offset=2, rivals=3)
    admin.put("/_sandbox/competitors", json={"count": 0})
    admin.post("/_sandbox/clock", json={"offset_s": 0})
    _shots_after_release(alone + contested)
    _all_won(alone)
    _all_won(contested)
    # The competitors were really racing: the one court nobody sniped went to one of them.
    assert all(p["decoy_taken"] for p in contested)


def _last_attempt(runtime: Runtime, task_id: int) -> int:
    from autobook.db.models import Attempt
    from autobook.db.session import transaction

    with transaction(runtime.sessions) as session:
        ids = session.query(Attempt.id).filter(Attempt.task_id == task_id).order_by(Attempt.id)
        return int(ids.all()[-1][0])
