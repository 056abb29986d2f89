"""`autobook keys`: make a Fernet key, and rotate every stored secret onto a new one.

Rotation re-encrypts every secret in one transaction and checks, before committing, that none is
left under an old key, so the database is never half-rotated. When the key lives in the key file,
the new key is written beside it first (`secret.key.new`) and moved over it only after the commit:
a crash in between leaves both keys on disk, never a database nobody can read.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from autobook.cli.common import echo_note, load_settings, opened_runtime, read_stdin_line
from autobook.db.secrets import check_or_set_canary, rotate_all, stale_ciphertexts
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.vault import Vault, VaultError, generate_key, write_key_file


@click.group()
def keys() -> None:
    """Encryption keys for secrets at rest."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new Fernet key (for ENCRYPTION_KEY)."""
    click.echo(generate_key())


@keys.command("rotate")
@click.option(
    "--new-key-stdin",
    is_flag=True,
    help="Read the new key from the first line of stdin instead of generating one.",
)
def keys_rotate(new_key_stdin: bool) -> None:
    """Re-encrypt every secret under a new key.

    Stop autobook first and start it again afterwards: running processes keep the old key.
    With the key in <data>/secret.key (ENCRYPTION_KEY unset) the file is replaced; with
    ENCRYPTION_KEY set, you set it to the new key yourself (instructions are printed).
    """
    settings = load_settings()
    in_env = bool(settings.encryption_key)
    new_key = read_stdin_line("new key").strip() if new_key_stdin else generate_key()
    with opened_runtime(settings) as runtime:
        new_vault = _new_vault(new_key, runtime.vault)
        if in_env:
            count = _rotate(runtime, new_vault)
        else:
            count = _rotate_key_file(runtime, new_vault, settings.key_file)
    click.echo(f"re-encrypted {count} secrets; none is left under an old key")
    if in_env:
        _env_instructions(new_key, shown=not new_key_stdin)
    else:
        echo_note(f"{settings.key_file} now holds the new key; restart autobook.")


def _new_vault(new_key: str, current: Vault) -> Vault:
    """The new key first (it encrypts), every key in use now after it (they decrypt)."""
    if new_key == current.key:
        raise click.ClickException("new key: it is the current ENCRYPTION_KEY")
    try:
        return Vault(new_key, [current.key, *current.old_keys])
    except VaultError:
        raise click.ClickException(
            "new key: not a valid Fernet key (32 url-safe base64-encoded bytes); "
            "make one with `autobook keys generate`"
        ) from None


def _rotate(runtime: Runtime, new_vault: Vault) -> int:
    """All or nothing: any leftover old ciphertext rolls the whole rotation back."""
    only_new = Vault(new_vault.key)
    with transaction(runtime.sessions) as session:
        count = rotate_all(session, new_vault)
        session.flush()
        stale = stale_ciphertexts(session, only_new)
        if stale:
            raise click.ClickException(f"{stale} secrets were not re-encrypted; nothing changed")
        check_or_set_canary(session, only_new)
    return count


def _rotate_key_file(runtime: Runtime, new_vault: Vault, key_file: Path) -> int:
    pending = key_file.with_name(key_file.name + ".new")
    write_key_file(pending, new_vault.key)
    try:
        count = _rotate(runtime, new_vault)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    os.replace(pending, key_file)
    return count


def _env_instructions(new_key: str, *, shown: bool) -> None:
    if shown:
        echo_note("New key (shown only once; store it now):")
        click.echo(new_key)
    echo_note(
        "Set ENCRYPTION_KEY to the new key wherever autobook runs, then restart every process.\n"
        "Until all of them have restarted you may put the old key in ENCRYPTION_OLD_KEYS;\n"
        "remove it from there afterwards: nothing stored needs it any more."
    )
