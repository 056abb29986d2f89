"""Task status changes as compare-and-set in the database.

`transition` is the only way a task's status changes. It checks the transition table and issues
`UPDATE … WHERE id = :id AND status = :expected`; the row count says whether this caller won.
Two processes racing to move one task into `booking` can therefore never both succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from autobook.db.models import PaymentProfile, SiteAccount, Task, TaskAccount, utcnow
from autobook.db.notify_urls import encrypt_urls
from autobook.domain.booking import SiteInfo
from autobook.domain.offer import account_errors, choice_errors
from autobook.domain.statuses import TaskStatus, check_transition
from autobook.domain.taskdates import site_today, task_date_errors
from autobook.domain.taskspec import TaskCreate
from autobook.vault import Vault

# A site's facts by its name (`sites.registry.site_info`), given by the layers above, which
# know the adapters: what a task may choose is the site's to say.
SiteInfoOf = Callable[[str], SiteInfo]


def transition(
    session: Session,
    task_id: int,
    expected: TaskStatus,
    target: TaskStatus,
    *,
    owner: str | None = None,
    **changes: Any,
) -> bool:
    """Move task `task_id` from `expected` to `target`; False if it was not in `expected`
    (or, with `owner`, if that worker no longer holds its lease).

    Raises `TransitionError` when the table forbids the move. `changes` are other columns to
    set in the same statement (error, next_run_at, lease…).
    """
    check_transition(expected, target)
    conditions = [Task.id == task_id, Task.status == expected.value]
    if owner is not None:
        conditions.append(Task.lease_owner == owner)
    result = session.execute(
        update(Task)
        .where(*conditions)
        .values(status=target.value, updated_at=utcnow(), **changes)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def check_references(
    session: Session,
    data: TaskCreate,
    *,
    site_info: SiteInfoOf,
    today: date | None = None,
    require_account: bool = False,
) -> None:
    """The accounts and payment profile `data` names must exist, and the accounts fit the site;
    its date and times must be bookable at the site (`domain.taskdates`: from the site's
    `today` to two years ahead, no time the clocks skip); a `ValueError` names the field
    otherwise. `require_account`: the task must name an account (the form and the API; a CSV
    row or the command line may leave it to a later edit)."""
    for account_id in data.account_ids:
        account = session.get(SiteAccount, account_id)
        if account is None:
            raise ValueError(f"account_ids: no account {account_id}")
        if account.site != data.site.value:
            raise ValueError(
                f"account_ids: account {account_id} is for {account.site}, not {data.site}"
            )
    profile_id = data.payment_profile_id
    if profile_id is not None and session.get(PaymentProfile, profile_id) is None:
        raise ValueError(f"payment_profile_id: no payment profile {data.payment_profile_id}")
    info = site_info(data.site)
    today = today or site_today(info.zone)
    dates = task_date_errors(data.target_date, data.time_values(), info.zone, today)
    needed = account_errors(data.account_ids, info) if require_account else []
    for field, why in [*dates, *choice_errors(data, info), *needed]:
        raise ValueError(f"{field}: {why}")


def create_task(
    session: Session,
    data: TaskCreate,
    *,
    site_info: SiteInfoOf,
    vault: Vault | None = None,
    today: date | None = None,
    require_account: bool = False,
) -> Task:
    """Insert a task and its ordered accounts; the referenced rows must exist and fit the site.
    Notification URLs need the `vault`: they are stored encrypted. `today` (the site's, by
    default from the clock) is what the date is checked against."""
    check_references(
        session, data, site_info=site_info, today=today, require_account=require_account
    )
    task = Task(**data.columns(), status=TaskStatus.PENDING.value)
    if data.notify_urls:
        if vault is None:
            raise ValueError("notify_urls: cannot be stored here (no key to encrypt them)")
        task.notify_urls_enc = encrypt_urls(vault, data.notify_url_values())
    session.add(task)
    session.flush()
    for position, account_id in enumerate(data.account_ids):
        session.add(TaskAccount(task_id=task.id, account_id=account_id, position=position))
    session.flush()
    return task
