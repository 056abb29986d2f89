"""Secrets at rest: a known password, card number and CVV go in through the repositories, and
then slip into log lines by mistake; none of them can be found afterwards in the raw database
(the SQLite file and its WAL, or a `pg_dump`), the log file, stderr or the system log rows.
(API responses and CLI output are scanned by the web and CLI tests.)

How each plaintext is searched for, and why there are no false positives:
- The password and the card number are long and distinctive, so they are searched for as raw
  bytes anywhere, the card also with any single space or dash between its digits.
- A CVV is only 3–4 digits, and short digit strings occur by chance: inside base64 ciphertext
  ("…x7319Q…", about one in 17 million positions) and inside longer numbers (the microseconds of
  a timestamp, "…:59.731942"). So the CVV is a 4-digit one that shares no digits' order with the
  card ("7319", not the 3-digit "737"), and it is searched for as a number of its own — not
  preceded or followed by another digit — after cutting out Fernet tokens (ciphertext, whose
  strength the vault tests cover). What remains would be a real leak: "cvv=7319", "7319" in a
  column, a log line.
Each scan also looks for a marker stored in the clear on purpose, so a scan that reads nothing
(an empty file, a WAL not yet written, the wrong database) fails instead of passing.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from autobook.db.accounts import create_account, create_payment_profile
from autobook.db.session import transaction
from autobook.db.syslog import query_logs, write_log
from autobook.domain.accounts import AccountCreate, PaymentProfileCreate
from autobook.domain.sites import Site
from autobook.logs import LOG_FILE_NAME, setup_logging
from autobook.runtime import Runtime

PASSWORD = "Pl41ntext-Pa55word-XYZ"
CARD = "4539578763621486"
CVV = "7319"
MARKER = "Clear-Marker-QX7-not-secret"  # stored in the clear on purpose (see the docstring)

_FERNET_TOKENS = re.compile(rb"gAAAAA[A-Za-z0-9_=-]+")
_LEAKS = {
    "password": re.compile(re.escape(PASSWORD.encode())),
    "card number": re.compile(rb"[ -]?".join(re.escape(d.encode()) for d in CARD)),
    "CVV": re.compile(rb"(?<![0-9])" + CVV.encode() + rb"(?![0-9])"),
}


def leaks(haystack: bytes) -> list[str]:
    """Which of the known secrets appear in `haystack`."""
    visible = _FERNET_TOKENS.sub(b"<ciphertext>", haystack)
    return [name for name, pattern in _LEAKS.items() if pattern.search(visible)]


@pytest.mark.parametrize(
    ("haystack", "found"),
    [
        (PASSWORD.encode(), ["password"]),
        (b"4539 5787 6362 1486", ["card number"]),
        (b"4539-5787-6362-1486", ["card number"]),
        (b'{"cvv": "7319"}', ["CVV"]),
        (b"\x00\x047319\x00", ["CVV"]),
        (b"2026-02-15 19:00:00.731942+00", []),  # inside a longer number
        (b"gAAAAABn7319xYz_-Q==", []),  # inside ciphertext
        (b"card ending 1486", []),
    ],
)
def test_the_scanner_finds_what_it_should_and_nothing_else(
    haystack: bytes, found: list[str]
) -> None:
    assert leaks(haystack) == found


def test_the_cvv_is_distinctive() -> None:
    assert CVV not in CARD and CVV not in PASSWORD and CVV not in MARKER


@contextmanager
def _logging(rt: Runtime) -> Iterator[None]:
    handlers = setup_logging(rt.settings)
    try:
        yield
    finally:
        for handler in handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()


def _store_secrets(rt: Runtime) -> None:
    with transaction(rt.sessions) as s:
        account = create_account(
            s,
            data=AccountCreate(
                site=Site.BETTER, display_name=MARKER, login="me@example.com", password=PASSWORD
            ),
            vault=rt.vault,
        )
        profile = PaymentProfileCreate(
            alias=MARKER,
            cardholder_name="A Person",
            card_number=SecretStr("4539 5787 6362 1486"),
            expiry_month="12",
            expiry_year="2039",
            cvv=SecretStr(CVV),
            store_cvv=True,
            account_id=account.id,
        )
        create_payment_profile(s, data=profile, vault=rt.vault)


# The mistakes the filter is there for: pairs, card numbers, exception text. (A bare secret in
# free prose cannot be told from other words; code must not log secrets in the first place.)
MISTAKES = [
    f"login me@example.com with password={PASSWORD}",
    f"paying with card {CARD}, cvv={CVV}",
    "retrying card 4539 5787 6362 1486",
    f"form data {{'password': '{PASSWORD}', 'cvv': '{CVV}', 'card_number': '{CARD}'}}",
]


def _log_mistakes(rt: Runtime) -> None:
    log = logging.getLogger("autobook.worker")
    log.info("marker %s", MARKER)
    log.info("login %s with password=%s", "me@example.com", PASSWORD)
    for mistake in MISTAKES:
        log.warning(mistake)
    try:
        raise RuntimeError(f"site said: card {CARD} declined (cvv={CVV})")
    except RuntimeError:
        log.exception("checkout failed")
    with transaction(rt.sessions) as s:
        write_log(s, level="INFO", source="Worker", message=f"marker {MARKER}")
        for mistake in MISTAKES:
            write_log(s, level="ERROR", source="Worker", message=mistake)


def _database_bytes(rt: Runtime) -> bytes:
    url = make_url(rt.settings.database_url or rt.settings.sqlalchemy_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
        return b"".join(p.read_bytes() for p in files)
    dump = subprocess.run(
        ["pg_dump", "-h", url.host or "127.0.0.1", "-U", url.username or "postgres", url.database],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return dump.stdout


def test_no_plaintext_secret_at_rest(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    with _logging(runtime):
        _store_secrets(runtime)
        _log_mistakes(runtime)
    with runtime.sessions() as s:
        system_log = "\n".join(entry.message for entry in query_logs(s)).encode()
    log_files = sorted(runtime.settings.data_dir.glob(f"{LOG_FILE_NAME}*"))
    places = {
        "database": _database_bytes(runtime),
        "log file": b"".join(p.read_bytes() for p in log_files),
        "stderr": capsys.readouterr().err.encode(),
        "system log": system_log,
    }
    for place, haystack in places.items():
        assert MARKER.encode() in haystack, f"the {place} scan read nothing"
        assert leaks(haystack) == [], f"plaintext secrets in the {place}"
    assert b"[redacted card]" in places["log file"]  # the mistakes did reach the log, masked
    assert b"[redacted card]" in places["system log"]
