"""What every `autobook` command shares: fresh settings, an opened runtime, secrets read from a
prompt or stdin (never argv), tables, and turning known errors into one clean `Error:` line."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

from autobook.config import Settings
from autobook.db.auth import WeakPassword
from autobook.domain.errors import Conflict, NotFound
from autobook.runtime import Runtime, open_runtime
from autobook.vault import VaultError

# Errors a user can cause and fix; anything else is a bug and keeps its traceback.
USER_ERRORS = (
    ValidationError,
    NotFound,
    Conflict,
    WeakPassword,
    VaultError,
    DBAPIError,
)

ID = click.IntRange(1, 2**31 - 1)  # ids are 32-bit integer columns on PostgreSQL


def load_settings(**overrides: Any) -> Settings:
    """Settings read now from the environment and `.env` (not `get_settings()`'s cached copy)."""
    settings = Settings()
    try:  # a malformed URL would otherwise surface as a bare ValueError deep in SQLAlchemy
        make_url(settings.sqlalchemy_url).get_dialect()
    except (ArgumentError, ValueError):
        raise click.ClickException("DATABASE_URL: not a valid database URL") from None
    return settings.model_copy(update=overrides) if overrides else settings


@contextmanager
def opened_runtime(settings: Settings | None = None) -> Iterator[Runtime]:
    """The runtime, migrated and with its key checked, closed afterwards."""
    runtime = open_runtime(settings or load_settings(), migrate=True)
    try:
        yield runtime
    finally:
        runtime.close()


def describe(exc: BaseException, fields: dict[str, str] | None = None) -> str:
    """A one-line message naming the field; never the rejected input (it may be a secret)."""
    if isinstance(exc, ValidationError):
        names = fields or {}
        parts = []
        for err in exc.errors(include_input=False, include_url=False):
            loc = ".".join(names.get(str(p), str(p)) for p in err["loc"])
            msg = _plain(err)
            if not loc:  # a rule over several fields says "field: why"; name the option
                field, sep, rest = msg.partition(": ")
                msg = f"{names[field]}: {rest}" if sep and field in names else msg
            parts.append(f"{loc}: {msg}" if loc else msg)
        return "; ".join(parts)
    if isinstance(exc, DBAPIError):
        # str(exc) carries the SQL parameters (ciphertexts, names): show the driver's first line.
        first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        if isinstance(exc, OperationalError | InterfaceError):
            return f"DATABASE_URL: cannot use the database: {first}"
        return f"database: {first}"
    return str(exc)


def _plain(err: ErrorDetails) -> str:
    """Pydantic's message, said plainly for lengths (its wording for secrets is "items")."""
    ctx = err.get("ctx", {})
    if err["type"] in ("too_short", "string_too_short"):
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"use at least {n} characters"
    if err["type"] in ("too_long", "string_too_long"):
        return f"at most {ctx.get('max_length')} characters"
    return err["msg"].removeprefix("Value error, ")


def read_stdin_line(what: str) -> str:
    """One line of stdin (sys.stdin itself: a fresh text wrapper per call would lose buffered
    lines), without its line ending."""
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException(f"{what}: expected a line on stdin, got end of input")
    return line.rstrip("\r\n")


def read_secret(what: str, *, from_stdin: bool, confirm: bool = False) -> str:
    """From a hidden prompt (with confirmation when asked), or stdin when flagged or not a TTY."""
    if from_stdin or not sys.stdin.isatty():
        return read_stdin_line(what)
    return click.prompt(what, hide_input=True, confirmation_prompt=confirm, err=True)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    if not rows:
        click.echo("(none)")
        return
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def echo_note(message: str) -> None:
    """Guidance for the person at the terminal, on stderr so stdout stays scriptable."""
    click.echo(message, err=True)
