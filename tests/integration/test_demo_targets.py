"""`autobook demo` books its watch tasks at once on any date: the simulators' lived-in days
(other people's bookings, different every date) are seeded, then the demo gives back whatever
they hold at its watch tasks' times. Checked on the hard dates, in the simulators' own state."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from autobook.cli.demo_data import DEMO_TASKS, DemoTask, free_demo_targets
from autobook.domain.tasks import Strategy
from autobook.sandbox.better import catalog
from autobook.sandbox.better.site import BetterSim
from autobook.sandbox.clinic.catalog import PROVIDERS, SERVICE_BY_ID
from autobook.sandbox.clinic.site import ClinicSim
from autobook.sandbox.core import SimSite
from autobook.sandbox.gym.model import SlotRef
from autobook.sandbox.gym.site import GymSim
from autobook.sandbox.runner import Sandbox

LONDON = ZoneInfo("Europe/London")
HARD_DATES = [
    "2026-12-05T10:00",  # a Saturday
    "2026-12-31T23:30",  # the year's last half hour
    "2027-03-27T23:30",  # the eve of the spring DST change
    "2027-03-28T03:00",  # just after it
    "2027-10-30T23:30",  # the eve of the autumn change
    "2027-10-31T12:00",
    "2027-06-24T09:00",  # a Thursday: the clinic's task lands on a Sunday without a weekday rule
    "2028-02-29T12:00",
]
WATCHED = [t for t in DEMO_TASKS if t.strategy is Strategy.WATCH]


def _lived_in_box(at: datetime) -> Sandbox:
    box = Sandbox.create(sorted({t.site.value for t in WATCHED}))
    for site in box.sites.values():
        site.background = True  # the demo's lived-in days, whatever the test session says
        site.clock.set_now(at)
        site.seed("demo")
    return box


def _free_places(site: SimSite, task: DemoTask, day: date, start: time) -> int:
    """How many people could still book `task`'s slot on `day` at `start`."""
    if isinstance(site, BetterSim):
        key = catalog.session_key(task.venue, task.activity, day, start)
        return len(site.state.session(key).free_places())
    if isinstance(site, GymSim):
        return site.state.available(SlotRef(day, start.hour, task.venue, task.sub_location))
    assert isinstance(site, ClinicSim)
    service = SERVICE_BY_ID[task.activity]
    at = datetime.combine(day, start, tzinfo=site.desk.now().tzinfo)
    return sum(
        1
        for p in PROVIDERS
        if service.id in p.services and site.desk.schedule.is_free(p, service, at)
    )


@pytest.mark.parametrize("local", HARD_DATES)
def test_demo_watch_targets_are_free_on_every_date(local: str) -> None:
    at = datetime.fromisoformat(local).replace(tzinfo=LONDON)
    box = _lived_in_box(at)
    others = sum(site.free_at(date(2000, 1, 1), time(0, 0)) for site in box.sites.values())
    assert others == 0  # freeing a day long gone touches nothing
    free_demo_targets(box, at.date())
    for task in WATCHED:
        day = task.target_date(at.date())
        assert day.weekday() in task.open_days
        for hhmm in task.times:
            free = _free_places(box.sites[task.site.value], task, day, time.fromisoformat(hhmm))
            assert free > 0, f"{task.site.value} {day} {hhmm} is full"


def test_the_lived_in_background_takes_slots_and_free_at_gives_them_back() -> None:
    """The background is real (so freeing proves something): on a week of days, other people
    hold places at the demo's watch times, and `free_at` hands back exactly those."""
    taken, freed = 0, 0
    for day in range(1, 8):
        at = datetime(2027, 5, day, 6, 0, tzinfo=LONDON)
        box = _lived_in_box(at)
        for task in WATCHED:
            site, target = box.sites[task.site.value], task.target_date(at.date())
            for hhmm in task.times:
                start = time.fromisoformat(hhmm)
                before = _free_places(site, task, target, start)
                freed += site.free_at(target, start)
                after = _free_places(site, task, target, start)
                taken += after - before
                assert after >= before
    assert freed > 0 and taken > 0
