"""Validated input for site accounts and payment profiles, shared by the API, UI and CLI.

Each validator names the field and what is wrong; no message ever repeats a secret.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from autobook.domain.sites import Site
from autobook.domain.text import check_text

# Every text field is one line under the one text rule (`domain.text`), whoever sends it.
OneLine = AfterValidator(lambda text: check_text(text, one_line=True))
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]
Login = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), OneLine
]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), OneLine]
City = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), OneLine]

# Only spaces may group the digits: what a booking form's phone box reliably takes.
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
PHONE_RULE = "7 to 15 digits, spaces allowed, optionally a leading +, e.g. +44 7700 900123"

CVV_WARNING = (
    "Storing a CVV is opt-in: PCI DSS forbids keeping it after authorisation. Prefer account "
    "credit, a membership benefit, the site's saved card, or handing the payment to a person."
)


def compact_phone(value: str) -> str:
    """The number without its spaces; ValueError (never repeating the value) if it is not one."""
    compact = value.strip().replace(" ", "")
    if not re.fullmatch(r"\+?[0-9]{7,15}", compact):
        raise ValueError(f"phone must be {PHONE_RULE}")
    return compact


def _phone_or_none(value: str | None) -> str | None:
    """A blank phone is no phone; a given one is checked and kept as typed, single-spaced."""
    if value is None or not value:
        return None
    compact_phone(value)
    return re.sub(" +", " ", value)


PHONE_DOC = f"Mobile number, for sites that ask for one (the clinic): {PHONE_RULE}."


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: Site
    display_name: Name
    login: Login
    password: SecretStr = Field(min_length=1, max_length=1024)
    phone: PhoneText | None = Field(None, description=PHONE_DOC)
    daily_limit: int | None = Field(None, ge=1, le=100)

    _phone = field_validator("phone")(_phone_or_none)


class AccountUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: Name | None = None
    password: SecretStr | None = Field(None, min_length=1, max_length=1024)
    phone: PhoneText | None = Field(None, description=f'{PHONE_DOC} null or "" clears it.')
    daily_limit: int | None = Field(None, ge=1, le=100)

    _phone = field_validator("phone")(_phone_or_none)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class PaymentProfileCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alias: Name
    cardholder_name: Name
    card_number: SecretStr
    expiry_month: str
    expiry_year: str
    cvv: SecretStr | None = None
    store_cvv: bool = Field(False, description=CVV_WARNING)
    account_id: int | None = Field(None, ge=1, le=2**31 - 1)  # a 32-bit id column
    address_line_1: Line = ""
    city: City = ""
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""

    @field_validator("card_number")
    @classmethod
    def _card(cls, value: SecretStr) -> SecretStr:
        digits = re.sub(r"[ -]", "", value.get_secret_value())
        if not re.fullmatch(r"[0-9]{12,19}", digits):
            raise ValueError("card number must be 12 to 19 digits")
        if not luhn_ok(digits):
            raise ValueError("card number fails the Luhn check (mistyped?)")
        return SecretStr(digits)

    @field_validator("expiry_month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{1,2}", value.strip()) or not 1 <= int(value) <= 12:
            raise ValueError("expiry month must be 01 to 12")
        return f"{int(value):02d}"

    @field_validator("expiry_year")
    @classmethod
    def _year(cls, value: str) -> str:
        v = value.strip()
        if not re.fullmatch(r"[0-9]{2}|[0-9]{4}", v):
            raise ValueError("expiry year must be YY or YYYY")
        this_year = datetime.now(UTC).year
        year = int(v) if len(v) == 4 else this_year // 100 * 100 + int(v)
        if not this_year <= year <= this_year + 20:
            raise ValueError("expiry year must be this year or within the next 20 years")
        return f"{year % 100:02d}"

    @field_validator("cvv")
    @classmethod
    def _cvv(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"[0-9]{3,4}", value.get_secret_value()):
            raise ValueError("CVV must be 3 or 4 digits")
        return value

    @model_validator(mode="after")
    def _cvv_opt_in(self) -> PaymentProfileCreate:
        if self.cvv is not None and not self.store_cvv:
            raise ValueError(f"cvv given without store_cvv=true. {CVV_WARNING}")
        return self
