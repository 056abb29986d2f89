"""Global notification URLs: stored encrypted in the `meta` row `notify_urls`, shown masked.

There is no settings table, so the Apprise URLs live in `meta`, in the notifier's own stored
form (`autobook.notify.encrypt_urls`: the vault's ciphertext of the URLs joined by newlines),
which is where it reads them. Apprise URLs carry webhook tokens and passwords, so a page only
ever shows their scheme.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from autobook.db.models import Meta
from autobook.notify import META_KEY, decrypt_urls, encrypt_urls, send_test, split_urls
from autobook.vault import Vault

MAX_URLS = 20
MAX_URL_CHARS = 2000
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]{0,30})://\S+$", re.IGNORECASE)


def read_notify_urls(session: Session, vault: Vault) -> list[str]:
    row = session.get(Meta, META_KEY)
    return decrypt_urls(vault, row.value if row else None)


def write_notify_urls(session: Session, vault: Vault, urls: list[str]) -> None:
    """Replace the stored URLs; an empty list removes the row."""
    row = session.get(Meta, META_KEY)
    value = encrypt_urls(vault, urls)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Meta(key=META_KEY, value=value))
    else:
        row.value = value


def masked_notify_urls(session: Session, vault: Vault) -> list[str]:
    """What the page shows: `discord://…` — the scheme says which service, nothing more."""
    return [f"{url.split('://', 1)[0]}://…" for url in read_notify_urls(session, vault)]


def parse_notify_urls(text: str) -> list[str]:
    """URLs split as Apprise does (lines, commas, spaces); ValueError naming the wrong one."""
    urls = split_urls(text)
    if len(urls) > MAX_URLS:
        raise ValueError(f"at most {MAX_URLS} URLs")
    for number, url in enumerate(urls, start=1):
        if len(url) > MAX_URL_CHARS or not _SCHEME.match(url):
            raise ValueError(f"URL {number} is not an Apprise URL like discord://… or json://…")
    return urls


async def send_test_message(urls: list[str]) -> str | None:
    """Send the test message; None when it went out, else the notifier's reason (which names
    a failed URL by its position and scheme only, never its secrets)."""
    result = await run_in_threadpool(send_test, urls)  # Apprise blocks on the network
    return None if result.ok else f"the test notification failed: {result.message}"
