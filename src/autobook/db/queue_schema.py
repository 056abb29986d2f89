"""The job queue's tables on PostgreSQL: Procrastinate's schema, applied once.

Distributed workers (`autobook worker` on PostgreSQL) take their jobs from Procrastinate's
tables, so `autobook db upgrade` and every start apply its schema when it is missing. Several
workers may start at once: an advisory lock makes one of them apply it and the others find it.
SQLite has no such queue (one worker process runs the plain loop there), so nothing happens.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

# Any constant shared by every autobook process; it only has to differ from other apps' keys.
SCHEMA_LOCK_KEY = 0x6175746F626F6F6B  # "autobook"


def queue_schema_present(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None


def ensure_queue_schema(engine: Engine) -> bool:
    """Apply Procrastinate's schema if it is not there yet; True when this call applied it."""
    if engine.dialect.name != "postgresql":
        return False
    from procrastinate.schema import SchemaManager  # only PostgreSQL deployments need it

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            return False
        # The driver's own execute: the schema holds `%` in PL/pgSQL messages, which a
        # parameterised execute would read as placeholders.
        conn.connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]
    return True
