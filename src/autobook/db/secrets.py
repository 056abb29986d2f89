"""Database-wide secret handling: the vault canary and key rotation over every encrypted column."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from autobook.db.models import ENCRYPTED_COLUMNS, Meta
from autobook.db.notify_urls import META_KEY
from autobook.vault import CANARY_KEY, CANARY_PLAINTEXT, Vault, VaultError

# `meta` rows holding vault ciphertext besides the canary: the settings page's notification URLs.
ENCRYPTED_META_KEYS = (META_KEY,)


def check_or_set_canary(session: Session, vault: Vault) -> None:
    """Fail with a clear message when the configured key is not this database's key."""
    row = session.get(Meta, CANARY_KEY)
    if row is None:
        session.add(Meta(key=CANARY_KEY, value=vault.encrypt(CANARY_PLAINTEXT)))
        return
    try:
        ok = vault.decrypt(row.value) == CANARY_PLAINTEXT
    except VaultError:
        ok = False
    if not ok:
        raise VaultError(
            "ENCRYPTION_KEY does not match the key this database's secrets were encrypted with; "
            "set ENCRYPTION_KEY to the right key (or list it in ENCRYPTION_OLD_KEYS)"
        )


def rotate_all(session: Session, vault: Vault) -> int:
    """Re-encrypt every secret (and the canary) under the vault's current key; count them."""
    count = 0
    for model, column_name in ENCRYPTED_COLUMNS:
        column = getattr(model, column_name)
        pk = model.__mapper__.primary_key[0]
        rows = session.execute(select(pk, column).where(column.is_not(None))).all()
        for ident, ciphertext in rows:
            session.execute(
                update(model).where(pk == ident).values({column_name: vault.rotate(ciphertext)})
            )
            count += 1
    for key in ENCRYPTED_META_KEYS:
        row = session.get(Meta, key)
        if row is not None:
            row.value = vault.rotate(row.value)
            count += 1
    canary = session.get(Meta, CANARY_KEY)
    if canary is not None:
        canary.value = vault.rotate(canary.value)
    return count


def stale_ciphertexts(session: Session, vault: Vault) -> int:
    """How many stored secrets are not under the current key (0 after a rotation)."""
    stale = 0
    for model, column_name in ENCRYPTED_COLUMNS:
        column = getattr(model, column_name)
        for (ciphertext,) in session.execute(select(column).where(column.is_not(None))):
            stale += not vault.is_current(ciphertext)
    for key in ENCRYPTED_META_KEYS:
        row = session.get(Meta, key)
        stale += row is not None and not vault.is_current(row.value)
    return stale
