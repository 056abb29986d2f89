"""Task input: times parsed and ordered, duplicates and missing profiles named."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from autobook.domain.taskspec import TaskCreate

BASE: dict[str, Any] = {
    "site": "better",
    "venue": "hendon-leisure-centre",
    "activity": "badminton-60min",
    "target_date": "2026-12-01",
    "times": ["7pm", "20:00"],
    "payment_method": "credit",
}


def test_times_are_normalised_in_order() -> None:
    spec = TaskCreate(**BASE)
    assert spec.times == ["19:00", "20:00"]
    assert spec.columns()["time_preferences"] == ["19:00", "20:00"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"times": []}, "times"),
        ({"times": ["7pm", "19:00"]}, "times"),
        ({"times": ["25:00"]}, "times"),
        ({"site": "nowhere"}, "site"),
        ({"venue": ""}, "venue"),
        ({"target_date": "31/02/2026"}, "target_date"),
        ({"payment_method": "card"}, "payment_profile_id"),
        ({"account_ids": [3, 3]}, "account_ids"),
        ({"poll_interval_s": 1}, "poll_interval_s"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        TaskCreate(**{**BASE, **change})
    assert field in str(info.value)
