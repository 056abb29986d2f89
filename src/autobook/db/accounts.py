"""Site accounts and payment profiles: create, list, update, remove. Secrets are encrypted here,
on the way in, and never decrypted on the way out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autobook.db.models import PaymentProfile, SiteAccount
from autobook.domain.accounts import AccountCreate, AccountUpdate, PaymentProfileCreate
from autobook.domain.errors import Conflict, NotFound
from autobook.vault import Vault


def create_account(session: Session, *, data: AccountCreate, vault: Vault) -> SiteAccount:
    exists = session.scalar(
        select(SiteAccount.id).where(
            SiteAccount.site == data.site.value, SiteAccount.login == data.login
        )
    )
    if exists:
        raise Conflict(f"login: an account for {data.login!r} on {data.site.value} exists")
    account = SiteAccount(
        site=data.site.value,
        display_name=data.display_name,
        login=data.login,
        password_enc=vault.encrypt(data.password.get_secret_value()),
        phone=data.phone,
        daily_limit=data.daily_limit,
    )
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:  # lost a race with a concurrent insert
        raise Conflict(f"login: an account for {data.login!r} on {data.site.value} exists") from exc
    return account


def get_account(session: Session, account_id: int) -> SiteAccount:
    account = session.get(SiteAccount, account_id)
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


def list_accounts(session: Session, *, site: str | None = None) -> list[SiteAccount]:
    query = select(SiteAccount).order_by(SiteAccount.id)
    if site:
        query = query.where(SiteAccount.site == site)
    return list(session.scalars(query))


def update_account(
    session: Session, *, account_id: int, data: AccountUpdate, vault: Vault
) -> SiteAccount:
    account = get_account(session, account_id)
    if data.display_name is not None:
        account.display_name = data.display_name
    if data.password is not None:
        account.password_enc = vault.encrypt(data.password.get_secret_value())
        account.session_state_enc = None  # a new password invalidates the saved session
        account.needs_login = False
    if "phone" in data.model_fields_set:  # null or "" clears it
        account.phone = data.phone
    if "daily_limit" in data.model_fields_set:
        account.daily_limit = data.daily_limit
    session.flush()
    return account


def remove_account(session: Session, account_id: int) -> None:
    session.delete(get_account(session, account_id))
    session.flush()


def create_payment_profile(
    session: Session, *, data: PaymentProfileCreate, vault: Vault
) -> PaymentProfile:
    if data.account_id is not None:
        get_account(session, data.account_id)
    number = data.card_number.get_secret_value()
    profile = PaymentProfile(
        account_id=data.account_id,
        alias=data.alias,
        cardholder_name=data.cardholder_name,
        card_number_enc=vault.encrypt(number),
        card_last4=number[-4:],
        expiry_month=data.expiry_month,
        expiry_year=data.expiry_year,
        cvv_enc=vault.encrypt(data.cvv.get_secret_value()) if data.cvv else None,
        address_line_1=data.address_line_1,
        city=data.city,
        postcode=data.postcode,
    )
    session.add(profile)
    session.flush()
    return profile


def get_payment_profile(session: Session, profile_id: int) -> PaymentProfile:
    profile = session.get(PaymentProfile, profile_id)
    if profile is None:
        raise NotFound(f"payment profile {profile_id} not found")
    return profile


def list_payment_profiles(session: Session) -> list[PaymentProfile]:
    return list(session.scalars(select(PaymentProfile).order_by(PaymentProfile.id)))


def remove_payment_profile(session: Session, profile_id: int) -> None:
    session.delete(get_payment_profile(session, profile_id))
    session.flush()
