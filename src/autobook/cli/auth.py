"""`autobook admin` (the web admin's password) and `autobook token` (bearer tokens for /api/v1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click

from autobook.cli.common import ID, echo_note, opened_runtime, print_table, read_secret
from autobook.db.auth import (
    create_token,
    end_sessions,
    list_tokens,
    revoke_token,
    set_admin_password,
)
from autobook.db.session import transaction
from autobook.domain.errors import NotFound
from autobook.domain.text import text_error

USERNAME_MAX = 64  # admin_users.username is VARCHAR(64)
TOKEN_NAME_MAX = 100  # api_tokens.name is VARCHAR(100)


def _bounded_text(field: str, limit: int) -> Callable[[click.Context, click.Parameter, str], str]:
    """A click callback: stripped, non-empty, printable and within the column's length."""

    def check(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
        text = value.strip()
        if not text:
            raise click.BadParameter(f"{field}: must not be empty")
        if len(text) > limit:
            raise click.BadParameter(f"{field}: at most {limit} characters")
        if (why := text_error(text, one_line=True)) is not None:
            raise click.BadParameter(f"{field}: {why}")
        return text

    return check


@click.group()
def admin() -> None:
    """The admin user of the web interface."""


@admin.command("set-password")
@click.option(
    "--username",
    default="admin",
    show_default=True,
    callback=_bounded_text("username", USERNAME_MAX),
    help="Admin user to create or update.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from stdin (also used when stdin is not a terminal).",
)
def admin_set_password(username: str, password_stdin: bool) -> None:
    """Create the admin user or change its password (prompted, never an argument)."""
    password = read_secret("Admin password", from_stdin=password_stdin, confirm=True)
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        set_admin_password(session, username=username, password=password)
    click.echo(f"password set for admin user {username!r}")


@admin.command("sign-out-everywhere")
def admin_sign_out_everywhere() -> None:
    """End every signed-in browser session at once (API tokens stay; revoke those apart)."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        ended = end_sessions(session)
    click.echo(f"signed out everywhere: {ended} session{'s' if ended != 1 else ''} ended")


@click.group()
def token() -> None:
    """Bearer tokens for the REST API (/api/v1)."""


@token.command("create")
@click.argument("name", callback=_bounded_text("name", TOKEN_NAME_MAX))
def token_create(name: str) -> None:
    """Create a token called NAME and print it once (only its hash is stored)."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        row, plaintext = create_token(session, name=name)
        token_id = row.id
    click.echo(plaintext)
    echo_note(f"token {token_id} ({name!r}) created; it is shown only this once.")


@token.command("list")
def token_list() -> None:
    """List tokens (id, name, prefix, dates, revoked); never the tokens themselves."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        rows = [
            (t.id, t.name, t.prefix + "...", _when(t.created_at), _when(t.last_used_at), t.revoked)
            for t in list_tokens(session)
        ]
    print_table(["id", "name", "prefix", "created", "last used", "revoked"], rows)


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=ID)
def token_revoke(token_id: int) -> None:
    """Revoke token ID; requests using it are refused from now on."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        if not revoke_token(session, token_id):
            raise NotFound(f"token {token_id} not found")
    click.echo(f"token {token_id} revoked")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"
