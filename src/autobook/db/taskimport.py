"""Importing a CSV of bookings as tasks (seed 001's upload), for the API, the CLI and the pages.

`domain.csvimport.plan_import` validates every row; this module resolves account logins,
checks every row's references (accounts, payment profile) before writing anything, and then
creates the tasks. All-or-nothing by default: one bad row and nothing is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from autobook.db.models import SiteAccount, Task
from autobook.db.tasks import SiteInfoOf, check_references, create_task
from autobook.domain.csvimport import (
    COLUMN_OF,
    AccountResolver,
    RowError,
    decode,
    plan_import,
)
from autobook.domain.sites import Site

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL


@dataclass
class ImportOutcome:
    created: list[Task] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # lines whose Status is not "Book"
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def account_resolver(session: Session) -> AccountResolver:
    """Finds an account on a site by id ("3") or login ("ann@example.com")."""

    def resolve(site: str, ref: str) -> int:
        if site not in {s.value for s in Site}:
            raise ValueError(f"give the row's site before naming account {ref!r}")
        query = select(SiteAccount.id).where(SiteAccount.site == site)
        if ref.isascii() and ref.isdigit() and 1 <= int(ref) <= MAX_ID:
            query = query.where(SiteAccount.id == int(ref))
        else:
            query = query.where(SiteAccount.login == ref)
        account_id = session.scalar(query)
        if account_id is None:
            raise ValueError(f"no account {ref[:60]!r} on {site}")
        return account_id

    return resolve


def import_csv(
    session: Session,
    *,
    data: bytes | str,
    site_info: SiteInfoOf,
    defaults: BaseModel | None = None,
    all_or_nothing: bool = True,
    today: date | None = None,
) -> ImportOutcome:
    """Create a task for every "Book" row of the CSV `data`.

    `defaults` is a `domain.taskupdate.TaskDefaults`; `today` (the sites' local date) refuses
    past dates. With `all_or_nothing`, any error means nothing is created; otherwise the good
    rows are created and the bad ones reported. Never raises for bad input: every problem is
    a `RowError` naming its line and column.
    """
    try:
        text = decode(data.encode() if isinstance(data, str) else data)  # NUL refused either way
    except ValueError as exc:
        return ImportOutcome(errors=[RowError(0, "file", str(exc).removeprefix("file: "))])
    plan = plan_import(
        text, defaults=defaults, resolve_account=account_resolver(session), today=today
    )
    outcome = ImportOutcome(skipped=plan.skipped, errors=list(plan.errors))
    good = []
    for planned in plan.tasks:
        try:
            check_references(session, planned.spec, site_info=site_info, today=today)
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            outcome.errors.append(RowError(planned.line, COLUMN_OF.get(name, name), message))
            continue
        good.append(planned)
    outcome.errors.sort(key=lambda e: e.line)
    if not (outcome.errors and all_or_nothing):
        outcome.created = [
            create_task(session, p.spec, site_info=site_info, today=today) for p in good
        ]
    return outcome
