"""Stored notification URLs: the global ones in the `meta` row `notify_urls`, a task's own in
`tasks.notify_urls_enc`, both as the vault's ciphertext of the URLs joined by newlines.

Apprise URLs carry webhook tokens and passwords, so they are stored encrypted and a page only
ever shows their scheme. `autobook.notify` reads them from here to deliver.
"""

from __future__ import annotations

import re

from apprise.utils.parse import parse_urls
from sqlalchemy.orm import Session

from autobook.db.models import Meta
from autobook.vault import Vault

META_KEY = "notify_urls"
MAX_URLS = 20
MAX_URL_CHARS = 2000
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]{0,30})://\S+$", re.IGNORECASE)


def split_urls(text: str | None) -> list[str]:
    """URLs from a comma-, space- or newline-separated string (Apprise's own splitting, which
    keeps a comma inside one URL's query string)."""
    return [u.strip() for u in parse_urls(text or "") if u.strip()]


def parse_notify_urls(text: str) -> list[str]:
    """URLs split as Apprise does (lines, commas, spaces); ValueError naming the wrong one."""
    urls = split_urls(text)
    if len(urls) > MAX_URLS:
        raise ValueError(f"at most {MAX_URLS} URLs")
    for number, url in enumerate(urls, start=1):
        if len(url) > MAX_URL_CHARS or not _SCHEME.match(url):
            raise ValueError(f"URL {number} is not an Apprise URL like discord://… or json://…")
    return urls


def encrypt_urls(vault: Vault, urls: list[str]) -> str | None:
    """The stored form of a list of URLs (None when there are none)."""
    return vault.encrypt("\n".join(urls)) if urls else None


def decrypt_urls(vault: Vault, ciphertext: str | None) -> list[str]:
    return split_urls(vault.decrypt(ciphertext)) if ciphertext else []


def read_notify_urls(session: Session, vault: Vault) -> list[str]:
    """The settings page's global URLs."""
    row = session.get(Meta, META_KEY)
    return decrypt_urls(vault, row.value if row else None)


def write_notify_urls(session: Session, vault: Vault, urls: list[str]) -> None:
    """Replace the global URLs; an empty list removes the row."""
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
    """What a page shows: `discord://…` — the scheme says which service, nothing more."""
    return [f"{url.split('://', 1)[0]}://…" for url in read_notify_urls(session, vault)]
