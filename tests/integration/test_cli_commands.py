"""Every `autobook` command's happy path, on SQLite and on PostgreSQL (via the `runtime` fixture).

Secrets go in on stdin and must never come back out in the command's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from test_cli_support import Cli

from autobook.cli import main
from autobook.config import Settings
from autobook.db.auth import authenticate, resolve_token
from autobook.db.migrate import current_revision
from autobook.db.models import PaymentProfile, SiteAccount
from autobook.db.session import transaction
from autobook.domain.accounts import CVV_WARNING
from autobook.runtime import Runtime

SITE_PASSWORD = "s1te-Pa55word-🔑"
CARD = "4242424242424242"
CVV = "737"
ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture
def cli(runtime: Runtime) -> Cli:
    return Cli(runtime)


def test_help_on_every_command(cli: Cli) -> None:
    groups = {
        "": ["serve", "db", "keys", "admin", "token", "account", "payment", "sandbox"],
        "db": ["upgrade", "current"],
        "keys": ["generate", "rotate"],
        "admin": ["set-password", "sign-out-everywhere"],
        "token": ["create", "list", "revoke"],
        "account": ["add", "list", "remove"],
        "payment": ["add", "list", "remove"],
    }
    for group, commands in groups.items():
        prefix = [group] if group else []
        listing = cli.ok(*prefix, "--help").output
        for command in commands:
            assert command in listing
            page = cli.ok(*prefix, command, "--help").output
            assert "Usage:" in page and len(page.splitlines()) > 3


def test_db_upgrade_and_current(cli: Cli) -> None:
    revision = current_revision(cli.runtime.engine)
    assert revision
    assert cli.ok("db", "upgrade").output.strip() == f"database at revision {revision}"
    assert cli.ok("db", "current").output.strip() == revision


def test_keys_generate_prints_a_fresh_fernet_key(cli: Cli) -> None:
    first, second = (cli.ok("keys", "generate").output.strip() for _ in range(2))
    assert first != second
    Fernet(first.encode())  # raises if malformed


def test_admin_set_password_from_stdin_then_change_it(cli: Cli) -> None:
    out = cli.ok("admin", "set-password", "--password-stdin", input=ADMIN_PASSWORD + "\n").output
    assert ADMIN_PASSWORD not in out
    cli.ok("admin", "set-password", input="another long password\n")  # not a TTY: stdin
    with transaction(cli.runtime.sessions) as s:
        assert authenticate(s, username="admin", password="another long password")
        assert not authenticate(s, username="admin", password=ADMIN_PASSWORD)
    cli.ok("admin", "set-password", "--username", "ops", input=ADMIN_PASSWORD + "\n")
    with transaction(cli.runtime.sessions) as s:
        assert authenticate(s, username="ops", password=ADMIN_PASSWORD)


def test_token_create_list_revoke(cli: Cli) -> None:
    created = cli.ok("token", "create", "ci runner")
    plaintext = created.stdout.strip()
    assert re.fullmatch(r"abk_[\w-]{40,}", plaintext)
    assert "shown only this once" in created.stderr
    with transaction(cli.runtime.sessions) as s:
        token = resolve_token(s, plaintext)
        assert token is not None and token.name == "ci runner"
        token_id = token.id
    listing = cli.ok("token", "list").output
    assert "ci runner" in listing and plaintext not in listing and plaintext[:10] in listing
    assert cli.ok("token", "revoke", str(token_id)).output.strip() == f"token {token_id} revoked"
    with transaction(cli.runtime.sessions) as s:
        assert resolve_token(s, plaintext) is None
    assert "True" in cli.ok("token", "list").output


def test_account_add_list_remove(cli: Cli) -> None:
    name = "Robert'); DROP TABLE site_accounts;--"  # stored literally, nothing executed
    out = cli.ok(
        "account", "add", "--site", "better", "--name", name, "--login", "john@example.com",
        "--daily-limit", "2", input=SITE_PASSWORD + "\n",
    ).output  # fmt: skip
    assert SITE_PASSWORD not in out
    account_id = int(re.search(r"account (\d+) added", out).group(1))
    with transaction(cli.runtime.sessions) as s:
        row = s.get(SiteAccount, account_id)
        assert (row.site, row.display_name, row.login, row.daily_limit) == (
            "better", name, "john@example.com", 2
        )  # fmt: skip
        assert cli.runtime.vault.decrypt(row.password_enc) == SITE_PASSWORD
    listing = cli.ok("account", "list").output
    assert name in listing and "john@example.com" in listing and SITE_PASSWORD not in listing
    assert "john@example.com" not in cli.ok("account", "list", "--site", "gym").output
    cli.ok("account", "remove", str(account_id))
    with transaction(cli.runtime.sessions) as s:
        assert s.get(SiteAccount, account_id) is None
        assert s.execute(text("SELECT count(*) FROM site_accounts")).scalar() == 0


def test_account_add_with_a_phone_lists_it(cli: Cli) -> None:
    """The clinic books with the account's phone; it is personal data, listed plainly."""
    out = cli.ok(
        "account", "add", "--site", "clinic", "--name", "Jane Doe", "--login", "jane@x.test",
        "--phone", "+44 7700 900123", input=SITE_PASSWORD + "\n",
    ).output  # fmt: skip
    account_id = int(re.search(r"account (\d+) added", out).group(1))
    with transaction(cli.runtime.sessions) as s:
        row = s.get(SiteAccount, account_id)
        assert row is not None and row.phone == "+44 7700 900123"
    listing = cli.ok("account", "list").output
    assert "phone" in listing and "+44 7700 900123" in listing
    assert SITE_PASSWORD not in listing


def _add_account(cli: Cli) -> int:
    out = cli.ok(
        "account", "add", "--site", "gym", "--name", "Ann", "--login", "ann@x.test",
        input=SITE_PASSWORD + "\n",
    ).output  # fmt: skip
    return int(re.search(r"account (\d+) added", out).group(1))


def test_payment_add_with_cvv_list_remove(cli: Cli) -> None:
    account_id = _add_account(cli)
    result = cli.ok(
        "payment", "add", "--alias", "Work Visa", "--cardholder", "Ann Example",
        "--expiry-month", "7", "--expiry-year", "2031", "--account", str(account_id),
        "--address-line-1", "1 High St", "--city", "London", "--postcode", "N1 1AA",
        "--store-cvv", input=f"{CARD}\n{CVV}\n",
    )  # fmt: skip
    assert CVV_WARNING in result.stderr
    assert CARD not in result.output and "card ending 4242" in result.stdout
    profile_id = int(re.search(r"payment profile (\d+) added", result.stdout).group(1))
    with transaction(cli.runtime.sessions) as s:
        p = s.get(PaymentProfile, profile_id)
        assert cli.runtime.vault.decrypt(p.card_number_enc) == CARD
        assert cli.runtime.vault.decrypt(p.cvv_enc) == CVV
        assert (p.expiry_month, p.expiry_year, p.account_id, p.postcode) == (
            "07", "31", account_id, "N1 1AA"
        )  # fmt: skip
    listing = cli.ok("payment", "list").output
    assert "Work Visa" in listing and "**** 4242" in listing and "07/31" in listing
    assert CARD not in listing and CARD[:12] not in listing
    cli.ok("payment", "remove", str(profile_id))
    with transaction(cli.runtime.sessions) as s:
        assert s.scalars(select(PaymentProfile)).all() == []


def test_payment_add_without_cvv_stores_none_and_reads_one_line(cli: Cli) -> None:
    result = cli.ok(
        "payment", "add", "--alias", "Amex", "--cardholder", "Ann",
        "--expiry-month", "12", "--expiry-year", "39", "--card-stdin",
        input="3782 822463 10005\n999\n",  # a second line is never read as a CVV
    )  # fmt: skip
    assert CVV_WARNING not in result.output
    with transaction(cli.runtime.sessions) as s:
        p = s.scalars(select(PaymentProfile)).one()
        assert p.cvv_enc is None and p.card_last4 == "0005"
    assert "no" in cli.ok("payment", "list").output.splitlines()[1]


README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_has_a_row_for_every_setting_and_names_every_command() -> None:
    readme = README.read_text()
    for name, field in Settings.model_fields.items():
        env_names = field.validation_alias.choices  # type: ignore[union-attr]
        assert any(f"| `{env}` |" in readme for env in env_names), f"setting {name} not in README"
    for group_name, group in main.commands.items():
        for command in getattr(group, "commands", None) or [""]:
            assert f"{group_name} {command}".strip() in readme, f"{group_name} {command}"
