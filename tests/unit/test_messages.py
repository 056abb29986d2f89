"""The wording of validation errors (`web.messages`): pydantic's own phrases become plain
clauses, ours are kept; a sentence names the field by its label."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from autobook.domain.taskspec import TaskCreate
from autobook.web.messages import anchor, label, plain, sentence

BASE: dict[str, Any] = {"site": "gym", "venue": "Fitness", "target_date": "2030-01-01",
                        "times": ["7pm"], "payment_method": "benefit"}  # fmt: skip


def _clauses(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        TaskCreate.model_validate({**BASE, **changes})
    found = {}
    for err in caught.value.errors():
        field = ".".join(str(p) for p in err["loc"])
        found[field] = plain(field, err, err["msg"])  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"venue": ""}, {"venue": "choose one"}),
        ({"times": []}, {"times": "add at least one time"}),
        ({"site": "myspace"}, {"site": "choose one of 'better', 'estelle', 'gym' or 'clinic'"}),
        ({"site": ""}, {"site": "choose one"}),
        ({"venue": "v" * 201}, {"venue": "use at most 200 characters"}),
        ({"poll_interval_s": "soon"}, {"poll_interval_s": "enter a whole number"}),
        ({"poll_interval_s": 1}, {"poll_interval_s": "enter 5 or more"}),
        ({"account_ids": ["x"]}, {"account_ids.0": "enter a whole number"}),
        ({"bogus": 1}, {"bogus": "not a field this accepts"}),
    ],
)
def test_pydantic_phrases_become_plain_clauses(
    changes: dict[str, Any], expected: dict[str, str]
) -> None:
    assert _clauses(**changes) == expected


def test_a_sentence_names_the_field_by_its_label() -> None:
    assert sentence("venue", "choose one") == "Venue: choose one"
    assert sentence("times", "add at least one time") == "Add at least one time"
    assert sentence("times.1", "this time is already listed") == (
        "2nd choice: this time is already listed"
    )
    assert sentence("card_number", "card number must be 12 to 19 digits") == (
        "Card number: must be 12 to 19 digits"  # the label is not said twice
    )
    assert sentence(None, "wrong username or password") == "Wrong username or password"
    assert label("password_confirm") == "Passwords" and label("some_field") == "Some field"
    assert (anchor("times"), anchor("times.2"), anchor("account_ids.0")) == (
        "time1",
        "time3",
        "account_ids",
    )
    assert anchor(None) is None
