"""Release rules: the UTC instant a slot opens, on both sides of the 2026 summer-time changes
(clocks go forward 2026-03-29 01:00 UTC, back 2026-10-25 01:00 UTC), the rule strings of the
settings, and agreement with each simulator's own rule for every day of the year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from autobook.config import Settings
from autobook.domain.release import LONDON, ReleaseRule, parse_rule
from autobook.sandbox.better.release import ReleaseRule as BetterSimRule
from autobook.sandbox.estelle.model import Rules as EstelleSimRules
from autobook.sandbox.estelle.schedule import release_of
from autobook.sandbox.gym.model import SlotRef
from autobook.sandbox.gym.state import GymState

BETTER = parse_rule("7d@22:00")
ESTELLE = parse_rule("14d@00:00")
GYM = parse_rule("48h")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-04", "2026-03-28 22:00"),  # released Saturday evening, still GMT
        ("2026-04-05", "2026-03-29 21:00"),  # released Sunday 22:00 BST
        ("2026-10-31", "2026-10-24 21:00"),  # released Saturday 22:00, still BST
        ("2026-11-01", "2026-10-25 22:00"),  # released Sunday 22:00 GMT
    ],
)
def test_better_releases_at_22_local_seven_days_ahead(day: str, expected: str) -> None:
    assert BETTER.release_at(date.fromisoformat(day), time(19)) == utc(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-12", "2026-03-29 00:00"),  # midnight of the change day is still GMT
        ("2026-04-13", "2026-03-29 23:00"),  # 30 March 00:00 BST
        ("2026-11-08", "2026-10-24 23:00"),  # 25 October 00:00 is still BST
        ("2026-11-09", "2026-10-26 00:00"),  # 26 October 00:00 GMT
    ],
)
def test_estelle_releases_at_midnight_local_fourteen_days_ahead(day: str, expected: str) -> None:
    assert ESTELLE.release_at(date.fromisoformat(day), time(19)) == utc(expected)


@pytest.mark.parametrize(
    ("day", "start", "expected"),
    [
        ("2026-03-28", 7, "2026-03-26 07:00"),  # both ends GMT
        ("2026-03-29", 7, "2026-03-27 07:00"),  # starts 06:00 UTC (BST): 47 real hours
        ("2026-03-31", 7, "2026-03-29 06:00"),  # both ends BST
        ("2026-10-25", 7, "2026-10-23 06:00"),  # starts 07:00 UTC (GMT): 49 real hours
        ("2026-10-27", 7, "2026-10-25 07:00"),  # both ends GMT
    ],
)
def test_gym_releases_48_wall_clock_hours_before_the_start(
    day: str, start: int, expected: str
) -> None:
    assert GYM.release_at(date.fromisoformat(day), time(start)) == utc(expected)


def year_2026() -> list[date]:
    return [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def test_defaults_match_every_simulator_for_every_day_of_2026() -> None:
    better, estelle, gym = BetterSimRule(), EstelleSimRules(), GymState()
    for day in year_2026():
        assert BETTER.release_at(day, time(18)) == better.rule_release("any-venue", day), day
        assert ESTELLE.release_at(day, time(9)) == release_of(day, estelle), day
        for hour in (6, 7, 12, 21):
            expected = gym.unlocks_at(SlotRef(day, hour, "Fitness"))
            assert GYM.release_at(day, time(hour)) == expected, (day, hour)


def test_settings_defaults_are_the_simulators_rules() -> None:
    fields = Settings.model_fields
    assert parse_rule(fields["better_release"].default) == BETTER
    assert parse_rule(fields["estelle_release"].default) == ESTELLE
    gym_rule = parse_rule(fields["gym_release"].default)
    assert gym_rule.hours_before == GymState().rules.unlock_hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d@22:00", ReleaseRule(days_ahead=7, at=time(22))),
        (" 14d@0:05 ", ReleaseRule(days_ahead=14, at=time(0, 5))),
        ("48h", ReleaseRule(hours_before=48)),
        ("1.5h", ReleaseRule(hours_before=1.5)),
        ("0h", ReleaseRule(hours_before=0)),
        (
            "7d@21:00 Europe/Dublin",
            ReleaseRule(zone=ZoneInfo("Europe/Dublin"), days_ahead=7, at=time(21)),
        ),
    ],
)
def test_parse_rule_reads_every_form(text: str, expected: ReleaseRule) -> None:
    assert parse_rule(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a release rule"),
        ("7d", "is not a release rule"),
        ("7 days at 22:00", "is not a release rule"),
        ("7d@24:00", "is not a time of day"),
        ("7d@22:60", "is not a time of day"),
        ("-7d@22:00", "is not a release rule"),
        ("400d@22:00", "at most 366 days"),
        ("48m", "is not a release rule"),
        ("9999h", "at most 8784 hours"),
        ("7d@22:00 Mars/Olympus", "unknown time zone"),
        ("7d@22:00 ../../etc/passwd", "unknown time zone"),
        ("٧d@22:00", "is not a release rule"),  # non-ASCII digits
    ],
)
def test_parse_rule_rejects_bad_values_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rule(text)


def test_a_bad_release_setting_names_the_setting() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(AUTOBOOK_GYM_RELEASE="two days")
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [("AUTOBOOK_GYM_RELEASE",)]
    assert "HOURSh" in errors[0]["msg"]


def test_a_configured_rule_changes_the_instant() -> None:
    settings = Settings(AUTOBOOK_BETTER_RELEASE="6d@21:00")
    rule = parse_rule(settings.better_release)
    assert rule.release_at(date(2026, 7, 8), time(19)) == utc("2026-07-02 20:00")
    assert rule.zone is LONDON
