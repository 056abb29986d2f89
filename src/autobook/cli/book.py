"""`autobook book`: one attempt, now, with live step progress and the result at the end.

The command records a task like any other (so the attempt, its steps, screenshots and the
booking show in the dashboard), runs the engine once, and stops the task if it did not finish,
so no worker picks it up later unasked.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy import select

from autobook.cli.common import ID, describe, opened_runtime
from autobook.db.models import SiteAccount
from autobook.db.session import transaction
from autobook.db.tasks import create_task, transition
from autobook.domain.sites import Site
from autobook.domain.statuses import TaskStatus
from autobook.domain.tasks import PaymentMethod
from autobook.domain.taskspec import TaskCreate
from autobook.domain.timeparse import parse_date
from autobook.engine.attempt import AttemptResult, run_attempt
from autobook.engine.browsers import BrowserPool
from autobook.engine.steps import StepEvent
from autobook.runtime import Runtime
from autobook.sites.registry import site_info

# handoff: steps up to payment done, the page is left for a person, as asked.
OK_OUTCOMES = frozenset({"booked", "dry_run", "already_booked", "handoff"})
FIELDS = {
    "venue": "--venue",
    "activity": "--activity",
    "target_date": "--date",
    "times": "--time",
    "courts": "--court",
    "payment_method": "--payment",
    "payment_profile_id": "--payment-profile",
    "sub_location": "--sub-location",
    "duration_minutes": "--duration",
}


@click.command()
@click.option("--site", required=True, type=click.Choice([s.value for s in Site]))
@click.option("--venue", required=True, help="Venue or location key, as the site names it.")
@click.option("--activity", default="", help="Activity key (e.g. badminton-60min).")
@click.option("--date", "day", required=True, help="Day to book: 2026-11-28, today, tomorrow.")
@click.option(
    "--time",
    "times",
    multiple=True,
    required=True,
    help="Wanted start time, e.g. 19:00 or 7pm; repeat for fallbacks, best first.",
)
@click.option("--court", "courts", multiple=True, help="Preferred court; repeat, best first.")
@click.option("--sub-location", default=None, help="Sub-location (gym X1/X3: A or B).")
@click.option("--duration", type=click.IntRange(5, 1440), default=None, help="Minutes.")
@click.option(
    "--account", "account_ref", default=None, help="Site account to book with: its id or its login."
)
@click.option(
    "--payment",
    type=click.Choice([m.value for m in PaymentMethod]),
    required=True,
    help="How to pay.",
)
@click.option("--payment-profile", type=ID, default=None, help="Card profile id (for card).")
@click.option("--dry-run", is_flag=True, help="Go to the final pay button; do not pay.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON, no progress.")
def book(as_json: bool, account_ref: str | None, day: str, **fields: Any) -> None:
    """Book one slot now: log in, find, hold, pay and confirm, showing each step.

    Exits 0 when booked (or when a dry run reached the pay button), 1 otherwise.
    """
    with opened_runtime() as runtime:
        task_id = _create(runtime, account_ref, day, fields)
        progress = None if as_json else _print_step
        result = asyncio.run(_run(runtime, task_id, progress))
        _stop_if_unfinished(runtime, task_id, result)
    _report(task_id, result, as_json)
    if result.outcome not in OK_OUTCOMES:
        sys.exit(1)


def _create(runtime: Runtime, account_ref: str | None, day: str, fields: dict[str, Any]) -> int:
    try:
        target = parse_date(day)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--date") from None
    with transaction(runtime.sessions) as session:
        account_ids = [_account_id(session, fields["site"], account_ref)] if account_ref else []
        values = {
            **fields,
            "times": list(fields["times"]),
            "courts": list(fields["courts"]),
            "payment_method": fields.pop("payment"),
            "payment_profile_id": fields.pop("payment_profile"),
            "duration_minutes": fields.pop("duration"),
        }
        for option in ("payment", "payment_profile", "duration"):
            values.pop(option, None)
        try:
            data = TaskCreate(**values, target_date=target, account_ids=account_ids)
            return create_task(session, data, site_info=site_info).id
        except (ValidationError, ValueError) as exc:
            raise click.ClickException(describe(exc, FIELDS)) from None


def _account_id(session: Any, site: str, ref: str) -> int:
    query = select(SiteAccount.id).where(SiteAccount.site == site)
    by_id = ref.isdigit() and len(ref) <= 9  # ids are 32-bit; longer digits are a login
    query = query.where(SiteAccount.id == int(ref) if by_id else SiteAccount.login == ref)
    found = session.scalar(query)
    if found is None:
        raise click.BadParameter(f"no {site} account {ref!r}", param_hint="--account")
    return int(found)


async def _run(runtime: Runtime, task_id: int, progress: Any) -> AttemptResult:
    async with BrowserPool() as pool:
        return await run_attempt(runtime, task_id, pool=pool, worker="cli", progress=progress)


def _stop_if_unfinished(runtime: Runtime, task_id: int, result: AttemptResult) -> None:
    if result.task_status is TaskStatus.PENDING:
        with transaction(runtime.sessions) as session:
            transition(session, task_id, TaskStatus.PENDING, TaskStatus.STOPPED)
        result.task_status = TaskStatus.STOPPED


def _print_step(event: StepEvent) -> None:
    if event.status == "running":
        click.echo(f"  … {event.name}", nl=False)
        click.echo("\r", nl=False)
        return
    mark = {"ok": "✓", "failed": "✗", "skipped": "-"}.get(event.status, "?")
    took = f" ({event.duration_ms} ms)" if event.duration_ms is not None else ""
    detail = f": {event.detail}" if event.detail else ""
    click.echo(f"  {mark} {event.name}{took}{detail}")


def _report(task_id: int, result: AttemptResult, as_json: bool) -> None:
    data = {
        "task_id": task_id,
        "attempt_id": result.attempt_id,
        "outcome": result.outcome,
        "task_status": result.task_status.value,
        "message": result.message,
        "booking_id": result.booking_id,
        "reference": result.reference,
        "court": result.court,
        "price": result.price,
        "screenshot": result.screenshot,
    }
    if as_json:
        click.echo(json.dumps(data))
        return
    click.echo(f"{result.outcome}: {result.message}")
    click.echo(f"task {task_id} is {result.task_status.value}")
    if result.screenshot:
        click.echo(f"screenshot: {result.screenshot}")
