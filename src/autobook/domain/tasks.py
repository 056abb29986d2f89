"""How a task pays and how it goes after its slot."""

from __future__ import annotations

from enum import StrEnum


class PaymentMethod(StrEnum):
    CARD = "card"  # a stored payment profile, typed into the site's payment form
    CREDIT = "credit"  # account credit on the site
    BENEFIT = "benefit"  # a membership benefit that makes the booking free
    SAVED_CARD = "saved_card"  # the card the site itself keeps for the account
    HANDOFF = "handoff"  # stop at the payment page and hand it to a person
    NONE = "none"  # dry run: go to the final pay button, never click it


# What a person reads for each method (forms, the task page); the API and CSV use the values.
PAYMENT_NAMES: dict[str, str] = {
    PaymentMethod.CARD: "Card (a payment profile)",
    PaymentMethod.CREDIT: "Account credit",
    PaymentMethod.BENEFIT: "Membership benefit",
    PaymentMethod.SAVED_CARD: "The site's saved card",
    PaymentMethod.HANDOFF: "Hand the payment to a person",
    PaymentMethod.NONE: "None (dry run only)",
}


class Strategy(StrEnum):
    WATCH = "watch"  # poll for free slots and cancellations at an interval
    SNIPE = "snipe"  # prepare before a known release instant, fire at it, then watch
