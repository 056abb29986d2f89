"""`autobook account` (site logins) and `autobook payment` (cards).

Input is validated by the same pydantic models as the API; secrets come from hidden prompts or
stdin lines and are encrypted by the repositories. Lists never show a password or a card number
beyond its last 4 digits.
"""

from __future__ import annotations

from typing import Any

import click
from pydantic import SecretStr

from autobook.cli.common import ID, echo_note, opened_runtime, print_table, read_secret
from autobook.db.accounts import (
    create_account,
    create_payment_profile,
    list_accounts,
    list_payment_profiles,
    remove_account,
    remove_payment_profile,
)
from autobook.db.session import transaction
from autobook.domain.accounts import CVV_WARNING, AccountCreate, PaymentProfileCreate
from autobook.domain.sites import Site

SITES = click.Choice([s.value for s in Site])
# Model field → the option a user typed, so an error names what they can fix.
ACCOUNT_FIELDS = {
    "display_name": "--name",
    "login": "--login",
    "phone": "--phone",
    "daily_limit": "--daily-limit",
}
PAYMENT_FIELDS = {
    "alias": "--alias",
    "cardholder_name": "--cardholder",
    "card_number": "card number",
    "expiry_month": "--expiry-month",
    "expiry_year": "--expiry-year",
    "account_id": "--account",
    "address_line_1": "--address-line-1",
    "city": "--city",
    "postcode": "--postcode",
    "cvv": "CVV",
}


def _name_fields(fields: dict[str, str]) -> None:
    click.get_current_context().meta["autobook.fields"] = fields


@click.group()
def account() -> None:
    """Logins for the booking sites (passwords are stored encrypted)."""


@account.command("add")
@click.option("--site", required=True, type=SITES, help="Which booking site.")
@click.option("--name", "display_name", required=True, help="Display name, e.g. John.")
@click.option("--login", required=True, help="Login (usually an e-mail address).")
@click.option(
    "--phone",
    help="Mobile number, e.g. '+44 7700 900123'. The clinic books with it (and any password).",
)
@click.option("--daily-limit", type=int, help="Bookings a day the site allows this account.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from stdin (also used when stdin is not a terminal).",
)
def account_add(
    site: str,
    display_name: str,
    login: str,
    phone: str | None,
    daily_limit: int | None,
    password_stdin: bool,
) -> None:
    """Add a site account; the password is prompted for (or read from stdin)."""
    _name_fields(ACCOUNT_FIELDS)
    password = read_secret("Site password", from_stdin=password_stdin, confirm=True)
    data = AccountCreate(
        site=Site(site),
        display_name=display_name,
        login=login,
        password=SecretStr(password),
        phone=phone,
        daily_limit=daily_limit,
    )
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        account_id = create_account(session, data=data, vault=runtime.vault).id
    click.echo(f"account {account_id} added ({data.site.value}, {data.login})")


@account.command("list")
@click.option("--site", type=SITES, help="Only this site's accounts.")
def account_list(site: str | None) -> None:
    """List site accounts (never their passwords)."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        rows = [
            (a.id, a.site, a.display_name, a.login, a.phone or "-", a.daily_limit or "-",
             a.needs_login)
            for a in list_accounts(session, site=site)
        ]  # fmt: skip
    print_table(["id", "site", "name", "login", "phone", "daily limit", "needs login"], rows)


@account.command("remove")
@click.argument("account_id", metavar="ID", type=ID)
def account_remove(account_id: int) -> None:
    """Remove site account ID and its stored secrets."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        remove_account(session, account_id)
    click.echo(f"account {account_id} removed")


@click.group()
def payment() -> None:
    """Payment profiles (card numbers and opt-in CVVs are stored encrypted)."""


@payment.command("add")
@click.option("--alias", required=True, help="Name to pick this card by, e.g. 'Visa'.")
@click.option("--cardholder", required=True, help="Name on the card.")
@click.option("--expiry-month", required=True, help="MM")
@click.option("--expiry-year", required=True, help="YY or YYYY")
@click.option("--account", "account_id", type=ID, help="Tie the card to site account ID.")
@click.option("--address-line-1", default="", help="Billing address, first line.")
@click.option("--city", default="", help="Billing city.")
@click.option("--postcode", default="", help="Billing postcode.")
@click.option("--store-cvv", is_flag=True, help="Also store the CVV (see the PCI DSS warning).")
@click.option(
    "--card-stdin",
    is_flag=True,
    help="Read the card number (then the CVV) as lines of stdin (also when not a terminal).",
)
def payment_add(store_cvv: bool, card_stdin: bool, **fields: Any) -> None:
    """Add a payment profile; the card number (and CVV) are prompted for, never arguments."""
    _name_fields(PAYMENT_FIELDS)
    number = read_secret("Card number", from_stdin=card_stdin)
    cvv = None
    if store_cvv:
        echo_note(f"Warning: {CVV_WARNING}")
        cvv = SecretStr(read_secret("CVV", from_stdin=card_stdin))
    data = PaymentProfileCreate(
        alias=fields["alias"],
        cardholder_name=fields["cardholder"],
        card_number=SecretStr(number),
        expiry_month=fields["expiry_month"],
        expiry_year=fields["expiry_year"],
        account_id=fields["account_id"],
        address_line_1=fields["address_line_1"],
        city=fields["city"],
        postcode=fields["postcode"],
        cvv=cvv,
        store_cvv=store_cvv,
    )
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        profile = create_payment_profile(session, data=data, vault=runtime.vault)
        profile_id, last4 = profile.id, profile.card_last4
    click.echo(f"payment profile {profile_id} added ({data.alias}, card ending {last4})")


@payment.command("list")
def payment_list() -> None:
    """List payment profiles: alias and the card's last 4 digits only."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        rows = [
            (
                p.id,
                p.alias,
                p.cardholder_name,
                f"**** {p.card_last4}",
                f"{p.expiry_month}/{p.expiry_year}",
                p.account_id or "-",
                "yes" if p.cvv_enc else "no",
            )
            for p in list_payment_profiles(session)
        ]
    print_table(["id", "alias", "cardholder", "card", "expiry", "account", "cvv stored"], rows)


@payment.command("remove")
@click.argument("profile_id", metavar="ID", type=ID)
def payment_remove(profile_id: int) -> None:
    """Remove payment profile ID and its stored card."""
    with opened_runtime() as runtime, transaction(runtime.sessions) as session:
        remove_payment_profile(session, profile_id)
    click.echo(f"payment profile {profile_id} removed")
