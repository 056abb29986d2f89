"""The vault: Fernet round trips, rotation with old keys, the key file, and a wrong key failing
at start with a message that names ENCRYPTION_KEY and holds no key material — on both databases."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from autobook.config import Settings
from autobook.db.accounts import create_account, create_payment_profile
from autobook.db.models import (
    ENCRYPTED_COLUMNS,
    AppointmentSettings,
    CalendarConnection,
    HandoffSession,
    Meta,
    Task,
)
from autobook.db.secrets import rotate_all, stale_ciphertexts
from autobook.db.session import transaction
from autobook.domain.accounts import AccountCreate, PaymentProfileCreate
from autobook.domain.sites import Site
from autobook.runtime import Runtime, open_runtime
from autobook.vault import CANARY_KEY, Vault, VaultError, generate_key, load_key

SECRET = "Pl41ntext-Pa55word-XYZ"


def _assert_no_key_material(message: str, *keys: str) -> None:
    for key in keys:
        for start in range(0, len(key) - 8, 4):
            assert key[start : start + 8] not in message


def test_round_trip() -> None:
    vault = Vault(generate_key())
    for plaintext in (SECRET, "", "émoji 🎾 and\nnewline", "x" * 10_000):
        ciphertext = vault.encrypt(plaintext)
        assert ciphertext.startswith("gAAAAA")
        assert plaintext not in ciphertext or plaintext == ""
        assert vault.decrypt(ciphertext) == plaintext
    assert vault.encrypt(SECRET) != vault.encrypt(SECRET)  # a fresh IV every time


def test_key_with_surrounding_whitespace_is_accepted() -> None:
    key = generate_key()
    assert Vault(f"  {key}\n").decrypt(Vault(key).encrypt(SECRET)) == SECRET


def test_old_keys_decrypt_and_rotate_reencrypts_under_the_current_key() -> None:
    old_key, new_key = generate_key(), generate_key()
    ciphertext = Vault(old_key).encrypt(SECRET)
    vault = Vault(new_key, [old_key])
    assert vault.decrypt(ciphertext) == SECRET
    assert not vault.is_current(ciphertext)
    rotated = vault.rotate(ciphertext)
    assert vault.is_current(rotated)
    assert Vault(new_key).decrypt(rotated) == SECRET
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(rotated.encode())


def test_a_foreign_ciphertext_is_a_clear_vault_error() -> None:
    key, other = generate_key(), generate_key()
    ciphertext = Vault(other).encrypt(SECRET)
    with pytest.raises(VaultError, match="ENCRYPTION_KEY") as decrypt_err:
        Vault(key).decrypt(ciphertext)
    with pytest.raises(VaultError) as rotate_err:
        Vault(key).rotate(ciphertext)
    for err in (decrypt_err, rotate_err):
        assert SECRET not in str(err.value)
        _assert_no_key_material(str(err.value), key, other)


_SAMPLE_KEY = "Rk9yIHRlc3RzIG9ubHk6IG5vdCBhIHJlYWwga2V5ISE="  # a valid key, for mutating
MALFORMED_KEYS = {
    "empty": "",
    "word": "not-a-key",
    "33-bytes": "x" * 44,  # right length, but 33 bytes once decoded
    "truncated": _SAMPLE_KEY[:-2],  # cut short when pasted
    "extra-char": _SAMPLE_KEY[:-1] + "A=",
    "not-base64": "!" * 43 + "=",
    "hex": "0123456789abcdef0123456789abcdef",  # a hex secret, not base64
}


def test_the_sample_key_is_valid() -> None:
    Vault(_SAMPLE_KEY)  # so the mutated versions fail for the reason their names say


@pytest.mark.parametrize("bad", MALFORMED_KEYS.values(), ids=MALFORMED_KEYS.keys())
def test_a_malformed_key_names_the_setting(bad: str) -> None:
    with pytest.raises(VaultError) as err:
        Vault(bad)
    assert str(err.value).startswith("ENCRYPTION_KEY is not a valid Fernet key")
    assert not bad or bad not in str(err.value)
    with pytest.raises(VaultError) as err:
        Vault(generate_key(), [bad])
    assert str(err.value).startswith("ENCRYPTION_OLD_KEYS is not a valid Fernet key")


def _keyless(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, AUTOBOOK_DATA_DIR=tmp_path / "data", ENCRYPTION_KEY=None)


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_key_file_is_generated_private_and_reused(tmp_path: Path) -> None:
    settings = _keyless(tmp_path)
    with _umask(0):  # even a permissive umask must not make the key world-readable
        key = load_key(settings)
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    assert settings.key_file.read_text().strip() == key
    Fernet(key)  # a valid key
    assert load_key(settings) == key
    assert load_key(settings, create=False) == key
    assert not list(settings.data_dir.glob("*.tmp"))


def test_no_key_and_no_key_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="ENCRYPTION_KEY is not set"):
        load_key(_keyless(tmp_path), create=False)


def test_the_setting_wins_over_the_key_file(tmp_path: Path) -> None:
    settings = _keyless(tmp_path)
    file_key = load_key(settings)
    chosen = generate_key()
    assert load_key(settings.model_copy(update={"encryption_key": chosen})) == chosen != file_key


def test_a_corrupt_key_file_names_the_setting(tmp_path: Path) -> None:
    settings = _keyless(tmp_path)
    settings.data_dir.mkdir(parents=True)
    settings.key_file.write_text("garbage-not-a-key\n")
    with pytest.raises(VaultError) as err:
        open_runtime(settings)
    assert "ENCRYPTION_KEY" in str(err.value)
    assert "garbage-not-a-key" not in str(err.value)


# --- against the database: canary and rotation ----------------------------------------------


def test_the_generated_key_file_opens_the_same_database_again(
    runtime: Runtime, tmp_path: Path
) -> None:
    with transaction(runtime.sessions) as s:
        s.execute(delete(Meta))  # as if this database had never been opened
    settings = runtime.settings.model_copy(
        update={"encryption_key": None, "data_dir": tmp_path / "fresh"}
    )
    first = open_runtime(settings, migrate=False)
    first.close()
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    second = open_runtime(settings, migrate=False)
    assert second.vault.key == first.vault.key
    second.close()


def test_wrong_key_fails_at_start_naming_the_setting(runtime: Runtime) -> None:
    right, wrong = runtime.vault.key, generate_key()
    with pytest.raises(VaultError) as err:
        open_runtime(runtime.settings.model_copy(update={"encryption_key": wrong}), migrate=False)
    message = str(err.value)
    assert message.startswith("ENCRYPTION_KEY does not match the key this database")
    _assert_no_key_material(message, right, wrong)


def test_a_missing_key_on_an_existing_database_fails_naming_the_setting(
    runtime: Runtime, tmp_path: Path
) -> None:
    # No ENCRYPTION_KEY and no key file: a new key is generated, which cannot be this data's.
    settings = runtime.settings.model_copy(
        update={"encryption_key": None, "data_dir": tmp_path / "elsewhere"}
    )
    with pytest.raises(VaultError, match=r"^ENCRYPTION_KEY does not match") as err:
        open_runtime(settings, migrate=False)
    _assert_no_key_material(str(err.value), runtime.vault.key, load_key(settings))


def test_the_right_key_among_old_keys_still_opens(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(
        update={"encryption_key": generate_key(), "encryption_old_keys": runtime.vault.key}
    )
    open_runtime(settings, migrate=False).close()


def _store_one_secret_per_column(rt: Runtime) -> dict[str, str]:
    """A secret in every encrypted column; returns plaintext by column for checking later."""
    plain = {
        "password_enc": SECRET,
        "session_state_enc": '{"cookies": [{"name": "sid", "value": "s3ss10n"}]}',
        "card_number_enc": "4539578763621486",
        "cvv_enc": "7319",
        "notify_urls_enc": "discord://1234/webhooktoken",
        "handoff_url_enc": "https://clinic.example/pay?session=h4nd0ff",
        "smtp_password_enc": "smtp-pa55word",
        "resend_api_key_enc": "re_k3y",
        "secret_enc": "caldav-pa55",
    }
    vault = rt.vault
    with transaction(rt.sessions) as s:
        account = create_account(
            s,
            data=AccountCreate(
                site=Site.BETTER, display_name="Me", login="me@example.com", password=SECRET
            ),
            vault=vault,
        )
        account.session_state_enc = vault.encrypt(plain["session_state_enc"])
        create_payment_profile(s, data=_card(account.id), vault=vault)
        task = Task(site="better", venue="v", target_date=date(2026, 12, 1), payment_method="card")
        task.notify_urls_enc = vault.encrypt(plain["notify_urls_enc"])
        s.add(task)
        s.add(
            HandoffSession(
                id=str(uuid.uuid4()),
                booking_url="https://clinic.example/book",
                handoff_url_enc=vault.encrypt(plain["handoff_url_enc"]),
            )
        )
        s.add(
            AppointmentSettings(
                id=1,
                smtp_password_enc=vault.encrypt(plain["smtp_password_enc"]),
                resend_api_key_enc=vault.encrypt(plain["resend_api_key_enc"]),
            )
        )
        s.add(CalendarConnection(kind="caldav", secret_enc=vault.encrypt(plain["secret_enc"])))
    return plain


def _card(account_id: int) -> PaymentProfileCreate:
    return PaymentProfileCreate(
        alias="Visa",
        cardholder_name="Me",
        card_number=SecretStr("4539578763621486"),
        expiry_month="12",
        expiry_year="2039",
        cvv=SecretStr("7319"),
        store_cvv=True,
        account_id=account_id,
    )


def _stored(s: Session) -> dict[str, list[str]]:
    """Every ciphertext in the database by column, the canary included."""
    stored: dict[str, list[str]] = {}
    for model, column_name in ENCRYPTED_COLUMNS:
        column = getattr(model, column_name)
        stored[column_name] = list(s.scalars(select(column).where(column.is_not(None))))
    stored["canary"] = [s.get(Meta, CANARY_KEY).value]  # type: ignore[union-attr]
    return stored


def test_rotate_all_leaves_nothing_the_old_key_can_read(runtime: Runtime) -> None:
    plain = _store_one_secret_per_column(runtime)
    old_key, new_key = runtime.vault.key, generate_key()
    new_vault = Vault(new_key, [old_key])
    with runtime.sessions() as s:
        before = _stored(s)
        assert all(before.values()), "every encrypted column must be covered by this test"
        assert stale_ciphertexts(s, new_vault) == len(plain)

    with transaction(runtime.sessions) as s:
        assert rotate_all(s, new_vault) == len(plain)

    with runtime.sessions() as s:
        after = _stored(s)
        assert stale_ciphertexts(s, new_vault) == 0
    old, current = Fernet(old_key), Vault(new_key)  # no old keys: the new one alone must do
    for column_name, ciphertexts in after.items():
        assert not set(ciphertexts) & set(before[column_name])
        for ciphertext in ciphertexts:
            with pytest.raises(InvalidToken):
                old.decrypt(ciphertext.encode())
            if column_name in plain:
                assert current.decrypt(ciphertext) == plain[column_name]

    settings = runtime.settings
    open_runtime(settings.model_copy(update={"encryption_key": new_key}), migrate=False).close()
    with pytest.raises(VaultError, match=r"^ENCRYPTION_KEY does not match"):
        open_runtime(settings.model_copy(update={"encryption_key": old_key}), migrate=False)
