"""Encryption of secrets at rest (Fernet, MultiFernet for rotation) and the key file.

Secrets are stored as ciphertext and decrypted only where they are used (the worker, right before
typing them into a site). A canary row in `meta` tells at start-up whether the configured key is
the one this database was written with, so a wrong key fails at once with a clear message rather
than later in the middle of a booking.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from autobook.config import Settings
from autobook.datadir import write_private

CANARY_KEY = "vault_canary"
CANARY_PLAINTEXT = "autobook-vault-canary"


class VaultError(RuntimeError):
    """The key is missing, malformed or not the one the data was encrypted with."""


class Vault:
    def __init__(self, key: str, old_keys: list[str] | None = None) -> None:
        self.key = key
        self.old_keys = old_keys or []
        self._fernet = MultiFernet(
            [_fernet(k, "ENCRYPTION_KEY") for k in [key]]
            + [_fernet(k, "ENCRYPTION_OLD_KEYS") for k in self.old_keys]
        )

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        return self.decrypt_bytes(ciphertext.encode()).decode()

    def encrypt_bytes(self, plaintext: bytes) -> bytes:
        """For files that hold secrets, such as browser traces of failed attempts."""
        return self._fernet.encrypt(plaintext)

    def decrypt_bytes(self, ciphertext: bytes) -> bytes:
        try:
            return self._fernet.decrypt(ciphertext)
        except InvalidToken as exc:
            raise VaultError(
                "a stored secret cannot be decrypted with ENCRYPTION_KEY (or ENCRYPTION_OLD_KEYS)"
            ) from exc

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the current key, whichever known key encrypted it."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise VaultError(
                "a stored secret cannot be decrypted with ENCRYPTION_KEY (or ENCRYPTION_OLD_KEYS)"
            ) from exc

    def is_current(self, ciphertext: str) -> bool:
        """True when `ciphertext` was made with the current key."""
        try:
            _fernet(self.key, "ENCRYPTION_KEY").decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True


def _fernet(key: str, setting: str) -> Fernet:
    try:
        return Fernet(key.strip().encode())
    except (ValueError, TypeError) as exc:
        raise VaultError(
            f"{setting} is not a valid Fernet key (32 url-safe base64-encoded bytes); "
            "generate one with `autobook keys generate`"
        ) from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()


def write_key_file(path: Path, key: str) -> None:
    """Write a key readable by the owner only (0600, in a 0700 folder), atomically."""
    write_private(path, (key + "\n").encode())


def load_key(settings: Settings, *, create: bool = True) -> str:
    """ENCRYPTION_KEY if set, else the key file, generated on first run when `create`."""
    if settings.encryption_key:
        return settings.encryption_key.strip()
    path = settings.key_file
    if path.exists():
        return path.read_text().strip()
    if not create:
        raise VaultError(f"ENCRYPTION_KEY is not set and {path} does not exist")
    key = generate_key()
    write_key_file(path, key)
    return key


def vault_from_settings(settings: Settings, *, create: bool = True) -> Vault:
    old = [k.strip() for k in settings.encryption_old_keys.split(",") if k.strip()]
    return Vault(load_key(settings, create=create), old)
