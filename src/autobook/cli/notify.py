"""`autobook notify test`: send a test notification, to given Apprise URLs or the configured ones.

Apprise URLs carry webhook tokens, so `--stdin` reads them one per line instead of from argv
(where shell history and `ps` would see them). The output names a failing URL by its position
and scheme only.
"""

from __future__ import annotations

import sys

import click

from autobook.cli.common import echo_note, load_settings, opened_runtime
from autobook.db.notify_urls import split_urls
from autobook.notify import global_urls, send_test


@click.group()
def notify() -> None:
    """Notifications (Apprise URLs: discord://, mailto://, tgram://, ntfy://, json://, ...)."""


@notify.command("test")
@click.argument("urls", nargs=-1)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the URLs from stdin, one per line.")
def notify_test(urls: tuple[str, ...], from_stdin: bool) -> None:
    """Send a test message to URLS, or to the configured URLs when none are given.

    The configured URLs are AUTOBOOK_NOTIFY_URLS and those saved on the settings page.
    """
    chosen = [u for raw in urls for u in split_urls(raw)]
    if from_stdin:
        chosen += split_urls(sys.stdin.read())
    if not chosen and not urls and not from_stdin:
        with opened_runtime(load_settings()) as runtime:
            chosen = global_urls(runtime)
    if not chosen:
        raise click.ClickException(
            "URLS: none given, and none configured (AUTOBOOK_NOTIFY_URLS or the settings page)"
        )
    echo_note(f"sending a test message to {len(chosen)} URL(s)")
    result = send_test(chosen)
    if not result.ok:
        raise click.ClickException(f"URLS: {result.message}")
    click.echo(result.message)
