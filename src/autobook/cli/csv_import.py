"""`autobook import FILE`: seed 001's CSV upload from the command line.

Same format, checks and messages as `POST /api/v1/tasks/import` (`db.taskimport`). Options give
the defaults for columns the file leaves out. All-or-nothing unless `--partial`: one bad row
and nothing is created; every bad row is printed with its line number and why.
"""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from autobook.cli.common import ID, echo_note, opened_runtime
from autobook.db.bookings import local_date
from autobook.db.models import utcnow
from autobook.db.session import transaction
from autobook.db.taskimport import account_resolver, import_csv
from autobook.domain.csvimport import MAX_ROWS
from autobook.domain.sites import Site
from autobook.domain.tasks import PaymentMethod, Strategy
from autobook.domain.taskupdate import TaskDefaults
from autobook.sites.registry import site_info

MAX_FILE_BYTES = 1024 * 1024  # the API's body limit: the same files work both ways
IMPORT_FIELDS = {
    "site": "--site",
    "venue": "--venue",
    "sub_location": "--sub-location",
    "activity": "--activity",
    "account_ids": "--account",
    "payment_method": "--payment-method",
    "payment_profile_id": "--payment-profile",
    "strategy": "--strategy",
}


def _choice(values: type[Site] | type[PaymentMethod] | type[Strategy]) -> click.Choice:
    return click.Choice([v.value for v in values])


HELP = f"""Create a task for every "Book" row of a CSV file (seed 001's format).

\b
Date, Time1, Time2, Status
2026-02-15, 7pm, 8pm, Book
2026-02-16, 11am, 12pm, Book

Optional columns site, venue, sub_location, activity and account (ids or logins, split by
";") override the options for their row. At most {MAX_ROWS} rows. Dates may not be past.
"""


@click.command("import", help=HELP)
@click.argument("file", type=click.File("rb"))
@click.option("--site", type=_choice(Site), help="Site of rows without a site column.")
@click.option("--venue", help="Venue (location) of rows without a venue column.")
@click.option("--sub-location", help="Sub-location, e.g. A or B.")
@click.option("--activity", help="Activity of rows without an activity column.")
@click.option("--account", "accounts", multiple=True,
              help="Account id or login on the site; repeat for several.")  # fmt: skip
@click.option("--payment-method", type=_choice(PaymentMethod), help="How the tasks pay.")
@click.option("--payment-profile", "payment_profile_id", type=ID, help="Card profile id.")
@click.option("--strategy", type=_choice(Strategy), help="watch (default) or snipe.")
@click.option("--dry-run", is_flag=True, help="Tasks stop at the final pay button.")
@click.option("--partial", is_flag=True, help="Import the good rows even if some are bad.")
def import_command(file: click.utils.LazyFile, partial: bool, **options: object) -> None:
    click.get_current_context().meta["autobook.fields"] = IMPORT_FIELDS
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise click.ClickException(f"FILE: larger than {MAX_FILE_BYTES // 1024} KiB")
    refs: tuple[str, ...] = options.pop("accounts")  # type: ignore[assignment]
    given = {k: v for k, v in options.items() if v not in (None, False)}
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        if refs:
            given["account_ids"] = _account_ids(session, given.get("site"), refs)
        defaults = TaskDefaults.model_validate(given)
        outcome = import_csv(session, data=data, defaults=defaults, all_or_nothing=not partial,
                             today=local_date(utcnow()), site_info=site_info)  # fmt: skip
    for error in outcome.errors:
        click.echo(f"  {error}", err=True)
    bad = f"{len(outcome.errors)} bad row(s)"
    if outcome.errors and not partial:
        raise click.ClickException(f"nothing imported: {bad}; fix them or use --partial")
    ids = ", ".join(str(t.id) for t in outcome.created) or "none"
    click.echo(f"created {len(outcome.created)} task(s): {ids}")
    if outcome.skipped:
        echo_note(f"skipped lines (Status not Book): {', '.join(map(str, outcome.skipped))}")
    if outcome.errors:
        raise click.ClickException(f"{bad} not imported")


def _account_ids(session: Session, site: object, refs: tuple[str, ...]) -> list[int]:
    if site is None:
        raise click.ClickException("--account: give --site too, accounts belong to a site")
    resolve = account_resolver(session)
    try:
        return [resolve(str(site), ref) for ref in refs]
    except ValueError as exc:
        raise click.ClickException(f"--account: {exc}") from None
