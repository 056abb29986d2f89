"""`autobook book` against the gym simulator: live steps, the result, --json, --dry-run, and
bad flags named in one clean error line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from test_cli_support import Cli

from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import add_account, sim_events

pytestmark = pytest.mark.e2e  # the confirmation screenshot opens Chromium

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["gym"], seed="quiet").start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def cli(runtime: Runtime, box: Sandbox) -> Cli:
    base = box.url("gym", "web")
    httpx.post(f"{base}/_sandbox/reset", timeout=10).raise_for_status()
    httpx.post(f"{base}/_sandbox/seed/quiet", timeout=10).raise_for_status()
    add_account(runtime, "gym", "alex@example.com", "alex-gym-2026")
    cli = Cli(runtime)
    cli.env["AUTOBOOK_GYM_URL"] = base
    return cli


def _book(cli: Cli, *extra: str) -> list[str]:
    return ["book", "--site", "gym", "--venue", "X1", "--sub-location", "A", "--activity",
            "gym-60min", "--date", TOMORROW, "--time", "7am", "--time", "08:00",
            "--account", "alex@example.com", "--payment", "benefit", *extra]  # fmt: skip


def test_book_shows_each_step_and_the_booking(cli: Cli, box: Sandbox) -> None:
    out = cli.ok(*_book(cli)).output
    for step in ("login", "find", "check existing", "hold", "pay", "confirm", "screenshot"):
        assert f"✓ {step} (" in out, out
    assert "booked GYM-" in out and "task 1 is succeeded" in out
    assert len(sim_events(box.url("gym", "web"), "booking")) == 1


def test_book_json_and_dry_run(cli: Cli, box: Sandbox) -> None:
    result = cli.ok(*_book(cli, "--dry-run", "--json"))
    data = json.loads(result.output)
    assert data["outcome"] == "dry_run" and data["reference"] is None
    assert data["screenshot"].endswith(".png")
    assert sim_events(box.url("gym", "web"), "booking") == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("--time", "25:00"), "--time"),
        (("--date", "31/02/2026"), "--date"),
        (("--date", "9999-12-31"), "out of range"),  # the rules of domain.taskdates
        (("--date", (date.today() - timedelta(days=2)).isoformat()), "is in the past"),
        (("--account", "nobody@example.com"), "--account"),
        (("--payment", "card"), "--payment-profile"),
    ],
)
def test_bad_flags_are_named(cli: Cli, change: tuple[str, str], named: str) -> None:
    args = _book(cli)
    flag, value = change
    args[args.index(flag) + 1] = value
    assert named in cli.fails(*args)
