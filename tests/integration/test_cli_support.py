"""Shared by the CLI tests: run `autobook` in-process against a test's database, and read back
what it wrote. (No tests here; the test_cli_* modules import it.)"""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from autobook.cli import main
from autobook.db.models import Base
from autobook.runtime import Runtime


def settings_env(runtime: Runtime) -> dict[str, str | None]:
    """The environment that makes the CLI use this runtime's database, data folder and key."""
    s = runtime.settings
    return {
        "DATABASE_URL": s.database_url,
        "AUTOBOOK_DATA_DIR": str(s.data_dir),
        "ENCRYPTION_KEY": s.encryption_key,
        # None removes a variable, so the developer's own environment cannot leak in
        "ENCRYPTION_OLD_KEYS": None,
        "AUTOBOOK_HOST": None,
        "AUTOBOOK_PORT": None,
    }


class Cli:
    """`autobook …` run in this process by click's CliRunner, with the test's settings."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.env = settings_env(runtime)

    def run(self, *args: str, input: str | None = None, **env: Any) -> Result:
        result = CliRunner().invoke(main, list(args), input=input, env={**self.env, **env})
        assert "Traceback" not in result.output, result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception  # an unhandled error is a bug: show it
        return result

    def ok(self, *args: str, input: str | None = None, **env: Any) -> Result:
        result = self.run(*args, input=input, **env)
        assert result.exit_code == 0, result.output
        return result

    def fails(self, *args: str, input: str | None = None, **env: Any) -> str:
        """The single `Error:` line of a command that must fail cleanly."""
        result = self.run(*args, input=input, **env)
        assert result.exit_code != 0, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, result.output
        return errors[0]

    def row_counts(self) -> dict[str, int]:
        with self.runtime.sessions() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
