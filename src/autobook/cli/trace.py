"""`autobook trace`: open the browser trace of a failed attempt.

Traces are kept only for failed attempts, encrypted with the vault key, because a Playwright
trace records what was typed (passwords, card numbers). This command decrypts one to a file
that `playwright show-trace` (or trace.playwright.dev, offline in the browser) opens.
"""

from __future__ import annotations

from pathlib import Path

import click

from autobook.cli.common import echo_note, load_settings
from autobook.vault import vault_from_settings

SUFFIX = "-trace.zip.enc"


@click.group()
def trace() -> None:
    """Browser traces of failed attempts (kept encrypted)."""


@trace.command("list")
def trace_list() -> None:
    """List the kept traces, newest first."""
    folder = load_settings().diagnostics_dir
    found = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not found:
        echo_note("no traces: they are kept only when an attempt fails")
    for path in found:
        click.echo(path.name.removesuffix(SUFFIX))


@trace.command("export")
@click.argument("name")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def trace_export(name: str, out: Path) -> None:
    """Decrypt trace NAME (as `trace list` shows it, e.g. task3-attempt7) into OUT (a .zip).

    The file holds what was typed into the site, secrets included: delete it when done.
    """
    folder = load_settings().diagnostics_dir
    source = folder / f"{name}{SUFFIX}"
    if "/" in name or "\\" in name or not source.is_file():
        raise click.BadParameter(f"no trace {name!r}; see `autobook trace list`", param_hint="NAME")
    vault = vault_from_settings(load_settings(), create=False)
    out.write_bytes(vault.decrypt_bytes(source.read_bytes()))
    out.chmod(0o600)
    echo_note(f"wrote {out} (holds typed secrets: delete it when done)")
