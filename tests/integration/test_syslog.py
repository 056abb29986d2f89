"""The system log (seed 000 §2.5) on SQLite and PostgreSQL: written masked and capped, read back
newest first with filters and paging; bad input is refused with a message naming the field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from autobook.db.models import SystemLog, Task
from autobook.db.session import transaction
from autobook.db.syslog import (
    MAX_MESSAGE_CHARS,
    MAX_QUERY_LIMIT,
    MAX_SOURCE_CHARS,
    TRUNCATION_MARK,
    query_logs,
    write_log,
)
from autobook.runtime import Runtime

CARD = "4539578763621486"


def _task(rt: Runtime) -> int:
    with transaction(rt.sessions) as s:
        task = Task(
            site="better", venue="v", target_date=date(2026, 12, 1), payment_method="credit"
        )
        s.add(task)
        s.flush()
        return task.id


def _write(rt: Runtime, **kwargs: object) -> int:
    fields: dict[str, object] = {"level": "INFO", "source": "Worker", "message": "m"}
    fields.update(kwargs)
    with transaction(rt.sessions) as s:
        return write_log(s, **fields).id  # type: ignore[arg-type]


def _count(rt: Runtime) -> int:
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(SystemLog)) or 0


def test_write_and_read_back(runtime: Runtime) -> None:
    task_id = _task(runtime)
    entry_id = _write(runtime, level="warn", source=" Web ", message="slow poll", task_id=task_id)
    with runtime.sessions() as s:
        [entry] = query_logs(s)
    assert entry.id == entry_id
    assert (entry.level, entry.source, entry.message, entry.task_id) == (
        "WARN",
        "Web",
        "slow poll",
        task_id,
    )
    assert entry.timestamp.tzinfo is not None


def test_secrets_in_a_message_are_masked_before_storage(runtime: Runtime) -> None:
    _write(runtime, message=f"checkout with card {CARD}, password=hunter2 failed")
    with runtime.sessions() as s:
        stored = s.scalar(select(SystemLog.message))
    assert stored == "checkout with card [redacted card], password=[redacted] failed"


def test_long_messages_are_capped_after_masking(runtime: Runtime) -> None:
    # The card straddles the cap: masking first means none of its digits survive.
    message = "x" * (MAX_MESSAGE_CHARS - 20) + f" card {CARD} " + "y" * 10_000
    _write(runtime, message=message)
    with runtime.sessions() as s:
        stored = s.scalar(select(SystemLog.message))
    assert stored is not None
    assert len(stored) == MAX_MESSAGE_CHARS
    assert stored.endswith(TRUNCATION_MARK)
    assert CARD[:6] not in stored


def test_newest_first_with_filters_and_paging(runtime: Runtime) -> None:
    task_a, task_b = _task(runtime), _task(runtime)
    rows = [
        ("INFO", "Worker", task_a),
        ("ERROR", "Worker", task_a),
        ("INFO", "Web", None),
        ("WARN", "Worker", task_b),
        ("ERROR", "CLI", task_b),
    ]
    ids = [
        _write(runtime, level=lvl, source=src, message=f"line {i}", task_id=task)
        for i, (lvl, src, task) in enumerate(rows)
    ]
    with runtime.sessions() as s:
        assert [e.id for e in query_logs(s)] == ids[::-1]
        assert [e.id for e in query_logs(s, level="error")] == [ids[4], ids[1]]
        assert [e.id for e in query_logs(s, source="Worker")] == [ids[3], ids[1], ids[0]]
        assert [e.id for e in query_logs(s, task_id=task_a)] == [ids[1], ids[0]]
        assert [e.id for e in query_logs(s, source="Worker", level="INFO")] == [ids[0]]
        first_page = query_logs(s, limit=2)
        assert [e.id for e in first_page] == [ids[4], ids[3]]
        second = query_logs(s, limit=2, before_id=first_page[-1].id)
        assert [e.id for e in second] == [ids[2], ids[1]]
        assert [e.id for e in query_logs(s, limit=2, before_id=second[-1].id)] == [ids[0]]
        assert query_logs(s, source="Nobody") == []


BAD_WRITES = [
    ({"level": "DEBUG"}, "level: must be one of INFO, WARN, ERROR"),
    ({"level": ""}, "level: must be one of INFO, WARN, ERROR"),
    ({"level": "INFO'; DROP TABLE system_logs; --"}, "level: must be one of"),
    ({"level": None}, "level: must be one of"),
    ({"source": ""}, f"source: must be 1–{MAX_SOURCE_CHARS} printable characters"),
    ({"source": "   "}, "source: must be"),
    ({"source": "s" * (MAX_SOURCE_CHARS + 1)}, "source: must be"),
    ({"source": None}, "source: must be"),
    ({"source": "Web\x00"}, "source: must be"),
    ({"source": "Web\nERROR"}, "source: must be"),
    ({"task_id": 999_999}, "task_id: no task 999999"),
    ({"task_id": 0}, "task_id: must be a positive whole number"),
    ({"task_id": -1}, "task_id: must be a positive whole number"),
    ({"task_id": 2**63}, "task_id: must be a positive whole number"),
    ({"task_id": "1"}, "task_id: must be a positive whole number"),
    ({"task_id": True}, "task_id: must be a positive whole number"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_WRITES)
def test_bad_writes_are_refused_and_nothing_is_written(
    runtime: Runtime, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError) as err:
        _write(runtime, **fields)
    assert str(err.value).startswith(message)
    assert _count(runtime) == 0


BAD_QUERIES = [
    ({"limit": 0}, f"limit: must be 1–{MAX_QUERY_LIMIT}"),
    ({"limit": MAX_QUERY_LIMIT + 1}, "limit: must be"),
    ({"limit": "10"}, "limit: must be"),
    ({"limit": True}, "limit: must be"),
    ({"level": "TRACE"}, "level: must be one of INFO, WARN, ERROR"),
    ({"source": ""}, "source: must be"),
    ({"task_id": 0}, "task_id: must be a positive whole number"),
    ({"before_id": 2**40}, "before_id: must be a positive whole number"),
    ({"before_id": -5}, "before_id: must be a positive whole number"),
]


@pytest.mark.parametrize(("filters", "message"), BAD_QUERIES)
def test_bad_queries_are_refused(
    runtime: Runtime, filters: dict[str, object], message: str
) -> None:
    with runtime.sessions() as s, pytest.raises(ValueError) as err:
        query_logs(s, **filters)  # type: ignore[arg-type]
    assert str(err.value).startswith(message)


def test_injection_text_is_stored_as_text(runtime: Runtime) -> None:
    text = "'); DROP TABLE system_logs; -- <script>alert(1)</script> \u202e\x00"
    _write(runtime, message=text, source="Web")
    with runtime.sessions() as s:
        [entry] = query_logs(s, source="Web")
    assert entry.message == text.replace("\x00", "\\x00")  # PostgreSQL text cannot hold NUL


def test_deleting_a_task_keeps_its_log_lines(runtime: Runtime) -> None:
    task_id = _task(runtime)
    _write(runtime, task_id=task_id, message="kept")
    with transaction(runtime.sessions) as s:
        s.delete(s.get(Task, task_id))
    with runtime.sessions() as s:
        [entry] = query_logs(s)
    assert (entry.message, entry.task_id) == ("kept", None)
