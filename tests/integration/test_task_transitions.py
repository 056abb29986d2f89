"""Task status changes are compare-and-set: under contention exactly one caller wins."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.db.tasks import transition
from autobook.domain.statuses import TaskStatus, TransitionError
from autobook.runtime import Runtime


def _task(rt: Runtime, status: TaskStatus = TaskStatus.CHECKING) -> int:
    with transaction(rt.sessions) as s:
        task = Task(
            site="better",
            venue="hendon-leisure-centre",
            target_date=date(2026, 12, 1),
            payment_method="credit",
            status=status.value,
        )
        s.add(task)
        s.flush()
        return task.id


def test_forbidden_transition_is_refused(runtime: Runtime) -> None:
    task_id = _task(runtime, TaskStatus.SUCCEEDED)
    with transaction(runtime.sessions) as s, pytest.raises(TransitionError):
        transition(s, task_id, TaskStatus.SUCCEEDED, TaskStatus.BOOKING)


def test_stale_expectation_loses(runtime: Runtime) -> None:
    task_id = _task(runtime, TaskStatus.PENDING)
    with transaction(runtime.sessions) as s:
        assert not transition(s, task_id, TaskStatus.CHECKING, TaskStatus.BOOKING)
    with transaction(runtime.sessions) as s:
        assert s.get(Task, task_id).status == "pending"


def test_many_concurrent_claims_exactly_one_wins(runtime: Runtime) -> None:
    task_id = _task(runtime)
    n = 16
    barrier = threading.Barrier(n)
    wins: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        barrier.wait()
        with transaction(runtime.sessions) as s:
            won = transition(s, task_id, TaskStatus.CHECKING, TaskStatus.BOOKING)
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=claim) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == n
    assert wins.count(True) == 1
    with transaction(runtime.sessions) as s:
        assert s.get(Task, task_id).status == "booking"
