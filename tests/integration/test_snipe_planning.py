"""Snipes across the 2026 clock changes (29 March, 25 October) are parked until
PRE_LOGIN_MINUTES before the right UTC instant, and run as snipes inside that window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.worker.plan import plan_task
from engine_support import add_task, task_row

# (site, day booked, wanted time, the release instant in UTC)
CASES = [
    # Better: 22:00 London, 7 days ahead. GMT before 29 March, BST after; back on 25 October.
    ("better", "2026-03-31", "19:00", "2026-03-24T22:00:00+00:00"),
    ("better", "2026-04-05", "19:00", "2026-03-29T21:00:00+00:00"),
    ("better", "2026-10-31", "19:00", "2026-10-24T21:00:00+00:00"),
    ("better", "2026-11-01", "19:00", "2026-10-25T22:00:00+00:00"),
    # Estelle: midnight London, 14 days ahead.
    # Midnight on the change days themselves is still on the old offset (clocks move at 01:00
    # UTC), so the UTC instant jumps between the 29th/30th and the 25th/26th.
    ("estelle", "2026-04-12", "19:00", "2026-03-29T00:00:00+00:00"),
    ("estelle", "2026-04-13", "19:00", "2026-03-29T23:00:00+00:00"),
    ("estelle", "2026-11-08", "19:00", "2026-10-24T23:00:00+00:00"),
    ("estelle", "2026-11-09", "19:00", "2026-10-26T00:00:00+00:00"),
]
VENUES = {"better": ("hendon-leisure-centre", "badminton-60min"), "estelle": (None, None)}


def _snipe(runtime: Runtime, site: str, day: str, at: str) -> int:
    from autobook.sites.registry import site_info

    info = site_info(site)
    venue, activity = VENUES[site]
    return add_task(
        runtime, site=site, venue=venue or info.venues[0].key,
        activity=activity or info.activities[0].key, target_date=day, times=[at],
        payment_method=info.payment_methods[0].value, strategy="snipe",
    )  # fmt: skip


@pytest.mark.parametrize(("site", "day", "at", "release"), CASES)
def test_snipe_is_parked_until_pre_login_before_the_utc_release(
    runtime: Runtime, site: str, day: str, at: str, release: str
) -> None:
    instant = datetime.fromisoformat(release)
    with time_machine.travel(instant - timedelta(days=2)):  # created while the day was ahead
        task = _snipe(runtime, site, day, at)
    pre_login = timedelta(minutes=runtime.settings.pre_login_minutes)

    plan = plan_task(runtime, task, now=instant - timedelta(days=2))
    assert plan.action == "scheduled" and plan.release_at == instant
    row = task_row(runtime, task)
    assert row.status == TaskStatus.SCHEDULED.value
    assert row.next_run_at == (instant - pre_login).astimezone(UTC)

    inside = plan_task(runtime, task, now=instant - pre_login + timedelta(seconds=1))
    assert inside.action == "snipe" and inside.release_at == instant
    long_after = plan_task(runtime, task, now=instant + timedelta(hours=1))
    assert long_after.action == "watch"
