"""The snipe's strike goes out on connections its pre-arm opened: the simulator records, for
every request, the client end (host:port) of the TCP connection it came on, so one connection
id seen on the clock probes and on the shots proves no handshake was left for the release.

One snipe on the Better simulator (its clock skewed), one free court, nobody else racing."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest

from autobook.engine.browsers import BrowserPool
from autobook.engine.clock import DEFAULT_FAN
from autobook.engine.snipe import run_snipe
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import (
    LONDON,
    SQLITE_ONLY,
    add_account,
    add_task,
    sandbox_fixture,
    sandbox_runtime,
    task_row,
)

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("better", seed="demo")

LEAD_S = 9  # log in, arm and sync the clock (a few seconds of probes) before the release
SKEW_S = -1.37
START = "17:00"
LOGIN, PASSWORD = "warm@example.com", "Warm-pass-1"
CART_ADD = "/api/activities/cart/add"
CLOCK_PATH = "/api"  # the adapter probes (and warms on) the API's root


def test_the_strike_reuses_the_connections_the_clock_sync_opened(
    runtime: Runtime, box: Sandbox
) -> None:
    runtime = sandbox_runtime(runtime, box)
    runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
    api = box.url("better", "api")
    admin = httpx.Client(base_url=api, timeout=10)
    admin.post("/_sandbox/clock", json={"offset_s": SKEW_S}).raise_for_status()
    now = datetime.fromisoformat(admin.get("/_sandbox/clock").json()["now"])
    day = (now.astimezone(LONDON) + timedelta(days=1)).date()
    key = f"hendon-leisure-centre/badminton-60min/{day}/{START}"
    release = (now + timedelta(seconds=LEAD_S)).replace(microsecond=0)
    for path, body in (
        ("/_sandbox/better/release/session", {"key": key, "at": release.isoformat()}),
        ("/_sandbox/better/occupancy", {"key": key, "free": [1], "taken": [2, 3, 4]}),
        ("/_sandbox/better/users", {"email": LOGIN, "password": PASSWORD, "benefit": True}),
    ):
        admin.post(path, json=body).raise_for_status()
    account = add_account(runtime, "better", LOGIN, PASSWORD)
    task = add_task(
        runtime, site="better", venue="hendon-leisure-centre", activity="badminton-60min",
        target_date=day, times=[START], account_ids=[account], payment_method="benefit",
        strategy="snipe",
    )  # fmt: skip
    admin.delete("/_sandbox/events").raise_for_status()

    async def snipe() -> str:
        async with BrowserPool() as pool:
            return (await run_snipe(runtime, task, release, pool=pool, worker="t")).outcome

    outcome = asyncio.run(snipe())
    events = admin.get("/_sandbox/events", params={"kind": "request"}).json()
    admin.post("/_sandbox/clock", json={"offset_s": 0})
    assert outcome == "booked", task_row(runtime, task).error

    probes = [e for e in events if e["method"] == "GET" and e["path"] == CLOCK_PATH]
    shots = [e for e in events if e["method"] == "POST" and e["path"] == CART_ADD]
    at = release.timestamp()
    assert len(probes) > DEFAULT_FAN and shots, (len(probes), len(shots))
    assert all(e["conn"] for e in probes + shots)
    # The clock sync opened its connections in its first round, long before the release …
    opened = {e["conn"] for e in probes[:DEFAULT_FAN]}
    assert all(e["t"] < at - 2 for e in probes[:DEFAULT_FAN])
    # … and every shot at the release went out on one of them: no new connection at the strike.
    assert {e["conn"] for e in shots} <= opened, (opened, [e["conn"] for e in shots])
    # The same connections carried the warm-up just before the release.
    warm = [e for e in probes if at - 2 <= e["t"] < at]
    assert warm and {e["conn"] for e in warm} <= opened
    # The site took the hold after the release by its own clock.
    holds = admin.get("/_sandbox/events", params={"kind": "hold"}).json()
    assert holds and all(e["t"] >= at for e in holds)
