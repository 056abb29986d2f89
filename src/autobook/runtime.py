"""What a running autobook needs, opened once: settings, database, vault.

`open_runtime` loads (or on first run creates) the key, migrates the database and checks that
the key is the one the data was written with, so misconfiguration fails at start with a clear
message instead of in the middle of a booking.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from autobook.config import Settings
from autobook.db.migrate import upgrade
from autobook.db.secrets import check_or_set_canary
from autobook.db.session import engine_from_settings, session_factory, transaction
from autobook.vault import Vault, vault_from_settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    vault = vault_from_settings(settings)
    engine = engine_from_settings(settings)
    try:
        if migrate:
            upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            check_or_set_canary(session, vault)
    except BaseException:
        engine.dispose()  # don't leave a pool of connections behind a failed start
        raise
    return Runtime(settings, engine, sessions, vault)
