"""Reading a CSV of bookings to make (seed 001) into validated task specs, naming every bad row.

The format is seed 001's, with optional extra columns:

    Date, Time1, Time2, Status, site, venue, sub_location, activity, account
    2026-02-15, 7pm, 8pm, Book

- `Date`: YYYY-MM-DD or DD/MM/YYYY, from today to two years ahead (`domain.taskdates`).
- `Time1`, `Time2`, … (`Time3`…): ordered preferences; blanks are skipped, one is required.
- `Status`: rows that do not say "Book" are skipped (reported, not errors). Without a Status
  column every row is imported.
- `site`, `venue`, `sub_location`, `activity`: override the request's defaults for the row.
- `account`: account ids or logins on the row's site, separated by ";".
Column names are case-insensitive; spaces and hyphens count as underscores.

Pure apart from the injected `resolve_account` (which looks logins up in the database), so the
API, the CLI and the pages all go through `plan_import` and report the same errors. Errors are
collected, not raised: the caller decides between all-or-nothing and importing the good rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from autobook.domain.taskdates import target_date_error
from autobook.domain.taskspec import TaskCreate
from autobook.domain.taskupdate import given
from autobook.domain.timeparse import parse_date, parse_time

MAX_ROWS = 1000  # a season of bookings; more is a mistake and would be one huge transaction
MAX_ACCOUNT_REFS = 20
TEXT_COLUMNS = ("site", "venue", "sub_location", "activity")
KNOWN_COLUMNS = frozenset({"date", "status", "account", *TEXT_COLUMNS})
_TIME_COLUMN = re.compile(r"time(\d+)")
_BOOK = "book"

# (site, ref) → account id; raises ValueError saying why the ref names no account.
AccountResolver = Callable[[str, str], int]


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header; 0 is the file as a whole
    field: str | None  # the CSV column, or the request default, at fault
    message: str

    @property
    def located(self) -> str:
        """The message with its line, as the API shows it next to the field."""
        return f"line {self.line}: {self.message}" if self.line else self.message

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.field or 'row'}: {self.message}"


@dataclass(frozen=True)
class PlannedTask:
    line: int
    spec: TaskCreate


@dataclass
class ImportPlan:
    tasks: list[PlannedTask] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # lines whose Status is not "Book"
    errors: list[RowError] = field(default_factory=list)


class _RowFailed(Exception):
    def __init__(self, *errors: RowError) -> None:
        self.errors = errors


def _column_name(raw: str) -> str:
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


def _header(cells: list[str]) -> tuple[list[str], list[RowError]]:
    names = [_column_name(c) for c in cells]
    errors = []
    for position, name in enumerate(names, start=1):
        if name not in KNOWN_COLUMNS and not _TIME_COLUMN.fullmatch(name):
            shown = name[:40] or f"(column {position} is unnamed)"
            errors.append(RowError(1, shown, "unknown column; see the import help for the format"))
        elif names.index(name) != position - 1:
            errors.append(RowError(1, name, "the column appears twice"))
    if "date" not in names:
        errors.append(RowError(1, "Date", "the Date column is missing"))
    if not any(_TIME_COLUMN.fullmatch(n) for n in names):
        errors.append(RowError(1, "Time1", "give at least one time column (Time1, Time2, …)"))
    return names, errors


def _time_columns(names: list[str]) -> list[str]:
    """Time1, Time2, … in the order of their number, whatever order the file has them in."""
    times = [n for n in names if _TIME_COLUMN.fullmatch(n)]
    return sorted(times, key=lambda n: int(n[4:]))


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells), blank lines skipped; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    start = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            yield start, [c.strip() for c in cells]
        start = reader.line_num + 1


def _times(line: int, row: dict[str, str], columns: list[str]) -> list[str]:
    times = []
    for name in columns:
        if not row.get(name):
            continue
        try:
            times.append(parse_time(row[name]).strftime("%H:%M"))
        except ValueError as exc:
            raise _RowFailed(RowError(line, name.capitalize(), str(exc))) from None
    if not times:
        raise _RowFailed(RowError(line, "Time1", "give at least one time"))
    return times


def _target_date(line: int, raw: str, today: date | None) -> date:
    try:
        day = parse_date(raw, today=today)
    except ValueError as exc:
        raise _RowFailed(RowError(line, "Date", str(exc))) from None
    why = target_date_error(day, today) if today is not None else None
    if why is not None:
        raise _RowFailed(RowError(line, "Date", why))
    return day


def _accounts(line: int, site: Any, raw: str, resolve: AccountResolver | None) -> list[int]:
    refs = [r.strip() for r in raw.split(";") if r.strip()]
    if resolve is None or not refs or len(refs) > MAX_ACCOUNT_REFS:
        raise _RowFailed(RowError(line, "account", f"give 1–{MAX_ACCOUNT_REFS} ids or logins"))
    try:
        return [resolve(str(site or ""), ref) for ref in refs]
    except ValueError as exc:
        raise _RowFailed(RowError(line, "account", str(exc))) from None


# TaskCreate's fields as the CSV's columns call them, for the errors.
COLUMN_OF = {"target_date": "Date", "times": "Time", "account_ids": "account"}


def _validation_errors(line: int, exc: ValidationError) -> list[RowError]:
    column = COLUMN_OF
    errors = []
    for err in exc.errors(include_input=False, include_url=False):
        name = str(err["loc"][0]) if err["loc"] else None
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "missing: add the column, or give a default with the import"
        if name is None and ": " in message:  # a cross-field rule names its field itself
            name, message = message.split(": ", 1)
        errors.append(RowError(line, column.get(name or "", name), message))
    return errors


def _row_spec(
    line: int,
    row: dict[str, str],
    *,
    times: list[str],
    defaults: dict[str, Any],
    today: date | None,
    resolve: AccountResolver | None,
) -> TaskCreate:
    data = dict(defaults)
    data.update({name: row[name] for name in TEXT_COLUMNS if row.get(name)})
    data["target_date"] = _target_date(line, row.get("date", ""), today)
    data["times"] = times
    if row.get("account"):
        data["account_ids"] = _accounts(line, data.get("site"), row["account"], resolve)
    try:
        return TaskCreate.model_validate(data)
    except ValidationError as exc:
        raise _RowFailed(*_validation_errors(line, exc)) from None


def _identity(spec: TaskCreate) -> tuple[Any, ...]:
    return (spec.site, spec.venue, spec.sub_location, spec.activity, spec.target_date,
            tuple(spec.times))  # fmt: skip


def plan_import(
    text: str,
    *,
    defaults: BaseModel | None = None,
    resolve_account: AccountResolver | None = None,
    today: date | None = None,
) -> ImportPlan:
    """Every row of `text` as a validated `TaskCreate`, or a `RowError` naming its line and
    column. `defaults` is a `domain.taskupdate.TaskDefaults`; `today` (the sites' local date)
    enables "today"/"tomorrow" and refuses past dates."""
    plan = ImportPlan()
    try:
        _plan_rows(plan, _records(text), defaults, resolve_account, today)
    except csv.Error as exc:  # e.g. a cell over the csv module's size limit
        plan.errors.append(RowError(0, "file", f"not valid CSV ({exc})"))
    return plan


def _plan_rows(
    plan: ImportPlan,
    records: Iterator[tuple[int, list[str]]],
    defaults: BaseModel | None,
    resolve_account: AccountResolver | None,
    today: date | None,
) -> None:
    first = next(records, None)
    if first is None:
        plan.errors.append(RowError(0, "file", "the file is empty; expected a header line"))
        return
    names, plan.errors = _header(first[1])
    if plan.errors:
        return
    base, time_columns = (given(defaults) if defaults else {}), _time_columns(names)
    seen: dict[tuple[Any, ...], int] = {}
    for count, (line, cells) in enumerate(records, start=1):
        if count > MAX_ROWS:
            plan.errors.append(RowError(line, None, f"at most {MAX_ROWS} rows per file"))
            break
        if len(cells) > len(names):
            plan.errors.append(RowError(line, None, f"{len(cells)} cells for {len(names)} columns"))
            continue
        row = dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=True))
        if "status" in row and row["status"].lower() != _BOOK:
            plan.skipped.append(line)
            continue
        try:
            times = _times(line, row, time_columns)
            spec = _row_spec(line, row, times=times, defaults=base, today=today,
                             resolve=resolve_account)  # fmt: skip
        except _RowFailed as failed:
            plan.errors.extend(failed.errors)
            continue
        if (earlier := seen.setdefault(_identity(spec), line)) != line:
            plan.errors.append(RowError(line, None, f"the same booking as line {earlier}"))
            continue
        plan.tasks.append(PlannedTask(line, spec))


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without the byte-order mark spreadsheets write."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("file: not UTF-8 text; save the CSV as UTF-8") from None
    if "\x00" in text:
        raise ValueError("file: not a text file (it contains NUL bytes)")
    return text
