"""A session's state change and the callback it owes, in one transaction: a state in
`CALLBACK_STATES` is never reached without its event queued, and never queued twice."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from autobook.db import handoffs as repo
from autobook.db.models import Booking, HandoffCallback, HandoffSession, Task, utcnow
from autobook.db.syslog import write_log
from autobook.db.tasks import transition
from autobook.domain.handoff import CALLBACK_STATES, FINAL, SessionState
from autobook.domain.statuses import BookingStatus, TaskStatus
from autobook.handoff.status import status_body


def advance(
    session: Session,
    session_id: str,
    target: SessionState,
    *,
    expected: SessionState | None = None,
    **changes: Any,
) -> bool:
    """Move the session to `target` (from `expected`, else from wherever it is, if allowed)
    and queue its callback; False if another move won."""
    if expected is not None:
        moved = repo.transition(session, session_id, expected, target, **changes)
    else:
        moved = repo.move(session, session_id, target, **changes) is not None
    if moved and target in CALLBACK_STATES:
        row = session.get(HandoffSession, session_id)
        assert row is not None
        session.refresh(row)
        if row.callback_url:
            queue_callback(session, row)
        if row.task_id is not None and target in FINAL:
            settle_task(session, row)
    return moved


# A session's end → its task's (a task paid by handoff waits in awaiting_payment).
TASK_ENDS = {
    SessionState.COMPLETED: TaskStatus.SUCCEEDED,
    SessionState.FAILED: TaskStatus.FAILED,
    SessionState.ABANDONED: TaskStatus.EXPIRED,
    SessionState.CANCELLED: TaskStatus.CANCELLED,
}


def settle_task(session: Session, row: HandoffSession) -> None:
    """The task moves on from awaiting_payment with the session's outcome, same transaction."""
    assert row.task_id is not None
    target = TASK_ENDS[SessionState(row.state)]
    number = (row.confirmation or {}).get("confirmationNumber")
    if target is TaskStatus.SUCCEEDED:
        note = f"paid by a person: booked {number or '(no number shown)'}"
    else:
        note = f"the person did not pay ({row.outcome}): {row.error_message or row.state}"
    if transition(session, row.task_id, TaskStatus.AWAITING_PAYMENT, target,
                  error=None if target is TaskStatus.SUCCEEDED else note):  # fmt: skip
        if target is TaskStatus.SUCCEEDED:
            record_booking(session, row, number)
        write_log(session, level="INFO" if target is TaskStatus.SUCCEEDED else "WARN",
                  source="Handoff", message=note, task_id=row.task_id)  # fmt: skip


def record_booking(session: Session, row: HandoffSession, reference: str | None) -> None:
    """The booking the person paid for, as the task's: what was held and the site's number."""
    task = session.get(Task, row.task_id)
    if task is None:
        return
    confirmation = row.confirmation or {}
    chosen = confirmation.get("chosen", confirmation)  # the details, once the outcome is in
    held = (row.request or {}).get("hold") or {}
    starts = held.get("startsAt") or chosen.get("appointmentTime")
    if not starts:
        return
    ends = held.get("endsAt")
    account = task.accounts[0].id if task.accounts else None
    session.add(Booking(
        task_id=task.id, account_id=account, site=task.site, venue=task.venue,
        sub_location=task.sub_location, court=held.get("court") or chosen.get("provider"),
        reference=reference, price=held.get("price"), starts_at=datetime.fromisoformat(starts),
        ends_at=datetime.fromisoformat(ends) if ends else None,
        status=BookingStatus.CONFIRMED.value, booked_at=utcnow(),
    ))  # fmt: skip


def queue_callback(session: Session, row: HandoffSession) -> HandoffCallback:
    event_id = str(uuid.uuid4())
    body = {**status_body(row), "eventId": event_id, "event": row.state,
            "occurredAt": utcnow().isoformat()}  # fmt: skip
    callback = HandoffCallback(event_id=event_id, session_id=row.id, state=row.state,
                               body=body, attempts=0, next_attempt_at=utcnow(), log=[])  # fmt: skip
    session.add(callback)
    session.flush()
    return callback
