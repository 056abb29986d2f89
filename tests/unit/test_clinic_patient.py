"""The clinic's patient and card, from what the engine hands the adapter: each bad value is a
ConfigError naming the account or payment field, and never repeating the value."""

from __future__ import annotations

import pytest

from autobook.domain.booking import Card, Credentials, Payment
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import ConfigError
from autobook.sites.clinic.adapter import card_entry, patient_from


def patient(login: str, name: str, phone: str) -> Credentials:
    """An account as the engine hands it over; the clinic never reads the password."""
    return Credentials(login, "any-password-at-all", name, phone)


def test_patient_from_the_account() -> None:
    found = patient_from(patient("mary@example.com", " Mary  Ann Smith ", " 07700 900 123 "))
    assert (found.first_name, found.last_name) == ("Mary Ann", "Smith")
    assert (found.phone, found.email) == ("07700900123", "mary@example.com")


def test_the_password_is_not_the_phone() -> None:
    """The old hack read the mobile number from the password: a number there is not enough."""
    with pytest.raises(ConfigError, match=r"^account phone"):
        patient_from(Credentials("jane@example.com", "+447700900123", "Jane Doe"))


@pytest.mark.parametrize(
    ("login", "name", "phone", "field"),
    [
        ("", "", "", "account_ids"),
        ("jane@example.com", "Jane", "07700900123", "account display_name"),
        ("jane", "Jane Doe", "07700900123", "account login"),
        ("jane@example.com", "Jane Doe", "", "account phone"),
        ("jane@example.com", "Jane Doe", "call me", "account phone"),
        ("jane@example.com", "Jane Doe", "+44 12", "account phone"),
        ("jane@example.com", "Jane Doe", "0770-0900-123", "account phone"),
    ],
)
def test_bad_patient_details_name_the_field(login: str, name: str, phone: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        patient_from(patient(login, name, phone))
    assert caught.value.message.startswith(field)
    assert not phone or phone not in caught.value.message
    assert "any-password-at-all" not in caught.value.message


def test_card_entry_takes_the_stored_or_given_cvv() -> None:
    card = Card("4111111111111111", "07", "29")
    entry = card_entry(Payment(PaymentMethod.CARD, card, cvv="321"))
    assert (entry.number, entry.expiry, entry.cvv) == ("4111111111111111", "07/29", "321")
    assert "4111111111111111" not in repr(entry) and "321" not in repr(entry)


@pytest.mark.parametrize(
    ("payment", "field"),
    [
        (Payment(PaymentMethod.CARD), "payment_profile_id"),
        (Payment(PaymentMethod.CARD, Card("4111111111111111", "07", "29")), "payment profile cvv"),
    ],
)
def test_a_card_the_form_cannot_take_names_the_field(payment: Payment, field: str) -> None:
    with pytest.raises(ConfigError, match=f"^{field}"):
        card_entry(payment)
