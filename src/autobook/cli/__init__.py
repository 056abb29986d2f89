"""The `autobook` command: serve and db here, one module per other command group beside it.

Settings come from the environment and `.env` (see the README's table). Secrets are read from
hidden prompts or stdin, never from argv. Errors a user can fix end in one `Error:` line.
"""

from __future__ import annotations

from typing import Any

import click

from autobook.cli.accounts import account, payment
from autobook.cli.auth import admin, token
from autobook.cli.book import book
from autobook.cli.common import USER_ERRORS, describe, echo_note, load_settings, opened_runtime
from autobook.cli.csv_import import import_command
from autobook.cli.demo import demo
from autobook.cli.keys import keys
from autobook.cli.notify import notify
from autobook.cli.sandbox import sandbox
from autobook.cli.trace import trace
from autobook.cli.worker import worker
from autobook.datadir import restrict_umask
from autobook.db.migrate import current_revision, upgrade
from autobook.db.session import engine_from_settings
from autobook.logs import setup_logging


class AutobookGroup(click.Group):
    """Turns the errors a user can fix into `Error: <field>: <what is wrong>` and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(describe(exc, ctx.meta.get("autobook.fields"))) from None


@click.group(cls=AutobookGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """autobook: books courts, classes and appointments the moment they are released.

    Settings are read from the environment and `.env` (AUTOBOOK_DATA_DIR, DATABASE_URL,
    ENCRYPTION_KEY, ...); see the README for the full table.
    """
    restrict_umask()  # whatever this process or its children create is the owner's alone


@main.command()
@click.option("--host", help="Address to listen on.  [default: AUTOBOOK_HOST or 127.0.0.1]")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on.  [default: AUTOBOOK_PORT or 8000]",
)
def serve(host: str | None, port: int | None) -> None:
    """Migrate the database, then run the web app and, unless AUTOBOOK_EMBEDDED_WORKER=false,
    the booking worker in the same process."""
    import uvicorn

    from autobook.web.app import create_app  # the web stack is only needed here
    from autobook.web.proxies import UVICORN_OPTIONS

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = load_settings(**overrides)
    with opened_runtime(settings) as runtime:
        setup_logging(settings)  # after start-up checks, so their errors stay one clean line
        app = create_app(settings, runtime=runtime, worker=settings.embedded_worker)
        echo_note(f"autobook serving on http://{settings.host}:{settings.port}")
        # log_config=None: uvicorn's lines go through our handlers and their secret masking
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None,
                    **UVICORN_OPTIONS)  # fmt: skip


@main.group()
def db() -> None:
    """Database migrations (the service also migrates on start)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest revision and print it."""
    engine = engine_from_settings(load_settings())
    try:
        upgrade(engine)
        click.echo(f"database at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@db.command("current")
def db_current() -> None:
    """Print the database's current revision ("none" before the first migration)."""
    engine = engine_from_settings(load_settings())
    try:
        click.echo(current_revision(engine) or "none")
    finally:
        engine.dispose()


_COMMANDS = (
    keys, admin, token, account, payment, sandbox, demo, book, import_command, worker, notify,
    trace,
)  # fmt: skip
for _command in _COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
