"""Engine and sessions for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from autobook.config import Settings
from autobook.datadir import private_dir, private_file

SQLITE_BUSY_TIMEOUT_MS = 15_000  # web and worker share one file: wait for the writer's lock


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


def engine_from_settings(settings: Settings) -> Engine:
    if not settings.database_url:
        private_dir(settings.data_dir)
    url = make_url(settings.sqlalchemy_url)
    path = Path(url.database) if url.database not in (None, "", ":memory:") else None
    if url.get_backend_name() == "sqlite" and path is not None and path.parent.is_dir():
        private_file(path)  # 0600 before SQLite opens it; its WAL copies the mode
    return make_engine(settings.sqlalchemy_url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session
