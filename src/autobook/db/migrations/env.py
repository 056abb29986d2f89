"""Alembic environment: the engine comes from the caller (see db/migrate.py)."""

from alembic import context

from autobook.db.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER most things
        compare_type=True,
    )
    context.run_migrations()
