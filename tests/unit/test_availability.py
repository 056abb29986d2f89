"""The slot rules of the public page (appointments/availability.py), as pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from autobook.appointments.availability import (
    Interval,
    Policy,
    Shape,
    WeeklyRule,
    Window,
    bookable_dates,
    free_slots,
    overlapping_windows,
    slot_is_free,
)

LONDON = ZoneInfo("Europe/London")
MIN = timedelta(minutes=1)
POLICY = Policy(zone=LONDON, min_notice=timedelta(hours=0), max_future_days=400)
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # a Sunday, well before the days tested
MONDAY = date(2026, 3, 2)
NINE_TO_TWELVE = [WeeklyRule(0, Window(time(9), time(12)))]  # Mondays


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=LONDON)


def hhmm(slots: list[datetime]) -> list[str]:
    return [s.astimezone(LONDON).strftime("%H:%M") for s in slots]


def slots(day: date = MONDAY, shape: Shape | None = None, **kw: object) -> list[datetime]:
    args: dict = {
        "rules": NINE_TO_TWELVE,
        "overrides": {},
        "busy": [],
        "now": NOW,
        "policy": POLICY,
    }
    args.update(kw)
    return free_slots(day, shape or Shape(timedelta(minutes=60)), **args)


def test_weekly_rule_split_by_duration_by_default() -> None:
    assert hhmm(slots()) == ["09:00", "10:00", "11:00"]
    assert slots(MONDAY + timedelta(days=1)) == []  # no rule on Tuesdays


def test_slot_interval_differs_from_duration() -> None:
    shape = Shape(timedelta(minutes=60), interval=timedelta(minutes=30))
    assert hhmm(slots(shape=shape)) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_buffers_are_part_of_the_chunk_and_must_fit_the_window() -> None:
    shape = Shape(timedelta(minutes=30), timedelta(minutes=15), timedelta(minutes=15))
    # chunks of 60 min stepping by 30: starts 09:15, 09:45, …, last chunk 11:00–12:00
    assert hhmm(slots(shape=shape)) == ["09:15", "09:45", "10:15", "10:45", "11:15"]


def test_existing_appointment_with_its_buffers_blocks_neighbouring_chunks() -> None:
    shape = Shape(timedelta(minutes=30), buffer_after=timedelta(minutes=30))
    taken = shape.occupies(local(MONDAY, 10))  # 10:00–11:00 with the buffer
    assert hhmm(slots(shape=shape, busy=[taken])) == ["09:00", "11:00"]
    # the other appointment's buffer is what keeps 10:30 closed
    bare = Interval(local(MONDAY, 10), local(MONDAY, 10, 30))
    assert hhmm(slots(shape=shape, busy=[bare])) == ["09:00", "10:30", "11:00"]
    # and the new chunk's own buffer after is what closes 09:30 (it would end at 10:30)
    assert hhmm(slots(shape=Shape(timedelta(minutes=30)), busy=[bare])) == [
        "09:00",
        "09:30",
        "10:30",
        "11:00",
        "11:30",
    ]


def test_busy_interval_touching_a_slot_edge_does_not_block_it() -> None:
    busy = [Interval(local(MONDAY, 10), local(MONDAY, 11))]  # e.g. a court at 10:00
    assert hhmm(slots(busy=busy)) == ["09:00", "11:00"]
    partial = [Interval(local(MONDAY, 10, 59), local(MONDAY, 11, 1))]
    assert hhmm(slots(busy=partial)) == ["09:00"]


def test_blocked_period_spanning_days_closes_them() -> None:
    blocked = Interval(local(MONDAY, 0) - timedelta(days=2), local(MONDAY, 9, 30))
    assert hhmm(slots(busy=[blocked])) == ["10:00", "11:00"]


def test_date_override_replaces_the_weekly_rules_or_closes_the_day() -> None:
    other = {MONDAY: [Window(time(14), time(16))]}
    assert hhmm(slots(overrides=other)) == ["14:00", "15:00"]
    assert slots(overrides={MONDAY: []}) == []
    tuesday = MONDAY + timedelta(days=1)  # an override opens a day with no weekly rule
    assert hhmm(slots(tuesday, overrides={tuesday: [Window(time(8), time(9))]})) == ["08:00"]
    two = {MONDAY: [Window(time(14), time(15)), Window(time(8), time(9))]}
    assert hhmm(slots(overrides=two)) == ["08:00", "14:00"]


def test_minimum_notice_removes_slots_starting_too_soon() -> None:
    policy = Policy(LONDON, timedelta(hours=2), 60)
    now = local(MONDAY, 8, 1)  # 10:01 is the earliest start
    assert hhmm(slots(now=now, policy=policy)) == ["11:00"]
    now = local(MONDAY, 8, 0)  # exactly two hours before 10:00: allowed
    assert hhmm(slots(now=now, policy=policy)) == ["10:00", "11:00"]


def test_window_edges_first_and_last_bookable_day() -> None:
    policy = Policy(LONDON, timedelta(hours=24), 15)
    now = local(MONDAY, 10, 30) - timedelta(days=1)  # Sunday 10:30
    first, last = bookable_dates(now, policy)
    assert (first, last) == (MONDAY, MONDAY + timedelta(days=14))
    assert hhmm(slots(now=now, policy=policy)) == ["11:00"]
    last_monday = MONDAY + timedelta(days=14)  # today + 15: the last day, still open
    assert hhmm(slots(last_monday, now=now, policy=policy)) == ["09:00", "10:00", "11:00"]
    assert slots(last_monday + timedelta(days=7), now=now, policy=policy) == []
    assert slots(MONDAY - timedelta(days=7), now=now, policy=policy) == []


def test_spring_forward_day_has_real_local_times() -> None:
    sunday = date(2026, 3, 29)  # Europe/London: 01:00 GMT → 02:00 BST
    rules = [WeeklyRule(6, Window(time(0), time(4)))]
    got = slots(sunday, rules=rules)
    # 00:00 GMT, then one real hour later it is 02:00 BST: three hours, three slots
    assert hhmm(got) == ["00:00", "02:00", "03:00"]
    assert [s.astimezone(UTC).hour for s in got] == [0, 1, 2]
    daytime = slots(sunday, rules=[WeeklyRule(6, Window(time(9), time(11)))])
    assert [s.astimezone(UTC).strftime("%H:%M") for s in daytime] == ["08:00", "09:00"]


def test_fall_back_day_has_the_repeated_hour() -> None:
    sunday = date(2026, 10, 25)  # Europe/London: 02:00 BST → 01:00 GMT
    rules = [WeeklyRule(6, Window(time(0), time(3)))]
    got = slots(sunday, rules=rules)
    assert hhmm(got) == ["00:00", "01:00", "01:00", "02:00"]  # four real hours
    assert [s.astimezone(LONDON).tzname() for s in got] == ["BST", "BST", "GMT", "GMT"]
    daytime = slots(sunday, rules=[WeeklyRule(6, Window(time(9), time(11)))])
    assert [s.astimezone(UTC).strftime("%H:%M") for s in daytime] == ["09:00", "10:00"]


def test_slot_is_free_checks_one_start() -> None:
    kw: dict = {"rules": NINE_TO_TWELVE, "overrides": {}, "now": NOW, "policy": POLICY}
    shape = Shape(timedelta(minutes=60))
    assert slot_is_free(local(MONDAY, 10), shape, busy=[], **kw)
    assert not slot_is_free(local(MONDAY, 10, 30), shape, busy=[], **kw)  # not on the grid
    assert not slot_is_free(
        local(MONDAY, 10), shape, busy=[shape.occupies(local(MONDAY, 10))], **kw
    )


def test_overlapping_windows_are_reported() -> None:
    a, b, c = Window(time(9), time(12)), Window(time(11), time(13)), Window(time(13), time(14))
    assert overlapping_windows([c, b, a]) == [(a, b)]
    assert overlapping_windows([a, c]) == []
