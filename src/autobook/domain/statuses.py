"""Task and booking statuses, and the one table of allowed task transitions.

Every status change of a task goes through `db.tasks.transition`, which checks this table and
applies the change as a compare-and-set in the database, so two processes can never both move
one task into `booking`.
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    PENDING = "pending"  # created, waiting for its first check
    SCHEDULED = "scheduled"  # a snipe waiting for its release instant
    CHECKING = "checking"  # a worker is looking for availability
    BOOKING = "booking"  # a worker holds a slot and is checking out
    AWAITING_PAYMENT = "awaiting_payment"  # held at the payment page for a person to pay
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"  # paused by the user; resumable
    CANCELLED = "cancelled"  # withdrawn by the user; final
    EXPIRED = "expired"  # the wanted slot started before anything was booked


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    CANCELLED = "cancelled"


S = TaskStatus

TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    S.PENDING: frozenset({S.SCHEDULED, S.CHECKING, S.STOPPED, S.CANCELLED, S.EXPIRED, S.FAILED}),
    S.SCHEDULED: frozenset(
        {S.PENDING, S.CHECKING, S.BOOKING, S.STOPPED, S.CANCELLED, S.EXPIRED, S.FAILED}
    ),
    S.CHECKING: frozenset(
        {S.PENDING, S.SCHEDULED, S.BOOKING, S.SUCCEEDED, S.FAILED, S.STOPPED, S.EXPIRED}
    ),
    # From booking, only the worker's outcome moves a task: a stop waits for it to finish.
    S.BOOKING: frozenset(
        {S.SUCCEEDED, S.FAILED, S.PENDING, S.SCHEDULED, S.EXPIRED, S.AWAITING_PAYMENT}
    ),
    # Handed to a person (payment `handoff`): the outcome their session detects ends it.
    S.AWAITING_PAYMENT: frozenset({S.SUCCEEDED, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.FAILED: frozenset({S.PENDING, S.CANCELLED}),
    S.STOPPED: frozenset({S.PENDING, S.CANCELLED}),
    S.SUCCEEDED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

ACTIVE = frozenset({S.PENDING, S.SCHEDULED, S.CHECKING, S.BOOKING})
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class TransitionError(ValueError):
    """A status change the table does not allow, or one that lost a race."""


def check_transition(current: TaskStatus, target: TaskStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise TransitionError(f"a task cannot go from {current.value} to {target.value}")


def sources_of(target: TaskStatus) -> frozenset[TaskStatus]:
    """Every status a task may be in to move to `target`."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)
