"""The system log of seed 000 §2.5: what the dashboard's log page shows, optionally per task.

Messages pass through the same `redact` as the log files (`logs.py`), so a secret that slips
into a message by mistake is masked before it reaches the database.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from autobook.db.models import SystemLog, Task
from autobook.logs import redact

MAX_MESSAGE_CHARS = 4000  # a log line, not a dump: keeps the table and the page small
MAX_SOURCE_CHARS = 32  # the column's width
MAX_QUERY_LIMIT = 1000
MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns; a larger one is an error, not a query
TRUNCATION_MARK = " …[truncated]"


class LogLevel(StrEnum):
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def _level(value: str) -> LogLevel:
    try:
        return LogLevel(str(value).strip().upper())
    except ValueError:
        names = ", ".join(LogLevel)
        raise ValueError(f"level: must be one of {names}, not {str(value)[:20]!r}") from None


def _source(value: str) -> str:
    source = value.strip() if isinstance(value, str) else ""
    if not source or len(source) > MAX_SOURCE_CHARS or not source.isprintable():
        raise ValueError(f"source: must be 1–{MAX_SOURCE_CHARS} printable characters")
    return source


def _id(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError(f"{name}: must be a positive whole number")
    return value


def write_log(
    session: Session, *, level: str, source: str, message: str, task_id: int | None = None
) -> SystemLog:
    """Add one system log line (masked, capped at MAX_MESSAGE_CHARS) and return it."""
    entry_level, entry_source = _level(level), _source(source)
    if task_id is not None and session.get(Task, _id("task_id", task_id)) is None:
        raise ValueError(f"task_id: no task {task_id}")
    # Mask first: cutting first could split a card number so the masking no longer sees it.
    # PostgreSQL text cannot hold NUL; a site's response quoted in a message might.
    text = redact(str(message)).replace("\x00", "\\x00")
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - len(TRUNCATION_MARK)] + TRUNCATION_MARK
    entry = SystemLog(level=entry_level.value, source=entry_source, message=text, task_id=task_id)
    session.add(entry)
    session.flush()
    return entry


def query_logs(
    session: Session,
    *,
    level: str | None = None,
    source: str | None = None,
    task_id: int | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[SystemLog]:
    """Log lines newest first, filtered; `before_id` pages back from the last line shown."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_QUERY_LIMIT:
        raise ValueError(f"limit: must be 1–{MAX_QUERY_LIMIT}")
    query = select(SystemLog).order_by(SystemLog.id.desc()).limit(limit)
    if level is not None:
        query = query.where(SystemLog.level == _level(level).value)
    if source is not None:
        query = query.where(SystemLog.source == _source(source))
    if task_id is not None:
        query = query.where(SystemLog.task_id == _id("task_id", task_id))
    if before_id is not None:
        query = query.where(SystemLog.id < _id("before_id", before_id))
    return list(session.scalars(query))
