"""The three ways a person creates a task — the API, the task form, a CSV import — driven with
one payload each, so tests can check that they accept and refuse exactly the same things."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from test_web_helpers import csrf_of, make_token, setup_admin

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.web.app import create_app

ENTRIES = ("api", "form", "csv")
# Fields a CSV row carries itself; the rest go with the upload as the rows' defaults.
ROW_FIELDS = ("site", "venue", "sub_location", "activity")


@dataclass(frozen=True)
class Verdict:
    status: int
    task_id: int | None  # the created task, when accepted
    text: str

    @property
    def accepted(self) -> bool:
        return self.task_id is not None


class Entries:
    """A client signed in both ways: the admin's session (form, with its CSRF token) and a
    bearer token (API, CSV import)."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.bearer = {"Authorization": f"Bearer {token}"}
        self.csrf = csrf_of(client, "/settings")

    def create(self, entry: str, payload: dict[str, Any]) -> Verdict:
        verdict: Verdict = getattr(self, entry)(payload)
        return verdict

    def api(self, payload: dict[str, Any]) -> Verdict:
        r = self.client.post("/api/v1/tasks", json=payload, headers=self.bearer)
        return Verdict(r.status_code, r.json()["id"] if r.status_code == 201 else None, r.text)

    def form(self, payload: dict[str, Any]) -> Verdict:
        form = {"csrf_token": self.csrf, "strategy": "watch", "poll_interval_s": "30",
                **{k: _form_value(v) for k, v in payload.items()}}  # fmt: skip
        if "courts" in payload:  # one box on the form, comma-separated
            form["courts"] = ", ".join(payload["courts"])
        r = self.client.post("/tasks/new", data=form, follow_redirects=False)
        location = r.headers.get("location", "")
        created = r.status_code == 303 and location.startswith("/tasks/")
        return Verdict(r.status_code, int(location.rsplit("/", 1)[1]) if created else None, r.text)

    def csv(self, payload: dict[str, Any]) -> Verdict:
        times = list(payload.get("times", []))
        row = {"Date": payload.get("target_date", ""),
               **{f"Time{i}": t for i, t in enumerate(times, start=1)},
               **{k: payload[k] for k in ROW_FIELDS if payload.get(k) is not None},
               "account": ";".join(str(a) for a in payload.get("account_ids", []))}  # fmt: skip
        if not row["account"]:
            del row["account"]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
        rest = {k: _form_value(v) for k, v in payload.items()
                if k not in (*ROW_FIELDS, "target_date", "times", "account_ids")}  # fmt: skip
        files = {"file": ("tasks.csv", out.getvalue().encode(), "text/csv")}
        r = self.client.post("/api/v1/tasks/import", data=rest, files=files, headers=self.bearer)
        created = r.json().get("created") if r.status_code == 201 else None
        return Verdict(r.status_code, created[0]["id"] if created else None, r.text)


def _form_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, list):
        return [str(v) for v in value]
    return "" if value is None else str(value)


@contextmanager
def entries(settings: Settings, runtime: Runtime) -> Iterator[Entries]:
    with TestClient(create_app(settings, runtime=runtime)) as client:
        assert setup_admin(client).status_code == 303
        yield Entries(client, make_token(runtime))
