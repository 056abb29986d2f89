"""The simulated card processor behind step 5: field checks as a card form does them, then
the outcome of the charge by test card number (the seed's table; any other number succeeds).

Only the last four digits ever leave this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

SUCCESS_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
EXPIRED_CARD = "4000000000000069"

SUCCESS, DECLINED, EXPIRED = "success", "declined", "expired_card"
EXPIRY_RE = re.compile(r"^(\d{1,2})\s*/\s*(\d{2}|\d{4})$")


@dataclass(frozen=True)
class Card:
    number: str  # digits only; never logged, never rendered
    exp_month: int
    exp_year: int

    @property
    def last4(self) -> str:
        return self.number[-4:]


def parse_card(form: dict[str, str], today: date) -> tuple[Card | None, dict[str, str]]:
    """The card of the payment form, or the message for each bad field."""
    number = re.sub(r"[\s-]", "", form.get("card_number") or "")
    expiry = (form.get("expiry") or "").strip()
    cvv = (form.get("cvv") or "").strip()
    errors: dict[str, str] = {}
    if not number:
        errors["card_number"] = "Your card number is incomplete."
    elif not number.isdigit() or not 12 <= len(number) <= 19:
        errors["card_number"] = "Your card number is invalid."
    month = year = 0
    match = EXPIRY_RE.match(expiry)
    if not match:
        errors["expiry"] = "Your card's expiration date is incomplete."
    else:
        month, year = int(match[1]), int(match[2])
        year += 2000 if year < 100 else 0
        if not 1 <= month <= 12:
            errors["expiry"] = "Your card's expiration date is invalid."
        elif (year, month) < (today.year, today.month):
            errors["expiry"] = "Your card's expiration year is in the past."
    if not re.fullmatch(r"\d{3,4}", cvv):
        errors["cvv"] = "Your card's security code is incomplete."
    if errors:
        return None, errors
    return Card(number, month, year), {}


def charge(card: Card, *, decline_all: bool) -> str:
    """Outcome of charging `card`: success, declined or expired_card."""
    if decline_all or card.number == DECLINED_CARD:
        return DECLINED
    if card.number == EXPIRED_CARD:
        return EXPIRED
    return SUCCESS
