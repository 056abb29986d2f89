"""The mail outbox: mails are written in the transaction of what caused them and sent later by
the worker, which claims due rows, sends, and records the outcome with a backoff on failure."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from autobook.db.models import OutboxMail

MAX_ATTEMPTS = 8
# Retry after 1, 2, 4 … minutes, at most an hour apart.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# A claimed mail whose sender died is retried after this long.
CLAIM_TIMEOUT = timedelta(minutes=5)


def queue_mail(session: Session, **fields: object) -> OutboxMail:
    mail = OutboxMail(**fields)
    session.add(mail)
    return mail


def claim_due(session: Session, *, now: datetime, limit: int = 20) -> list[OutboxMail]:
    """Due mails, moved to `sending` by compare-and-set so two workers never send one twice."""
    due = select(OutboxMail.id).where(
        or_(OutboxMail.status == "pending", OutboxMail.status == "sending"),
        OutboxMail.next_try_at <= now,
    )
    claimed = []
    for mail_id in session.scalars(due.order_by(OutboxMail.next_try_at).limit(limit)):
        done = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.next_try_at <= now)
            .values(status="sending", next_try_at=now + CLAIM_TIMEOUT)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(mail_id)
    session.flush()
    return list(session.scalars(select(OutboxMail).where(OutboxMail.id.in_(claimed))))


def mark_sent(session: Session, mail_id: int, *, now: datetime) -> None:
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id)
        .values(status="sent", sent_at=now, attempts=OutboxMail.attempts + 1, last_error=None)
    )


def mark_failed(session: Session, mail_id: int, error: str, *, now: datetime) -> None:
    """Back off and retry; after MAX_ATTEMPTS the mail stays `failed` for the admin to see."""
    mail = session.get(OutboxMail, mail_id)
    if mail is None:
        return
    mail.attempts += 1
    mail.last_error = error[:500]
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
        return
    mail.status = "pending"
    mail.next_try_at = now + min(FIRST_RETRY * 2 ** (mail.attempts - 1), LONGEST_RETRY)


def release_claims(session: Session, mail_ids: list[int], *, now: datetime) -> None:
    """Claimed but not sent (mail is not set up): pending again, looked at a minute later."""
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(mail_ids))
        .values(status="pending", next_try_at=now + FIRST_RETRY)
    )
