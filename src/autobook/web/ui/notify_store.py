"""Global notification URLs: stored encrypted in the `meta` row `notify_urls`, shown masked.

There is no settings table, so the Apprise URLs live in `meta`: the vault's ciphertext of the
URLs joined by newlines (the worker's notifier reads the same row). Apprise URLs carry webhook
tokens and passwords, so a page only ever shows their scheme.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from autobook.db.models import Meta
from autobook.vault import Vault

META_KEY = "notify_urls"
MAX_URLS = 20
MAX_URL_CHARS = 2000
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]{0,30})://\S+$", re.IGNORECASE)


def read_notify_urls(session: Session, vault: Vault) -> list[str]:
    row = session.get(Meta, META_KEY)
    if row is None or not row.value:
        return []
    return [line for line in vault.decrypt(row.value).splitlines() if line.strip()]


def write_notify_urls(session: Session, vault: Vault, urls: list[str]) -> None:
    """Replace the stored URLs; an empty list removes the row."""
    row = session.get(Meta, META_KEY)
    if not urls:
        if row is not None:
            session.delete(row)
        return
    value = vault.encrypt("\n".join(urls))
    if row is None:
        session.add(Meta(key=META_KEY, value=value))
    else:
        row.value = value


def masked_notify_urls(session: Session, vault: Vault) -> list[str]:
    """What the page shows: `discord://…` — the scheme says which service, nothing more."""
    return [f"{url.split('://', 1)[0]}://…" for url in read_notify_urls(session, vault)]


def parse_notify_urls(text: str) -> list[str]:
    """One URL per line (or comma-separated); ValueError saying which URL is wrong."""
    parts = [p.strip() for line in text.splitlines() for p in line.split(",")]
    urls = [p for p in parts if p]
    if len(urls) > MAX_URLS:
        raise ValueError(f"at most {MAX_URLS} URLs")
    for number, url in enumerate(urls, start=1):
        if len(url) > MAX_URL_CHARS or not _SCHEME.match(url):
            raise ValueError(f"URL {number} is not an Apprise URL like discord://… or json://…")
    return urls


def _send_test() -> Any | None:
    """`autobook.notify.send_test`, written by another part; None until it exists."""
    try:
        module = importlib.import_module("autobook.notify")
    except ImportError:
        return None
    return getattr(module, "send_test", None)


def send_test_available() -> bool:
    return _send_test() is not None


async def send_test_message(urls: list[str]) -> str | None:
    """Send the test message; None when it went out, else a reason without any URL in it."""
    send_test = _send_test()
    if send_test is None:
        return "notifications are not available in this version"
    if inspect.iscoroutinefunction(send_test):
        result = await send_test(urls)
    else:  # Apprise blocks on the network: keep the event loop free
        result = await run_in_threadpool(send_test, urls)
    if bool(getattr(result, "ok", result)):
        return None
    detail = getattr(result, "message", None) or getattr(result, "error", None)
    return f"the test notification failed: {detail}" if detail else "the test notification failed"
