"""The task transition table is consistent with what the statuses mean.

Nothing here re-types the table: each test states a rule about the statuses (finals have no
exits, only a worker books, every goal can end…) and checks the table obeys it.
"""

from __future__ import annotations

from itertools import product

import pytest

from autobook.domain.statuses import (
    ACTIVE,
    FINAL,
    TRANSITIONS,
    TaskStatus,
    TransitionError,
    check_transition,
    sources_of,
)

S = TaskStatus
ALL_PAIRS = list(product(TaskStatus, TaskStatus))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def _reachable(start: TaskStatus) -> set[TaskStatus]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_status_has_an_entry_and_targets_are_statuses() -> None:
    assert set(TRANSITIONS) == set(TaskStatus)
    for targets in TRANSITIONS.values():
        assert targets <= set(TaskStatus)


def test_a_transition_always_changes_the_status() -> None:
    # A compare-and-set from X to X would "win" without anything happening.
    assert all(status not in TRANSITIONS[status] for status in TaskStatus)


def test_finals_are_exactly_the_statuses_without_exits() -> None:
    assert {s for s in TaskStatus if not TRANSITIONS[s]} == FINAL
    # What the statuses say: succeeded, cancelled and expired end a goal; a failed or stopped
    # task can be resumed by the user.
    assert {S.SUCCEEDED, S.CANCELLED, S.EXPIRED} == FINAL
    assert not {S.FAILED, S.STOPPED} & FINAL


def test_active_and_final_do_not_overlap() -> None:
    assert not ACTIVE & FINAL
    assert S.PENDING in ACTIVE and S.BOOKING in ACTIVE


def test_every_status_is_reachable_from_pending() -> None:
    assert _reachable(S.PENDING) == set(TaskStatus)


def test_every_status_can_still_end() -> None:
    # No trap: from anywhere, some path leads to a final status.
    for status in TaskStatus:
        assert _reachable(status) & FINAL, status


def test_the_user_can_always_eventually_cancel_a_live_task() -> None:
    for status in set(TaskStatus) - FINAL:
        assert S.CANCELLED in _reachable(status), status


def test_only_a_worker_that_is_looking_can_start_booking() -> None:
    assert sources_of(S.BOOKING) <= {S.SCHEDULED, S.CHECKING}


def test_success_comes_only_from_a_worker_or_a_person_who_paid() -> None:
    # awaiting_payment: a handed-off payment page, ended by what its session detects.
    assert sources_of(S.SUCCEEDED) <= {S.CHECKING, S.BOOKING, S.AWAITING_PAYMENT}
    assert sources_of(S.AWAITING_PAYMENT) == {S.BOOKING}


def test_a_booking_in_progress_is_not_interrupted_by_the_user() -> None:
    # A stop or cancel waits for the worker's outcome, so a card is never charged for a task
    # the UI already shows as cancelled.
    assert not TRANSITIONS[S.BOOKING] & {S.STOPPED, S.CANCELLED}


def test_resumable_statuses_resume_into_pending() -> None:
    for status in (S.FAILED, S.STOPPED):
        assert S.PENDING in TRANSITIONS[status]


@pytest.mark.parametrize("target", list(TaskStatus))
def test_sources_of_agrees_with_the_table(target: TaskStatus) -> None:
    assert sources_of(target) == {s for s in TaskStatus if target in TRANSITIONS[s]}


def test_sources_of_pending_excludes_finals() -> None:
    assert not sources_of(S.PENDING) & FINAL


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_check_transition_allows_every_allowed_pair(
    current: TaskStatus, target: TaskStatus
) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_check_transition_refuses_every_forbidden_pair(
    current: TaskStatus, target: TaskStatus
) -> None:
    with pytest.raises(TransitionError) as err:
        check_transition(current, target)
    assert str(err.value) == f"a task cannot go from {current.value} to {target.value}"
    assert isinstance(err.value, ValueError)  # callers that map ValueError to 4xx catch it


def test_the_pair_lists_cover_everything() -> None:
    assert len(ALLOWED) + len(FORBIDDEN) == len(TaskStatus) ** 2
    assert ALLOWED and FORBIDDEN
