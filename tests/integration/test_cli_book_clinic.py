"""`autobook book --site clinic` on both simulated widgets: the five-step one (seed 004's mock
page) and the six-step one after the real Moxie widget. By card it books; by handoff it stops
at the payment step and pays nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from test_cli_support import Cli

from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import add_account, add_card, clinic_thursday, reset_sim, sim_events

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

WIDGETS = {"five-step": ("web", ""), "six-step": ("moxie", "/booking/lumen-skin-clinic")}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["clinic"], seed="empty").start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(params=list(WIDGETS))
def widget(request: pytest.FixtureRequest, box: Sandbox) -> tuple[str, str]:
    """(origin URL, booking page URL) of one widget, on a fresh diary."""
    origin, path = WIDGETS[request.param]
    base = box.url("clinic", origin)
    reset_sim(base, "empty")
    return base, base + path


@pytest.fixture
def cli(runtime: Runtime, widget: tuple[str, str]) -> Cli:
    cli = Cli(runtime)
    cli.env["AUTOBOOK_CLINIC_URL"] = widget[1]
    return cli


def _book(runtime: Runtime, payment: str) -> list[str]:
    account = add_account(runtime, "clinic", "jane@example.com", "unused-pw-1",
                          display_name="Jane Doe", phone="+44 7700 900123")  # fmt: skip
    args = ["book", "--site", "clinic", "--venue", "lumen-skin-clinic", "--activity", "botox",
            "--date", clinic_thursday().isoformat(), "--time", "2:30pm", "--time", "15:00",
            "--sub-location", "alex", "--account", "jane@example.com", "--payment", payment,
            "--json"]  # fmt: skip
    if payment == "card":
        args += ["--payment-profile", str(add_card(runtime, account_id=account))]
    return args


def test_book_by_card(cli: Cli, runtime: Runtime, widget: tuple[str, str]) -> None:
    data = json.loads(cli.ok(*_book(runtime, "card")).output)
    assert data["outcome"] == "booked" and data["reference"].startswith("MX-")
    [event] = sim_events(widget[0], "booking")
    assert event["reference"] == data["reference"]
    assert event["slot"] == f"alex/{clinic_thursday().isoformat()}/14:30"


def test_handoff_stops_at_the_payment_step(
    cli: Cli, runtime: Runtime, widget: tuple[str, str]
) -> None:
    data = json.loads(cli.ok(*_book(runtime, "handoff")).output)
    assert data["outcome"] == "handoff" and data["screenshot"].endswith(".png")
    base = widget[0]
    assert sim_events(base, "payment") == [] and sim_events(base, "booking") == []
    state = httpx.get(f"{base}/_sandbox/state", timeout=10).json()
    if widget[0] == widget[1]:  # the five-step widget holds the time for its session
        assert state["holds"] == [f"alex/{clinic_thursday().isoformat()}/14:30"]
