"""Logging to stderr and `<data_dir>/autobook.log`, with secrets masked on the way out.

No module should ever log a secret in the first place; `redact` is defence in depth for the
mistakes that happen anyway (an exception that quotes a form, an f-string with a URL). It masks:
- card numbers: 12–19 digits, optionally grouped by single spaces or dashes, that pass the Luhn
  check (a 13-digit epoch-milliseconds timestamp passes one time in ten and is masked too — an
  acceptable price);
- `Bearer …` credentials and autobook API tokens (`abk_…`);
- Fernet tokens (`gAAAAA…`) and Fernet keys (43 url-safe base64 characters and `=`);
- `password=…`-style pairs (password, secret, token, key, cvv, … in `k=v`, `k: v`, JSON and
  Python-repr forms) and the password in `scheme://user:password@host` URLs;
- the token of a live handoff link (`/handoff/<token>`): the link is the booking.
The system log (`db/syslog.py`) passes its messages through the same `redact`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler

from autobook.config import Settings
from autobook.datadir import private_dir, private_file, private_opener
from autobook.domain.accounts import luhn_ok

LOG_FILE_NAME = "autobook.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE_MAX_BYTES = 10 * 1024 * 1024  # rotate well before a small disk notices
LOG_FILE_BACKUPS = 5
_OURS = "_autobook_handler"  # marks the handlers setup_logging installed, to replace them

_SECRET_NAMES = (
    r"[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|cvv|cvc|card[_-]?number"
    r"|authorization|cookie|encryption[_-]?(?:old[_-]?)?keys?)"
)
# A value: optional auth scheme, then a quoted string (escapes allowed) or one bare word.
_VALUE = (
    r"""(?!\[redacted)(?:(?:bearer|basic)\s+)?"""
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&}\])]+)"""
)
_READABLE_SCHEMES = r"(?:https?|wss?|postgres(?:ql)?(?:\+\w+)?|sqlite(?:\+\w+)?|file)://"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"""(?i)\b({_SECRET_NAMES})(["']?\s*[:=]\s*){_VALUE}"""), r"\1\2[redacted]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [redacted]"),
    (re.compile(r"\babk_[A-Za-z0-9_-]+"), "[redacted token]"),
    (re.compile(r"/handoff/(?!\[redacted)[A-Za-z0-9_-]{8,}"), "/handoff/[redacted]"),
    (re.compile(r"gAAAAA[A-Za-z0-9_-]+=*"), "[redacted ciphertext]"),
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"), "[redacted key]"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@"), r"\1:[redacted]@"),
    # Notification URLs (Apprise: discord://id/TOKEN, tgram://BOT/chat, json://host/path…) carry
    # their tokens in the path: keep only the scheme. Web and database URLs stay readable.
    (
        re.compile(
            rf"(?i)(?<![a-z0-9+.-])(?!{_READABLE_SCHEMES})([a-z][a-z0-9+.-]*)://[^\s'\"<>]+"
        ),
        r"\1://[redacted]",
    ),
]
# Runs of 12+ digits grouped by single spaces or dashes; only these can hold a card.
_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){11,}")
# One pattern per card length, each ending where the digits end: every length is tried from
# every group start in a run, so a card next to other numbers ("5 4539 …", "… 1486 12") is found.
_CARD_LENGTHS = [re.compile(rf"[0-9](?:[ -]?[0-9]){{{n - 1}}}(?![0-9])") for n in range(12, 20)]
_GROUP_START = re.compile(r"(?<![0-9])[0-9]")
_SEPARATORS = re.compile(r"[ -]")


def _card_spans(text: str) -> Iterator[tuple[int, int]]:
    for run in _RUN.finditer(text):
        for start in _GROUP_START.finditer(text, run.start(), run.end()):
            for pattern in _CARD_LENGTHS:
                match = pattern.match(text, start.start(), run.end())
                if match and luhn_ok(_SEPARATORS.sub("", match[0])):
                    yield match.span()


def _mask_cards(text: str) -> str:
    merged: list[list[int]] = []
    for start, stop in sorted(_card_spans(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    for start, stop in reversed(merged):
        text = text[:start] + "[redacted card]" + text[stop:]
    return text


def redact(text: str) -> str:
    """`text` with anything that looks like a secret masked (see the module docstring)."""
    text = _mask_cards(text)  # first: "card=4539 5787 …" would otherwise lose only "4539"
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Renders each record's message with its args, then masks secrets in it, in the
    exception text and in the stack. Attach it to handlers: a logger's filters never see
    records that propagate up from child loggers."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format args: still show (masked) what was passed
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _PrivateRotatingFileHandler(RotatingFileHandler):
    """Each log file, rotated ones included, is created 0600: it names tasks and accounts."""

    def _open(self):  # type: ignore[no-untyped-def]
        return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
                    opener=private_opener)  # fmt: skip


def setup_logging(settings: Settings) -> list[logging.Handler]:
    """Log at LOG_LEVEL to stderr and to `<data_dir>/autobook.log` (rotated), secrets masked.

    Calling it again replaces the handlers it installed before. Returns the new handlers.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
        old.close()
    private_file(private_dir(settings.data_dir) / LOG_FILE_NAME)
    handlers: list[logging.Handler] = [
        logging.StreamHandler(sys.stderr),
        _PrivateRotatingFileHandler(
            settings.data_dir / LOG_FILE_NAME,
            maxBytes=LOG_FILE_MAX_BYTES,
            backupCount=LOG_FILE_BACKUPS,
            encoding="utf-8",
        ),
    ]
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(RedactingFilter())
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL at INFO
    return handlers
