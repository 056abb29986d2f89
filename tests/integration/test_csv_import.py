"""Seed 001's CSV upload: `POST /api/v1/tasks/import` and `autobook import FILE` on SQLite and
PostgreSQL, all-or-nothing by default, every bad row named by line and column; and the parser
itself (`plan_import`) on a table of bad files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_support import add_account, add_card, api_client
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_cli_support import Cli

from autobook.config import Settings
from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.domain.csvimport import MAX_ROWS, plan_import
from autobook.domain.taskupdate import TaskDefaults
from autobook.runtime import Runtime

DAY = date.today() + timedelta(days=30)
D1, D2, D3 = (DAY + timedelta(days=i) for i in range(3))
SEED_001 = f"""Date, Time1, Time2, Status
{D1}, 7pm, 8pm, Book
{D2}, 11am, 12pm, Book
{D3}, 7:30pm, , Skip
"""
ESTELLE = {"site": "estelle", "venue": "padel-courts", "payment_method": "credit",
           "strategy": "snipe"}  # fmt: skip


@pytest.fixture
def api(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with api_client(settings, runtime) as client:
        yield client


def _upload(api: TestClient, text: str | bytes, **form: Any) -> Any:
    data = text.encode() if isinstance(text, str) else text
    files = {"file": ("bookings.csv", data, "text/csv")}
    return api.post("/api/v1/tasks/import", files=files, data=form)


def _task_count(runtime: Runtime) -> int:
    with transaction(runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(Task)) or 0


def test_seed_001_file_with_defaults_from_the_request(api: TestClient, runtime: Runtime) -> None:
    ann = add_account(runtime, "estelle", "ann@example.com", "padel-pass-1")
    response = _upload(api, SEED_001, **ESTELLE, account_ids=[str(ann)], dry_run="true")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["skipped_lines"] == [4] and body["errors"] == []
    created = body["created"]
    assert [(t["target_date"], t["times"]) for t in created] == [
        (D1.isoformat(), ["19:00", "20:00"]),
        (D2.isoformat(), ["11:00", "12:00"]),
    ]
    assert {(t["site"], t["venue"], t["strategy"], t["dry_run"]) for t in created} == {
        ("estelle", "padel-courts", "snipe", True)
    }
    assert all(t["account_ids"] == [ann] and t["status"] == "pending" for t in created)


def test_one_bad_row_and_nothing_is_created_every_bad_row_named(
    api: TestClient, runtime: Runtime
) -> None:
    text = SEED_001 + f"2026-13-01, 7pm, , Book\n{D1}, 25pm, , Book\n{D2}, 11am, 12pm, Book\n"
    response = _upload(api, text, **ESTELLE)
    assert response.status_code == 422, response.text
    assert [(e["line"], e["field"]) for e in response.json()["detail"]] == [
        (5, "Date"),
        (6, "Time1"),
        (7, None),
    ]
    messages = [e["message"] for e in response.json()["detail"]]
    assert messages[0].startswith("line 5: date") and "month must be 1–12" in messages[0]
    assert messages[2] == "line 7: the same booking as line 3"
    assert _task_count(runtime) == 0


def test_partial_import_creates_the_good_rows_and_reports_the_bad(
    api: TestClient, runtime: Runtime
) -> None:
    text = SEED_001 + f"{D3}, noon, , Book\n{D1}, 7pm, , book\n"
    response = _upload(api, text + "not-a-date, 7pm, , Book\n", **ESTELLE, all_or_nothing="false")
    assert response.status_code == 201, response.text
    assert len(response.json()["created"]) == 4
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(7, "Date")]
    assert _task_count(runtime) == 4


def test_row_columns_override_the_defaults_and_name_accounts_by_login_or_id(
    api: TestClient, runtime: Runtime
) -> None:
    ann = add_account(runtime, "gym", "ann@example.com", "gym-pass-1")
    bob = add_account(runtime, "gym", "bob@example.com", "gym-pass-2")
    add_account(runtime, "better", "cat@example.com", "better-pass-1")
    text = f"""date,time1,time2,status,site,venue,sub_location,activity,account
{D1},6am,,Book,gym,X1,A,,ann@example.com; {bob}
{D2},7am,,Book,,,,,
"""
    response = _upload(api, text, site="gym", venue="Fitness", payment_method="benefit")
    assert response.status_code == 201, response.text
    first, second = response.json()["created"]
    assert (first["venue"], first["sub_location"], first["account_ids"]) == ("X1", "A", [ann, bob])
    assert (second["venue"], second["sub_location"], second["account_ids"]) == ("Fitness", None, [])

    wrong = f"Date,Time1,account\n{D1},6am,cat@example.com\n{D2},6am,424242\n"
    refused = _upload(api, wrong, site="gym", venue="X1", payment_method="benefit")
    assert refused.status_code == 422
    assert [(e["line"], e["field"], e["message"]) for e in refused.json()["detail"]] == [
        (2, "account", "line 2: no account 'cat@example.com' on gym"),
        (3, "account", "line 3: no account '424242' on gym"),
    ]


def test_references_from_the_defaults_are_checked_before_anything_is_written(
    api: TestClient, runtime: Runtime
) -> None:
    card = add_card(runtime)
    form = {"site": "better", "venue": "hendon-leisure-centre", "payment_method": "card",
            "payment_profile_id": str(card + 1)}  # fmt: skip
    response = _upload(api, SEED_001, **form)
    assert response.status_code == 422
    assert {(e["line"], e["field"]) for e in response.json()["detail"]} == {
        (2, "payment_profile_id"),
        (3, "payment_profile_id"),
    }
    assert _task_count(runtime) == 0


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"site": "nowhere"}, "site"),
        ({"poll_interval_s": "1"}, "poll_interval_s"),
        ({"account_ids": "me"}, "account_ids.0"),
        ({"payment_method": "cash"}, "payment_method"),
        ({"all_or_nothing": "perhaps"}, "all_or_nothing"),
        ({"venue": "v" * 201}, "venue"),
        ({"vneue": "typo"}, "vneue"),
        # well-formed, but not what Estelle Manor offers
        ({"venue": "Padel"}, "venue"),
        ({"sub_location": "A"}, "sub_location"),
        ({"activity": "badminton-60min"}, "activity"),
        ({"payment_method": "benefit"}, "payment_method"),
    ],
)
def test_bad_defaults_are_422s_naming_the_field(
    api: TestClient, runtime: Runtime, form: dict[str, str], field: str
) -> None:
    response = _upload(api, SEED_001, **{**ESTELLE, **form})
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["detail"]]
    assert _task_count(runtime) == 0


def test_rows_naming_a_choice_their_site_does_not_offer_are_named_by_line_and_column(
    api: TestClient, runtime: Runtime
) -> None:
    text = f"""date,time1,site,venue,sub_location,activity
{D1},6am,gym,X1,A,
{D1},7am,gym,X2,,
{D1},8am,gym,X3,C,
{D1},9am,gym,Fitness,,padel-60min
{D2},7pm,estelle,padel-courts,,padel-60min
{D2},8pm,better,hendon-leisure-centre,,badminton-60min
"""
    response = _upload(api, text, site="gym", venue="Fitness", payment_method="benefit")
    assert response.status_code == 422, response.text
    assert [(e["line"], e["field"]) for e in response.json()["detail"]] == [
        (3, "venue"),
        (4, "sub_location"),
        (5, "activity"),
        (6, "payment_method"),  # Estelle Manor does not take the default, the gym's benefit
    ]
    assert _task_count(runtime) == 0


def test_a_missing_file_is_a_422_naming_it(api: TestClient) -> None:
    response = api.post("/api/v1/tasks/import", data=ESTELLE)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "file"


FILE_CASES = [
    (b"", [(0, "file", "the file is empty; expected a header line")]),
    (b"\xff\xfeD\x00a\x00", [(0, "file", "not UTF-8 text; save the CSV as UTF-8")]),
    (b"Date,Time1\n2026\x00-01-01,7pm\n", [(0, "file", "not a text file (it contains NUL bytes)")]),
    (b"Dates,Time1\n", [(1, "dates", "unknown column; see the import help for the format"),
                        (1, "Date", "the Date column is missing")]),
    (b"Date,Status\n", [(1, "Time1", "give at least one time column (Time1, Time2, \u2026)")]),
    (b"Date,Time1,Time1\n", [(1, "time1", "the column appears twice")]),
    (f"Date,Time1\n{D1},7pm,extra\n".encode(), [(2, None, "3 cells for 2 columns")]),
    (f"Date,Time1,Time2\n{D1},,\n".encode(), [(2, "Time1", "give at least one time")]),
    (f"Date,Time1\n{D1},7\n".encode(), [(2, "Time1", None)]),
    (f'Date,Time1,Status\n"{D1}",7pm,"Book"\n\n{D1},"seven\npm",Book\n'.encode(),
     [(4, "Time1", None)]),
    (f"Date,Time1\n{date.today() - timedelta(days=1)},7pm\n".encode(), [(2, "Date", None)]),
]  # fmt: skip


@pytest.mark.parametrize(("data", "expected"), FILE_CASES, ids=range(len(FILE_CASES)))
def test_bad_files_name_the_line_and_column(
    api: TestClient, runtime: Runtime, data: bytes, expected: list[tuple[Any, ...]]
) -> None:
    response = _upload(api, data, **ESTELLE)
    assert response.status_code == 422, response.text
    found = [(e["line"], e["field"], e["message"]) for e in response.json()["detail"]]
    assert [f[:2] for f in found] == [e[:2] for e in expected]
    for (line, _, message), (_, _, wanted) in zip(found, expected, strict=True):
        if wanted is not None:
            assert message == (f"line {line}: {wanted}" if line else wanted)
    assert _task_count(runtime) == 0


def test_a_utf8_file_with_a_byte_order_mark_and_windows_line_ends(api: TestClient) -> None:
    data = ("\ufeff" + SEED_001.replace("\n", "\r\n")).encode()
    response = _upload(api, data, **ESTELLE)
    assert response.status_code == 201, response.text
    assert len(response.json()["created"]) == 2


def test_too_many_rows() -> None:
    days = (DAY + timedelta(days=i % 300) for i in range(MAX_ROWS + 1))
    rows = "".join(f"{day},7pm,\n" for day in days)
    plan = plan_import("Date,Time1,Time2\n" + rows, defaults=TaskDefaults(**ESTELLE))
    assert plan.errors[-1].message == f"at most {MAX_ROWS} rows per file"


# --- the same from the command line -----------------------------------------------------------
def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bookings.csv"
    path.write_text(text)
    return str(path)


ESTELLE_OPTIONS = ["--site", "estelle", "--venue", "padel-courts", "--payment-method", "credit"]


def test_cli_imports_with_options_as_defaults(runtime: Runtime, tmp_path: Path) -> None:
    cli = Cli(runtime)
    add_account(runtime, "estelle", "ann@example.com", "padel-pass-1")
    result = cli.ok("import", _csv(tmp_path, SEED_001), *ESTELLE_OPTIONS,
                    "--account", "ann@example.com", "--strategy", "snipe")  # fmt: skip
    assert "created 2 task(s)" in result.output and "skipped lines" in result.output
    with transaction(runtime.sessions) as session:
        tasks = list(session.scalars(select(Task).order_by(Task.id)))
        assert [t.strategy for t in tasks] == ["snipe", "snipe"]
        assert [[a.login for a in t.accounts] for t in tasks] == [["ann@example.com"]] * 2


def test_cli_is_all_or_nothing_and_names_every_bad_row(runtime: Runtime, tmp_path: Path) -> None:
    cli = Cli(runtime)
    path = _csv(tmp_path, SEED_001 + "2026-02-30, 7pm, , Book\nsoon, 8pm, , Book\n")
    result = cli.run("import", path, *ESTELLE_OPTIONS)
    assert result.exit_code == 1
    assert "line 5: Date: date" in result.output and "no such day" in result.output
    assert "line 6: Date:" in result.output
    assert "Error: nothing imported: 2 bad row(s); fix them or use --partial" in result.output
    assert _task_count(runtime) == 0

    partial = cli.run("import", path, *ESTELLE_OPTIONS, "--partial")
    assert partial.exit_code == 1 and "created 2 task(s)" in partial.output
    assert "Error: 2 bad row(s) not imported" in partial.output
    assert _task_count(runtime) == 2


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--account", "ann@example.com"], "Error: --account: give --site too"),
        (["--site", "gym", "--account", "nobody"], "Error: --account: no account 'nobody' on gym"),
        (["--site", "gym", "--venue", "v" * 300], "Error: --venue: "),
    ],
)
def test_cli_bad_options_name_the_option(
    runtime: Runtime, tmp_path: Path, args: list[str], error: str
) -> None:
    message = Cli(runtime).fails("import", _csv(tmp_path, SEED_001), *args)
    assert message.startswith(error), message
    assert _task_count(runtime) == 0
