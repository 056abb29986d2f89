"""The clinic's patient and card, from what the engine hands the adapter: each bad value is a
ConfigError naming the account or payment field, and never repeating the value."""

from __future__ import annotations

import pytest

from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import Card, ConfigError, Credentials, Payment
from autobook.sites.clinic.adapter import card_entry, patient_from


def test_patient_from_the_account() -> None:
    patient = patient_from(Credentials("mary@example.com", "07700 900-123", " Mary  Ann Smith "))
    assert (patient.first_name, patient.last_name) == ("Mary Ann", "Smith")
    assert (patient.phone, patient.email) == ("07700900123", "mary@example.com")


@pytest.mark.parametrize(
    ("login", "password", "name", "field"),
    [
        ("", "", "", "account_ids"),
        ("jane@example.com", "07700900123", "Jane", "account display_name"),
        ("jane", "07700900123", "Jane Doe", "account login"),
        ("jane@example.com", "s3cret-pass", "Jane Doe", "account password"),
        ("jane@example.com", "+44 12", "Jane Doe", "account password"),
    ],
)
def test_bad_patient_details_name_the_field(
    login: str, password: str, name: str, field: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        patient_from(Credentials(login, password, name))
    assert caught.value.message.startswith(field)
    assert not password or password not in caught.value.message


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
