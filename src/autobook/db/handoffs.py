"""Booking sessions (seed 004) in the database: create, read, and move them by compare-and-set.

`transition` is the only way a session's state changes: `UPDATE … WHERE id = :id AND state =
:expected`, so a cancel racing the monitor's outcome has exactly one winner, and the winner
writes the timeline row in the same transaction. Leases say which service process drives a
session, so a restarted one takes over only sessions nobody renews.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from autobook.db.models import HandoffSession, HandoffTransition, utcnow
from autobook.domain.errors import NotFound
from autobook.domain.handoff import FINAL, SessionState, check_session_transition

MAX_LIST = 500


def create_session(
    session: Session,
    *,
    session_id: str,
    booking_url: str,
    request: dict[str, Any],
    callback_url: str | None,
    url_ttl: timedelta,
    task_id: int | None = None,
) -> HandoffSession:
    """A new session in `created` (queued until a browser is free), its first timeline row."""
    now = utcnow()
    row = HandoffSession(
        id=session_id,
        task_id=task_id,
        state=SessionState.CREATED.value,
        booking_url=booking_url,
        request=request,
        callback_url=callback_url,
        handoff_expires_at=now + url_ttl,  # seed 004: 15 min from creation
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.add(HandoffTransition(session_id=session_id, from_state="", to_state="created", at=now))
    session.flush()
    return row


def get_session(session: Session, session_id: str) -> HandoffSession:
    row = session.get(HandoffSession, session_id)
    if row is None:
        raise NotFound(f"sessionId: no booking session {session_id!r}")
    return row


def transition(
    session: Session,
    session_id: str,
    expected: SessionState,
    target: SessionState,
    *,
    note: str | None = None,
    **changes: Any,
) -> bool:
    """Move `session_id` from `expected` to `target`; False if it was no longer in `expected`.
    `changes` are other columns set in the same statement (outcome, error_message…)."""
    check_session_transition(expected, target)
    now = utcnow()
    if target in FINAL:
        changes.setdefault("completed_at", now)
        changes.setdefault("lease_owner", None)
        changes.setdefault("lease_until", None)
    result = session.execute(
        update(HandoffSession)
        .where(HandoffSession.id == session_id, HandoffSession.state == expected.value)
        .values(state=target.value, updated_at=now, **changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(HandoffTransition(session_id=session_id, from_state=expected.value,
                                  to_state=target.value, at=now, note=note))  # fmt: skip
    session.flush()
    return True


def move(
    session: Session, session_id: str, target: SessionState, **kwargs: Any
) -> SessionState | None:
    """Move the session from whatever state it is in now to `target` if the table allows it;
    the state it left, or None (already final, or the move is not allowed)."""
    current = SessionState(session.execute(
        select(HandoffSession.state).where(HandoffSession.id == session_id)
    ).scalar_one())  # fmt: skip
    if current in FINAL:
        return None
    try:
        return current if transition(session, session_id, current, target, **kwargs) else None
    except ValueError:  # SessionTransitionError: not a move from here
        return None


def timeline(session: Session, session_id: str) -> list[HandoffTransition]:
    return list(session.scalars(
        select(HandoffTransition).where(HandoffTransition.session_id == session_id)
        .order_by(HandoffTransition.id)
    ))  # fmt: skip


def list_sessions(
    session: Session, *, state: SessionState | None = None, limit: int = 100
) -> list[HandoffSession]:
    query = select(HandoffSession).order_by(HandoffSession.created_at.desc()).limit(limit)
    if state is not None:
        query = query.where(HandoffSession.state == state.value)
    return list(session.scalars(query))


def queued(session: Session, limit: int) -> list[str]:
    """Sessions waiting for a browser, oldest first (they start in order)."""
    return list(session.scalars(
        select(HandoffSession.id).where(HandoffSession.state == SessionState.CREATED.value)
        .order_by(HandoffSession.created_at, HandoffSession.id).limit(limit)
    ))  # fmt: skip


def orphans(session: Session, now: datetime) -> list[HandoffSession]:
    """Sessions with a live browser whose driver stopped renewing its lease (a restart)."""
    live = (SessionState.NAVIGATING, SessionState.READY_FOR_HANDOFF, SessionState.MONITORING)
    return list(session.scalars(
        select(HandoffSession).where(
            HandoffSession.state.in_([s.value for s in live]),
            or_(HandoffSession.lease_until.is_(None), HandoffSession.lease_until < now),
        ).order_by(HandoffSession.created_at)
    ))  # fmt: skip


def take_lease(
    session: Session, session_id: str, owner: str, until: datetime, *, now: datetime
) -> bool:
    """Claim (or renew) the right to drive a session: only if it is ours or nobody's."""
    result = session.execute(
        update(HandoffSession)
        .where(
            HandoffSession.id == session_id,
            or_(HandoffSession.lease_owner == owner, HandoffSession.lease_owner.is_(None),
                HandoffSession.lease_until.is_(None), HandoffSession.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=until)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return result.rowcount == 1  # type: ignore[attr-defined]


def update_session(session: Session, session_id: str, **changes: Any) -> None:
    """Columns that are not the state (activity, screenshot, mode, URL)."""
    session.execute(
        update(HandoffSession).where(HandoffSession.id == session_id)
        .values(updated_at=utcnow(), **changes)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def by_token_hash(session: Session, token_hash: str) -> HandoffSession | None:
    return session.scalars(
        select(HandoffSession).where(HandoffSession.token_hash == token_hash)
    ).first()


def latest_for_task(session: Session, task_id: int) -> HandoffSession | None:
    """The task's newest booking session (a task paid by handoff opens one per hold)."""
    return session.scalars(
        select(HandoffSession).where(HandoffSession.task_id == task_id)
        .order_by(HandoffSession.created_at.desc()).limit(1)
    ).first()  # fmt: skip
