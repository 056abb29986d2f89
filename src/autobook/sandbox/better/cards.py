"""The payment origin's card handling (an Opayo-like API): card identifiers for new cards typed
into the iframe, security codes linked to saved cards, and the iframe's automation traps.

Card numbers and CVCs never leave this module: only the last four digits are kept or logged.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autobook.sandbox.better.errors import CARD_REFUSED
from autobook.sandbox.better.models import CardIdentifier, CheckoutSession

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim


@dataclass
class CardError(Exception):
    status: int
    code: int
    description: str
    prop: str = ""

    def body(self) -> dict[str, Any]:
        error = {
            "code": self.code,
            "description": self.description,
            "clientMessage": self.description,
        }
        if self.prop:
            error["property"] = self.prop
        return {"errors": [error]}


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for n, ch in enumerate(reversed(number)):
        d = int(ch)
        if n % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_type(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:1] == "2":
        return "MasterCard"
    if number[:2] in {"34", "37"}:
        return "AMEX"
    return "Unknown"


def checkout_for_key(sim: BetterSim, authorization: str | None) -> CheckoutSession:
    """The checkout opened by `GET /checkout/prepare`, from `Authorization: Bearer <key>`."""
    key = (authorization or "").removeprefix("Bearer ").strip()
    found = sim.state.checkouts.get(key)
    if found is None:
        raise CardError(401, 1002, "Authentication values are missing or invalid")
    return found


def automation_reason(sim: BetterSim, telemetry: Any) -> str | None:
    """Why the iframe thinks a robot typed the card, or None."""
    bots = sim.state.bots
    data = telemetry if isinstance(telemetry, dict) else {}
    if bots.webdriver and data.get("webdriver") is not False:
        return "webdriver"
    if not bots.instant_typing:
        return None
    keys = data.get("card_number_keys")
    gaps = data.get("card_number_gaps_ms")
    digits = data.get("card_number_length")
    if not isinstance(keys, int) or not isinstance(gaps, list) or not isinstance(digits, int):
        return "instant_typing"
    numeric = [g for g in gaps if isinstance(g, int | float)]
    if keys < digits or not numeric or statistics.median(numeric) < bots.min_key_gap_ms:
        return "instant_typing"
    return None


def _expiry_ok(sim: BetterSim, expiry: str) -> bool:
    if len(expiry) != 4 or not expiry.isdigit() or not 1 <= int(expiry[:2]) <= 12:
        return False
    today = sim.state.today()
    return (2000 + int(expiry[2:]), int(expiry[:2])) >= (today.year, today.month)


def _field(details: dict[str, Any], name: str) -> str:
    value = details.get(name)
    return value.replace(" ", "").replace("/", "") if isinstance(value, str) else ""


def new_identifier(
    sim: BetterSim, checkout: CheckoutSession, body: dict[str, Any]
) -> CardIdentifier:
    """`POST /api/v1/card-identifiers` from the iframe: tokenise a new card."""
    details = body.get("cardDetails") if isinstance(body.get("cardDetails"), dict) else {}
    number, expiry = _field(details, "cardNumber"), _field(details, "expiryDate")
    code, name = _field(details, "securityCode"), details.get("cardholderName")
    actor = sim.state.users[checkout.user_id].login
    reason = automation_reason(sim, body.get("telemetry"))
    if reason is not None:
        _refuse(sim, actor, number, reason)
        raise CardError(422, 4021, CARD_REFUSED)
    if not isinstance(name, str) or not name.strip():
        raise CardError(422, 1003, "The cardholder name is required", "cardDetails.cardholderName")
    if not luhn_ok(number):
        raise CardError(422, 1004, "The card number is invalid", "cardDetails.cardNumber")
    if not _expiry_ok(sim, expiry):
        raise CardError(422, 1005, "The expiry date is invalid", "cardDetails.expiryDate")
    if not code.isdigit() or len(code) not in (3, 4):
        raise CardError(422, 1006, "The security code is invalid", "cardDetails.securityCode")
    card = CardIdentifier(
        str(uuid.uuid4()).upper(), checkout.key, number[-4:], expiry, card_type(number)
    )
    sim.state.cards[card.id] = card
    return card


def _refuse(sim: BetterSim, actor: str, number: str, reason: str) -> None:
    sim.events.record(
        "payment", actor=actor, status=422,
        detail={"outcome": "refused", "reason": reason, "last4": number[-4:]},
    )  # fmt: skip


def link_security_code(
    sim: BetterSim, checkout: CheckoutSession, identifier: str, body: dict[str, Any]
) -> None:
    """`POST /api/v1/card-identifiers/{id}/security-code`: the saved card's CVC, checked here."""
    user = sim.state.users[checkout.user_id]
    saved = user.saved_card
    code = body.get("securityCode")
    if saved is None or saved.identifier != identifier:
        raise CardError(404, 1010, "The card identifier could not be found")
    if not isinstance(code, str) or not code.isdigit() or len(code) not in (3, 4):
        raise CardError(422, 1006, "The security code is invalid", "securityCode")
    if code != saved.cvv:
        sim.events.record(
            "payment", actor=user.login, status=422,
            detail={"outcome": "refused", "reason": "security code mismatch", "last4": saved.last4},
        )  # fmt: skip
        raise CardError(422, 1006, "The security code is invalid", "securityCode")
    checkout.cvc_linked.add(identifier)
