"""Booking sessions (seed 004) that nobody pays, in real Chromium on the five-step clinic
simulator: a cancel lets the held time go on the site, an idle session is abandoned with
outcome timeout, and eight sessions started at once with a limit of five run five at a time."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from sqlalchemy import select

from autobook.db.models import HandoffTransition
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import SQLITE_ONLY, clinic_thursday, sandbox_fixture, sim_events, sim_fixture
from handoff_support import handoff_runtime, receiver, service, start_body, wait_for, wait_until

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("clinic", "empty")
clinic = sim_fixture("clinic", seed="empty")
LIVE = {"navigating", "ready_for_handoff", "monitoring"}


def free(clinic: httpx.Client) -> set[str]:
    day = clinic_thursday().isoformat()
    return set(clinic.get("/_sandbox/clinic/slots", params={"day": day}).json())


def test_delete_cancels_and_the_clinic_shows_the_time_free_again(
    runtime: Runtime, box: Sandbox, clinic: httpx.Client
) -> None:
    rt = handoff_runtime(runtime, box)
    slot = f"alex/{clinic_thursday().isoformat()}/14:30"
    with receiver() as calls, service(rt) as api:
        sid = api.post("/api/v1/booking/start", json=start_body(
            f"{clinic.base_url}/book", callbackUrl=calls.url)).json()["sessionId"]  # fmt: skip
        assert wait_for(api, sid, {"ready_for_handoff"})["state"] == "ready_for_handoff"
        assert slot not in free(clinic)  # held for the person

        cancelled = api.delete(f"/api/v1/booking/{sid}")
        assert cancelled.status_code == 200
        assert (cancelled.json()["state"], cancelled.json()["outcome"]) == ("cancelled",
                                                                           "cancelled")
        wait_until(lambda: slot in free(clinic))
        assert api.delete(f"/api/v1/booking/{sid}").status_code == 409
        gone = api.get(f"/api/v1/booking/{sid}/handoff-url")
        assert gone.status_code == 409 and gone.json()["detail"][0]["field"] == "sessionId"
        wait_until(lambda: len(calls.events()) == 2)
    [released] = [e for e in sim_events(str(clinic.base_url), "release_hold")
                  if e["detail"]["reason"] == "cancelled_by_guest"]  # fmt: skip
    assert released["slot"] == slot
    assert [e for e, _ in calls.events()] == ["ready_for_handoff", "cancelled"]


def test_eight_at_once_run_five_at_a_time_and_idle_ones_are_abandoned(
    runtime: Runtime, box: Sandbox, clinic: httpx.Client
) -> None:
    rt = handoff_runtime(runtime, box, handoff_concurrency=5, handoff_inactivity_s=2.0)
    times = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30"]
    with service(rt) as api:
        ids = [api.post("/api/v1/booking/start",
                        json=start_body(f"{clinic.base_url}/book", time=t, provider=None)
                        ).json()["sessionId"] for t in times]  # fmt: skip
        ended = [wait_for(api, sid, set()) for sid in ids]

    assert {(s["state"], s["outcome"]) for s in ended} == {("abandoned", "timeout")}
    assert all("in time" in s["error"] for s in ended)
    with transaction(rt.sessions) as session:
        moves = session.scalars(select(HandoffTransition).order_by(HandoffTransition.id)).all()
        changes = [(m.at, m.session_id, m.to_state) for m in moves]
    assert most_live_at_once(changes) == 5
    started = {sid: at for at, sid, to in changes if to == "navigating"}
    first_five = sorted(started.values())[:5]
    queued = sorted(started.values())[5:]
    first_end = min(at for at, _, to in changes if to == "abandoned")
    assert max(first_five) < first_end <= min(queued)  # the three waited for a free browser
    order = [sid for _, sid in sorted((at, sid) for sid, at in started.items())]
    assert order == ids  # and started in the order they came
    day = clinic_thursday().isoformat()
    assert {f"alex/{day}/{t}" for t in times} <= free(clinic)  # every held time let go
    releases = sim_events(str(clinic.base_url), "release_hold")
    assert len([e for e in releases if e["detail"]["reason"] == "cancelled_by_guest"]) == 8


def most_live_at_once(changes: list[tuple[datetime, str, str]]) -> int:
    live: set[str] = set()
    most = 0
    for _, sid, to in changes:
        if to in LIVE:
            live.add(sid)
        else:
            live.discard(sid)
        most = max(most, len(live))
    return most
