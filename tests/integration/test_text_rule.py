"""One text rule (`domain.text`) behind every door: the API, the forms and CSV import keep the
same names (non-breaking spaces, right-to-left marks, joined emoji) and refuse the same control
characters, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from entry_support import ENTRIES, Entries, entries
from test_ui_helpers import add_account

from autobook.config import Settings
from autobook.domain.taskdates import site_today
from autobook.runtime import Runtime

KEPT = ["Court\u00a02", "\u200fמגרש 2", "👩\u200d👩\u200d👧 court", "Zoë's — 東京"]
REFUSED = ["Court\x012", "Court\x1b[31m2", "Court\x7f"]


@pytest.fixture
def door(settings: Settings, runtime: Runtime) -> Iterator[Entries]:
    with entries(settings, runtime) as e:
        yield e


def _payload(account: int, court: str) -> dict[str, Any]:
    day = site_today(ZoneInfo("Europe/London")) + timedelta(days=3)
    return {"site": "gym", "venue": "X1", "sub_location": "A", "activity": "gym-60min",
            "target_date": day.isoformat(), "times": ["09:00"], "account_ids": [account],
            "payment_method": "benefit", "courts": [court]}  # fmt: skip


@pytest.mark.parametrize("court", KEPT + REFUSED)
def test_task_text_is_kept_or_refused_alike_everywhere(
    door: Entries, runtime: Runtime, court: str
) -> None:
    account = add_account(runtime, "gym")
    for entry in ENTRIES:
        verdict = door.create(entry, _payload(account, court))
        if court in KEPT:
            assert verdict.accepted, (entry, verdict.status, verdict.text[:400])
            shown = door.client.get(f"/api/v1/tasks/{verdict.task_id}", headers=door.bearer)
            assert shown.json()["courts"] == [court], entry
        else:
            assert verdict.status == 422, (entry, verdict.status)
            assert "control characters" in verdict.text, (entry, verdict.text[:400])


@pytest.mark.parametrize("name", KEPT + REFUSED)
def test_account_names_are_kept_or_refused_alike_by_the_api_and_the_form(
    door: Entries, name: str
) -> None:
    account = {"site": "gym", "display_name": name, "login": f"{len(name)}@example.com",
               "password": "pw-123456"}  # fmt: skip
    api = door.client.post("/api/v1/accounts", json=account, headers=door.bearer)
    form = door.client.post("/settings/accounts", follow_redirects=False,
                            data={**account, "login": "f" + account["login"],
                                  "csrf_token": door.csrf})  # fmt: skip
    if name in KEPT:
        assert api.status_code == 201 and api.json()["display_name"] == name, api.text
        assert form.status_code == 303, form.text[:400]
    else:
        assert api.status_code == 422 and form.status_code == 422
        assert "control characters" in api.text and "control characters" in form.text
