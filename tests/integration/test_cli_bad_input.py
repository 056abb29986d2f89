"""Bad input to every command: one clean `Error:` line naming what is wrong, a non-zero exit, no
traceback, no secret echoed back and nothing written. On SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from test_cli_support import Cli

from autobook.runtime import Runtime

HUGE = "x" * 5000
INJECTION = "1; DROP TABLE site_accounts;--"
CARD_TYPO = "4242424242424241"  # fails Luhn; must never be echoed
PASSWORD = "Secret-Never-Echoed-42"
ACCOUNT = ["account", "add", "--site", "better", "--name", "Jo", "--login", "jo@x.test"]
PAYMENT = ["payment", "add", "--alias", "Visa", "--cardholder", "Jo"]
EXPIRY = ["--expiry-month", "01", "--expiry-year", "2040"]
GOOD_CARD = "4242424242424242\n"

# (case id, argv, stdin, extra env, text the Error line must contain)
CASES = [
    ("account bad site", ["account", "add", "--site", "nope", "--name", "Jo", "--login", "j"],
     PASSWORD, {}, "--site"),
    ("account injection site", [*ACCOUNT[:3], INJECTION, *ACCOUNT[4:]], PASSWORD, {}, "--site"),
    ("account empty name", [*ACCOUNT[:5], "", *ACCOUNT[6:]], PASSWORD, {}, "--name"),
    ("account blank name", [*ACCOUNT[:5], "   ", *ACCOUNT[6:]], PASSWORD, {}, "--name"),
    ("account huge name", [*ACCOUNT[:5], HUGE, *ACCOUNT[6:]], PASSWORD, {}, "--name"),
    ("account huge login", [*ACCOUNT[:7], HUGE], PASSWORD, {}, "--login"),
    ("account empty login", [*ACCOUNT[:7], ""], PASSWORD, {}, "--login"),
    ("account missing login", ACCOUNT[:6], PASSWORD, {}, "--login"),
    ("account empty password", ACCOUNT, "", {}, "password"),
    ("account no password line", ACCOUNT, None, {}, "password"),
    ("account huge password", ACCOUNT, "p" * 5000, {}, "password"),
    ("account daily limit 0", [*ACCOUNT, "--daily-limit", "0"], PASSWORD, {}, "--daily-limit"),
    ("account daily limit text", [*ACCOUNT, "--daily-limit", "two"], PASSWORD, {},
     "--daily-limit"),
    ("account password argv", [*ACCOUNT, "--password", PASSWORD], PASSWORD, {}, "--password"),
    ("account phone text", [*ACCOUNT, "--phone", "call me"], PASSWORD, {},
     "--phone: phone must be 7 to 15 digits"),
    ("account phone short", [*ACCOUNT, "--phone", "+44 12"], PASSWORD, {}, "--phone"),
    ("account phone dashes", [*ACCOUNT, "--phone", "0770-0900-123"], PASSWORD, {}, "--phone"),
    ("account phone huge", [*ACCOUNT, "--phone", HUGE], PASSWORD, {}, "--phone"),
    ("account phone injection", [*ACCOUNT, "--phone", INJECTION], PASSWORD, {}, "--phone"),
    ("account remove unknown", ["account", "remove", "999"], None, {}, "account 999 not found"),
    ("account remove zero", ["account", "remove", "0"], None, {}, "ID"),
    ("account remove negative", ["account", "remove", "-1"], None, {}, "-1"),
    ("account remove text", ["account", "remove", "abc"], None, {}, "ID"),
    ("account remove injection", ["account", "remove", INJECTION], None, {}, "ID"),
    ("account remove huge id", ["account", "remove", "9" * 30], None, {}, "ID"),
    ("account list bad site", ["account", "list", "--site", "nope"], None, {}, "--site"),
    ("card too short", [*PAYMENT, *EXPIRY], "4242\n", {}, "card number"),
    ("card letters", [*PAYMENT, *EXPIRY], "4242abcd4242abcd\n", {}, "card number"),
    ("card luhn", [*PAYMENT, *EXPIRY], CARD_TYPO + "\n", {}, "Luhn"),
    ("card huge", [*PAYMENT, *EXPIRY], "4" * 5000 + "\n", {}, "card number"),
    ("card missing", [*PAYMENT, *EXPIRY], None, {}, "Card number"),
    ("card argv", [*PAYMENT, *EXPIRY, "--card-number", CARD_TYPO], GOOD_CARD, {},
     "--card-number"),
    ("expiry month 13", [*PAYMENT, "--expiry-month", "13", "--expiry-year", "40"], GOOD_CARD,
     {}, "--expiry-month"),
    ("expiry month text", [*PAYMENT, "--expiry-month", "jan", "--expiry-year", "40"],
     GOOD_CARD, {}, "--expiry-month"),
    ("expiry year past", [*PAYMENT, "--expiry-month", "01", "--expiry-year", "2001"],
     GOOD_CARD, {}, "--expiry-year: expiry year must be this year or within the next 20 years"),
    ("expiry year 3 digits", [*PAYMENT, "--expiry-month", "01", "--expiry-year", "203"],
     GOOD_CARD, {}, "--expiry-year"),
    ("payment empty alias", ["payment", "add", "--alias", "", "--cardholder", "Jo", *EXPIRY],
     GOOD_CARD, {}, "--alias"),
    ("payment huge cardholder", ["payment", "add", "--alias", "A", "--cardholder", HUGE,
     *EXPIRY], GOOD_CARD, {}, "--cardholder"),
    ("payment huge postcode", [*PAYMENT, *EXPIRY, "--postcode", "P" * 17], GOOD_CARD, {},
     "--postcode"),
    ("payment huge city", [*PAYMENT, *EXPIRY, "--city", HUGE], GOOD_CARD, {}, "--city"),
    ("payment unknown account", [*PAYMENT, *EXPIRY, "--account", "999"], GOOD_CARD, {},
     "account 999 not found"),
    ("payment bad cvv", [*PAYMENT, *EXPIRY, "--store-cvv"], GOOD_CARD + "12\n", {}, "CVV"),
    ("payment letters cvv", [*PAYMENT, *EXPIRY, "--store-cvv"], GOOD_CARD + "abc\n", {}, "CVV"),
    ("payment cvv missing", [*PAYMENT, *EXPIRY, "--store-cvv"], GOOD_CARD, {}, "CVV"),
    ("payment remove unknown", ["payment", "remove", "999"], None, {},
     "payment profile 999 not found"),
    ("payment remove text", ["payment", "remove", INJECTION], None, {}, "ID"),
    ("admin short password", ["admin", "set-password"], "short\n", {}, "password"),
    ("admin huge password", ["admin", "set-password"], "p" * 2000 + "\n", {}, "password"),
    ("admin no password", ["admin", "set-password"], None, {}, "password"),
    ("admin empty username", ["admin", "set-password", "--username", ""], PASSWORD, {},
     "username"),
    ("admin huge username", ["admin", "set-password", "--username", HUGE], PASSWORD, {},
     "username"),
    ("token empty name", ["token", "create", ""], None, {}, "name"),
    ("token huge name", ["token", "create", HUGE], None, {}, "name"),
    ("token control chars", ["token", "create", "a\nb"], None, {}, "name"),
    ("token revoke unknown", ["token", "revoke", "999"], None, {}, "token 999 not found"),
    ("token revoke text", ["token", "revoke", INJECTION], None, {}, "ID"),
    ("keys rotate bad key", ["keys", "rotate", "--new-key-stdin"], "nope\n", {}, "new key"),
    ("keys rotate no key", ["keys", "rotate", "--new-key-stdin"], None, {}, "new key"),
    ("unknown command", ["frobnicate"], None, {}, "frobnicate"),
    ("serve bad port", ["serve", "--port", "70000"], None, {}, "--port"),
    ("serve port text", ["serve", "--port", "http"], None, {}, "--port"),
    ("sandbox bad port", ["sandbox", "--port", "-5"], None, {}, "--port"),
    ("env bad port", ["account", "list"], None, {"AUTOBOOK_PORT": "eighty"}, "AUTOBOOK_PORT"),
    ("env bad log level", ["db", "current"], None, {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ("env bad database", ["db", "upgrade"], None, {"DATABASE_URL": "mysql://u:pw@h/db"},
     "DATABASE_URL"),
    ("env malformed database", ["db", "upgrade"], None, {"DATABASE_URL": "postgresql://u:pw@[::"},
     "DATABASE_URL"),
    ("env unreachable database", ["db", "current"], None,
     {"DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x"}, "database: connection"),
    ("env malformed key", ["account", "list"], None, {"ENCRYPTION_KEY": "short"},
     "ENCRYPTION_KEY is not a valid Fernet key"),
    ("env wrong key", ["token", "list"], None,
     {"ENCRYPTION_KEY": "Qm9ndXNLZXlCb2d1c0tleUJvZ3VzS2V5Qm9ndXNLZXk="}, "ENCRYPTION_KEY"),
    ("env malformed old key", ["account", "list"], None, {"ENCRYPTION_OLD_KEYS": "x,y"},
     "ENCRYPTION_OLD_KEYS"),
]  # fmt: skip


@pytest.fixture
def cli(runtime: Runtime) -> Cli:
    return Cli(runtime)


@pytest.mark.parametrize(
    ("argv", "stdin", "env", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_a_clean_error_and_writes_nothing(
    cli: Cli, argv: list[str], stdin: str | None, env: dict[str, str], expected: str
) -> None:
    before = cli.row_counts()
    if stdin is not None and not stdin.endswith("\n"):
        stdin += "\n"
    error = cli.fails(*argv, input=stdin, **env)
    assert expected in error
    assert len(error) < 400  # one readable line, not a dump of the input
    for secret in (PASSWORD, CARD_TYPO, "4242424242424242", HUGE, "pw@"):
        assert secret not in error
    assert cli.row_counts() == before
