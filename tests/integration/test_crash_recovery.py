"""A worker killed at each crash point of a booking (engine.crashpoints), then restarted: the
task ends booked exactly once — the simulator's own event log shows one payment, autobook one
booking with the site's reference — or failed with its reason; never paid twice. Ten kills per
point on PostgreSQL, on the Better simulator with account credit (a real hold, then a real
payment). Select these with `-m crash`.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from autobook.domain.statuses import TaskStatus
from autobook.engine.crashpoints import EXIT_CODE, POINTS
from autobook.runtime import Runtime
from autobook.sandbox.better.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import (
    LONDON,
    add_account,
    add_task,
    bookings_of,
    reset_sim,
    sandbox_runtime,
    sim_events,
    task_row,
)

pytestmark = [
    pytest.mark.crash,
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgresql"], indirect=True),
]

ROUNDS = int(os.environ.get("AUTOBOOK_CRASH_ROUNDS", "10"))
# The simulator a week ahead of the real clock (as in test_engine_better): tomorrow on its
# clock is released and bookable, and never in the past on ours.
NOW = datetime.combine(datetime.now(LONDON).date() + timedelta(days=7), time(9, 30), LONDON)
DAY = NOW.date() + timedelta(days=1)
HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
CREDIT = DEMO_USERS[1]


class Runner:
    """The pre-warmed forking worker of crash_runner.py."""

    def __init__(self) -> None:
        script = Path(__file__).with_name("crash_runner.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
        assert json.loads(self._line()) == {"ready": True}

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the crash runner died"
        return line

    def run(self, runtime: Runtime, task_id: int, point: str | None) -> int:
        """One worker process's attempt at the task; its exit code."""
        assert self.process.stdin is not None
        settings = base64.b64encode(pickle.dumps(runtime.settings)).decode()
        request = {"settings": settings, "task_id": task_id, "point": point}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return int(json.loads(self._line())["exit"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    r = Runner()
    yield r
    r.close()


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["better"], seed="demo").start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    runtime = sandbox_runtime(runtime, box)
    runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
    return runtime


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_each_point_then_restarted_books_exactly_once(
    rt: Runtime, box: Sandbox, runner: Runner, point: str
) -> None:
    api = box.url("better", "api")
    account = add_account(rt, "better", *CREDIT)
    outcomes = []
    for _ in range(ROUNDS):
        reset_sim(api, "demo", now=NOW)
        task = add_task(rt, site="better", venue=HENDON, activity=B60, target_date=DAY,
                        times=["20:00"], account_ids=[account],
                        payment_method="credit")  # fmt: skip
        assert runner.run(rt, task, point) == EXIT_CODE, f"no crash at {point}"
        assert runner.run(rt, task, None) == 0  # the restarted worker
        row = task_row(rt, task)
        paid = sim_events(api, "booking")
        assert len(paid) <= 1, f"paid {len(paid)} times after a crash at {point}"
        if row.status == TaskStatus.SUCCEEDED.value:
            [booking] = bookings_of(rt, task)
            assert len(paid) == 1 and booking.reference == paid[0]["reference"]
        else:
            assert row.status == TaskStatus.FAILED.value and row.error, (row.status, row.error)
            assert not paid and not bookings_of(rt, task)
        outcomes.append(row.status)
    assert outcomes == [TaskStatus.SUCCEEDED.value] * ROUNDS, outcomes
