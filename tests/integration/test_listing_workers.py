"""Two `autobook worker` processes on PostgreSQL share the listings of 12 Better watch tasks:
each listing is looked at by one worker at a time (the simulator never sees two requests for
one listing within an interval), both workers get a share, and when one is SIGKILLed the other
takes its listings over once their leases run out and looks at them again.
"""

from __future__ import annotations

import itertools
import signal
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select
from test_distributed_workers import (
    B60,
    HENDON,
    _clear_queue,
    _logs,
    _start_worker,
    _wait_for,
    _worker_env,
    pg_only,
)
from test_distributed_workers import sandbox as sandbox  # the simulator, in its own process

from autobook.db.models import Listing
from autobook.db.session import transaction
from autobook.runtime import Runtime
from engine_support import LONDON, ExternalSandbox, add_account, add_task, sim_events

LISTINGS, TASKS_PER_LISTING = 6, 2
INTERVAL_S = 5
LEASE_S = 6  # the workers' AUTOBOOK_LEASE_SECONDS: how long a dead worker's listings wait
PASSWORD = "Watcher-pass-1"


def _owners(runtime: Runtime) -> dict[str, str | None]:
    with transaction(runtime.sessions) as session:
        return {key: owner for key, owner in session.execute(select(Listing.key, Listing.owner))}


def _set_up(runtime: Runtime, api: str) -> None:
    """Six listings (Hendon, 60 min, the next six days), every court of the wanted session
    taken, two watch tasks on each."""
    today = datetime.now(LONDON).date()
    with httpx.Client(base_url=api, timeout=30) as sim:
        sim.post("/_sandbox/reset").raise_for_status()
        sim.post("/_sandbox/clock", json={"offset_s": 0}).raise_for_status()
        sim.post("/_sandbox/seed/demo").raise_for_status()
        user = {"email": "watcher@example.com", "password": PASSWORD, "benefit": True}
        sim.post("/_sandbox/better/users", json=user).raise_for_status()
        for d in range(1, LISTINGS + 1):
            body = {
                "key": f"{HENDON}/{B60}/{today + timedelta(days=d)}/20:00",
                "taken": [1, 2, 3, 4],
            }
            sim.post("/_sandbox/better/occupancy", json=body).raise_for_status()
        sim.delete("/_sandbox/events").raise_for_status()
    account = add_account(runtime, "better", "watcher@example.com", PASSWORD)
    for d, _ in itertools.product(range(1, LISTINGS + 1), range(TASKS_PER_LISTING)):
        add_task(runtime, site="better", venue=HENDON, activity=B60,
                 target_date=today + timedelta(days=d), times=["20:00"], account_ids=[account],
                 payment_method="benefit", poll_interval_s=INTERVAL_S)  # fmt: skip


@pg_only
def test_each_listing_has_one_looker_and_a_dead_workers_listings_are_taken_over(
    runtime: Runtime, sandbox: ExternalSandbox, tmp_path: Path
) -> None:
    api = sandbox.url("better", "api")
    _set_up(runtime, api)
    _clear_queue(runtime)
    env = _worker_env(runtime, sandbox, tmp_path / "data") | {
        "AUTOBOOK_LEASE_SECONDS": str(LEASE_S)
    }
    survivor, victim = (_start_worker(name, env, tmp_path) for name in ("w0", "w1"))
    procs = [survivor, victim]
    try:
        # Both workers hold a share of the six listings, and each was looked at twice.
        def shared() -> bool:
            owners = _owners(runtime)
            looks = [e for e in sim_events(api, "request") if e["path"].endswith("/v2/times")]
            return (len(owners) == LISTINGS and set(owners.values()) == {"w0", "w1"}
                    and len(looks) >= 2 * LISTINGS)  # fmt: skip

        _wait_for(shared, "both workers hold listings", procs)
        victims = {key for key, owner in _owners(runtime).items() if owner == "w1"}
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = time.time()  # the simulator's clock is the real one here

        def taken_over() -> bool:
            return set(_owners(runtime).values()) == {"w0"}

        _wait_for(taken_over, "w0 holds every listing", [survivor])
        time.sleep(INTERVAL_S + 1)  # one more look at each, by w0 alone
    except BaseException:
        print(_logs(tmp_path))  # shown with the failure
        raise
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
        survivor.send_signal(signal.SIGTERM)
        code = survivor.wait(timeout=60)
    assert code == 0, _logs(tmp_path)

    looks: dict[str, list[float]] = defaultdict(list)
    for event in sim_events(api, "request"):
        if event["path"].endswith("/v2/times"):
            looks[event["query"].removeprefix("date=")].append(event["t"])
    assert len(looks) == LISTINGS
    # One looker at a time: never two requests for one listing within an interval, across
    # both workers, the share-out at the start and the takeover.
    for day, times in looks.items():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= INTERVAL_S, (day, gaps)
    # The dead worker's listings were looked at again within a lease (and an interval).
    for key in victims:
        day = key.rsplit("|", 1)[1]
        after = [t for t in looks[day] if t > killed_at]
        assert after and after[0] <= killed_at + LEASE_S + INTERVAL_S, (day, after[:1])
