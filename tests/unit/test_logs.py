"""Secrets are masked in log output: by `redact`, and by the handlers `setup_logging` installs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from autobook.config import Settings
from autobook.domain.accounts import luhn_ok
from autobook.logs import LOG_FILE_NAME, redact, setup_logging
from autobook.vault import generate_key

CARD = "4539578763621486"
KEY = generate_key()
FERNET_TOKEN = Fernet(KEY).encrypt(b"hunter2").decode()


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


MASKED = [
    # (text, the secret that must be gone)
    (f"card {CARD} declined", CARD),
    ("card 4539 5787 6362 1486 declined", "4539 5787 6362 1486"),
    ("card 4539-5787-6362-1486", "4539-5787-6362-1486"),
    (f"ref 5 {CARD}", CARD),  # next to other numbers on the left…
    (f"{CARD} 12 28", CARD),  # …and on the right
    (f"card={CARD}", CARD),
    ("card_number=4539 5787 6362 1486", "5787 6362 1486"),
    ("amex 378282246310005", "378282246310005"),
    (f"twelve {_with_check_digit('12345678901')}", _with_check_digit("12345678901")),
    (f"nineteen {_with_check_digit('453957876362148612')}", "453957876362148612"),
    ("password=hunter2 next", "hunter2"),
    ("PASSWORD = hunter2", "hunter2"),
    ("site_password: hunter2", "hunter2"),
    ('{"password": "correct horse battery"}', "correct horse battery"),
    ('{"password": "with \\" quote"}', "quote"),
    ("{'password': 'correct horse'}", "correct horse"),
    ("login?user=bob&token=s3cr3tv4lue&x=1", "s3cr3tv4lue"),
    ("cvv=7319", "7319"),
    ("CVC: 7319", "7319"),
    ("api_key=AKIAXYZ123", "AKIAXYZ123"),
    ("client_secret=shhh-123", "shhh-123"),
    ("Authorization: Bearer eyJhbGciOi.payload.sig", "eyJhbGciOi"),
    ("Authorization: Basic Zm9vOmJhcg==", "Zm9vOmJhcg"),
    ("sent bearer abc.def-ghi", "abc.def-ghi"),
    ("token abk_Zx9_-qY7rTtW3kLmN0pQ", "abk_Zx9_-qY7rTtW3kLmN0pQ"),
    (f"key {KEY} loaded", KEY),
    (f"ENCRYPTION_KEY={KEY}", KEY),
    (f"ENCRYPTION_OLD_KEYS={KEY},{KEY}", KEY),
    (f"stored {FERNET_TOKEN}", FERNET_TOKEN),
    ("postgresql://autobook:pgpass123@db/autobook", "pgpass123"),
    ('"GET /handoff/33esV1XoD-tt0nvwDqxl85aB-3JtxM0T/ws HTTP/1.1"', "33esV1XoD-tt0nvwDqxl85aB"),
    ("pay here: https://autobook.example/handoff/k2P_9qRs-X1yZ", "k2P_9qRs-X1yZ"),
]


def _stable_id(text: str) -> str:
    """The case's text with the generated key and token named, so that every xdist worker
    collects the same test ids."""
    return text.replace(KEY, "<key>").replace(FERNET_TOKEN, "<token>")


@pytest.mark.parametrize(("text", "secret"), MASKED, ids=[_stable_id(t) for t, _ in MASKED])
def test_secrets_are_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "[redacted" in out
    assert redact(out) == out  # masking twice changes nothing (records pass several handlers)


UNTOUCHED = [
    "task 42 booked court 3 at 2026-02-15 19:00:00.123456+00:00",
    "price £14.00, reference BK-20260215-0042",
    "card ending 1486",
    "4539578763621487 fails Luhn, so it is not a card",
    "phone 020 7946 0958",
    "polled 12 times in 3600 s",
    "user bob logged in",
    "tokens left: 3",  # a word that contains "token" but is not a pair
    "the password was wrong",
    "a key question",
    "GET /handoffs/live 200",
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_card_among_many_numbers_is_found_and_the_rest_kept() -> None:
    noise = "7 " * 500
    out = redact(f"{noise}card {CARD} {noise}")
    assert CARD not in out
    assert out == f"{noise}card [redacted card] {noise}"


@pytest.fixture
def log_settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, AUTOBOOK_DATA_DIR=tmp_path / "data", LOG_LEVEL="DEBUG")


@pytest.fixture
def installed(log_settings: Settings) -> Iterator[list[logging.Handler]]:
    root_level = logging.getLogger().level
    handlers = setup_logging(log_settings)
    yield handlers
    for handler in handlers:
        logging.getLogger().removeHandler(handler)
        handler.close()
    logging.getLogger().setLevel(root_level)


def _log_file(settings: Settings) -> str:
    return (settings.data_dir / LOG_FILE_NAME).read_text()  # FileHandler flushes every record


def test_log_lines_reach_stderr_and_the_file_masked(
    installed: list[logging.Handler], log_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Set up again inside the test: the stderr handler binds the stream that capsys reads now.
    installed[:] = setup_logging(log_settings)
    log = logging.getLogger("autobook.test")
    log.info("paying with %s, password=%s", CARD, "hunter2")
    log.warning("plain line %d", 7)
    stderr = capsys.readouterr().err
    for output in (stderr, _log_file(log_settings)):
        assert "paying with [redacted card], password=[redacted]" in output
        assert "WARNING autobook.test: plain line 7" in output
        assert CARD not in output and "hunter2" not in output


def test_exception_text_is_masked(installed: list[logging.Handler], log_settings: Settings) -> None:
    try:
        raise RuntimeError(f"site refused card {CARD}")
    except RuntimeError:
        logging.getLogger("autobook.test").exception("checkout failed")
    text = _log_file(log_settings)
    assert "RuntimeError: site refused card [redacted card]" in text
    assert CARD not in text


def test_bad_format_arguments_are_still_masked(
    installed: list[logging.Handler], log_settings: Settings
) -> None:
    logging.getLogger("autobook.test").error("two %s %s", f"password={CARD}")
    text = _log_file(log_settings)
    assert "two %s %s" in text
    assert CARD not in text


def test_calling_setup_again_replaces_its_handlers(
    installed: list[logging.Handler], log_settings: Settings
) -> None:
    again = setup_logging(log_settings)
    try:
        ours = [h for h in logging.getLogger().handlers if h in installed or h in again]
        assert ours == again
        assert len(again) == 2
    finally:
        installed[:] = again  # the fixture removes whichever set is current


def test_level_comes_from_settings(tmp_path: Path) -> None:
    root_level = logging.getLogger().level
    handlers = setup_logging(
        Settings(_env_file=None, AUTOBOOK_DATA_DIR=tmp_path, LOG_LEVEL="error")
    )
    try:
        assert logging.getLogger().level == logging.ERROR
    finally:
        for handler in handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()
        logging.getLogger().setLevel(root_level)


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        ("sent to discord://1234/abcDEFsecret ok", "abcDEFsecret", "discord://"),
        ("json://127.0.0.1:9/hook-T0ken-42 failed", "hook-T0ken-42", "json://"),
        ("tgram://123456:AAbotTOKEN/789", "AAbotTOKEN", "tgram://"),
        ("GET https://better-admin.org.uk/api/activities", "", "https://better-admin.org.uk/api"),
        (
            "DATABASE_URL postgresql+psycopg://app:pw@db/autobook",
            "pw@",
            "postgresql+psycopg://app:",
        ),
    ],
)
def test_notification_urls_keep_only_their_scheme(line: str, secret: str, kept: str) -> None:
    out = redact(line)
    assert kept in out
    if secret:
        assert secret not in out
