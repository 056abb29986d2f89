"""`autobook keys rotate`: afterwards every secret decrypts with the new key, no ciphertext is
left that the old key can read, and starting with the old key fails with a clear message.
A rotation that cannot finish changes nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from test_cli_support import Cli

from autobook.db.models import ENCRYPTED_COLUMNS, Meta, PaymentProfile, SiteAccount
from autobook.db.secrets import stale_ciphertexts
from autobook.db.session import transaction
from autobook.runtime import Runtime, open_runtime
from autobook.vault import CANARY_KEY, Vault, VaultError, generate_key, write_key_file

PASSWORD = "pa55-Known-to-the-test"
CARD = "5555555555554444"
CVV = "4321"


@pytest.fixture
def cli(runtime: Runtime) -> Cli:
    cli = Cli(runtime)
    cli.ok(
        "account", "add", "--site", "estelle", "--name", "Kim", "--login", "kim@x.test",
        input=PASSWORD + "\n",
    )  # fmt: skip
    cli.ok(
        "payment", "add", "--alias", "Main", "--cardholder", "Kim", "--expiry-month", "03",
        "--expiry-year", "2032", "--account", "1", "--store-cvv", input=f"{CARD}\n{CVV}\n",
    )  # fmt: skip
    with transaction(runtime.sessions) as s:  # a saved browser session is a secret too
        s.scalars(select(SiteAccount)).one().session_state_enc = runtime.vault.encrypt("{}")
    return cli


def _ciphertexts(rt: Runtime) -> list[str]:
    with rt.sessions() as s:
        values = [s.get(Meta, CANARY_KEY).value]
        for model, column in ENCRYPTED_COLUMNS:
            values += [v for v in s.scalars(select(getattr(model, column))) if v is not None]
    return values


def _assert_rotated(rt: Runtime, old_key: str, new_key: str) -> None:
    new = Vault(new_key)
    with rt.sessions() as s:
        account = s.scalars(select(SiteAccount)).one()
        profile = s.scalars(select(PaymentProfile)).one()
        assert new.decrypt(account.password_enc) == PASSWORD
        assert new.decrypt(account.session_state_enc) == "{}"
        assert new.decrypt(profile.card_number_enc) == CARD
        assert new.decrypt(profile.cvv_enc) == CVV
        assert stale_ciphertexts(s, new) == 0
    ciphertexts = _ciphertexts(rt)
    assert len(ciphertexts) == 5  # canary, password, session state, card, cvv
    for ciphertext in ciphertexts:
        with pytest.raises(InvalidToken):
            Fernet(old_key.encode()).decrypt(ciphertext.encode())


def _assert_old_key_refused(cli: Cli, old_key: str) -> None:
    error = cli.fails("account", "list", ENCRYPTION_KEY=old_key, ENCRYPTION_OLD_KEYS=None)
    assert "ENCRYPTION_KEY" in error and old_key not in error
    with pytest.raises(VaultError, match="ENCRYPTION_KEY"):
        open_runtime(cli.runtime.settings.model_copy(update={"encryption_key": old_key}))


def test_rotate_with_key_in_environment_and_new_key_on_stdin(cli: Cli) -> None:
    old_key, new_key = cli.runtime.settings.encryption_key, generate_key()
    result = cli.ok("keys", "rotate", "--new-key-stdin", input=new_key + "\n")
    assert "re-encrypted 4 secrets" in result.stdout
    assert new_key not in result.output and old_key not in result.output  # the user has it
    assert "ENCRYPTION_KEY" in result.stderr and "ENCRYPTION_OLD_KEYS" in result.stderr
    _assert_rotated(cli.runtime, old_key, new_key)
    _assert_old_key_refused(cli, old_key)
    assert "Kim" in cli.ok("account", "list", ENCRYPTION_KEY=new_key).output
    # the old key listed as an old key keeps working until every process has restarted
    cli.ok("account", "list", ENCRYPTION_KEY=new_key, ENCRYPTION_OLD_KEYS=old_key)


def test_rotate_with_key_in_environment_prints_a_generated_key_once(cli: Cli) -> None:
    old_key = cli.runtime.settings.encryption_key
    result = cli.ok("keys", "rotate")
    printed = [line for line in result.stdout.splitlines() if line.endswith("=")]
    assert len(printed) == 1
    new_key = printed[0]
    assert result.output.count(new_key) == 1 and old_key not in result.output
    _assert_rotated(cli.runtime, old_key, new_key)


def _use_key_file(cli: Cli) -> Path:
    """Move the test's key from ENCRYPTION_KEY into <data>/secret.key."""
    key_file = cli.runtime.settings.key_file
    write_key_file(key_file, cli.runtime.settings.encryption_key)
    cli.env["ENCRYPTION_KEY"] = None
    return key_file


def test_rotate_with_key_file_replaces_it_after_commit(cli: Cli) -> None:
    key_file = _use_key_file(cli)
    old_key = key_file.read_text().strip()
    result = cli.ok("keys", "rotate")
    new_key = key_file.read_text().strip()
    assert new_key != old_key and new_key not in result.output and old_key not in result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not key_file.with_name("secret.key.new").exists()
    _assert_rotated(cli.runtime, old_key, new_key)
    _assert_old_key_refused(cli, old_key)
    assert "Kim" in cli.ok("account", "list").output  # the key file is the new key


def test_failed_rotation_changes_nothing(cli: Cli) -> None:
    """A secret no known key can read stops the rotation: the database and key stay as they were."""
    key_file = _use_key_file(cli)
    old_key = key_file.read_text().strip()
    with transaction(cli.runtime.sessions) as s:
        s.add(
            SiteAccount(
                site="gym",
                display_name="Foreign",
                login="f@x.test",
                password_enc=Vault(generate_key()).encrypt("unknown key"),
            )
        )
    before = _ciphertexts(cli.runtime)
    error = cli.fails("keys", "rotate")
    assert "cannot be decrypted" in error
    assert _ciphertexts(cli.runtime) == before
    assert key_file.read_text().strip() == old_key
    assert not key_file.with_name("secret.key.new").exists()


@pytest.mark.parametrize(
    ("new_key", "message"),
    [("not-a-key", "new key: not a valid Fernet key"), ("", "new key: not a valid Fernet key")],
)
def test_rotate_refuses_a_bad_new_key(cli: Cli, new_key: str, message: str) -> None:
    before = _ciphertexts(cli.runtime)
    assert message in cli.fails("keys", "rotate", "--new-key-stdin", input=new_key + "\n")
    assert _ciphertexts(cli.runtime) == before


def test_rotate_refuses_the_current_key(cli: Cli) -> None:
    current = cli.runtime.settings.encryption_key
    error = cli.fails("keys", "rotate", "--new-key-stdin", input=current + "\n")
    assert "new key: it is the current ENCRYPTION_KEY" in error and current not in error
