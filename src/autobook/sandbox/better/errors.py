"""The site's error answers: Laravel-style `{"message": …}` JSON with the real status codes."""

from __future__ import annotations

from typing import Any

NOT_VIEWABLE = "The date should be within the valid days you are able to view."
FULL = "The session being booked is already full"
BUSY = "Sorry, a lot of people are trying to book at the moment. Please try again."
UNAUTHENTICATED = "Unauthenticated."
BAD_CREDENTIALS = "These credentials do not match our records."
EMPTY_BASKET = "Your basket is empty."
BASKET_CHANGED = "Your basket has changed. Please review your basket and try again."
DECLINED = "Your payment was declined. Please check your card details or try a different card."
CARD_REFUSED = (
    "We were unable to verify your card details. Please check them and try again, "
    "or contact your card issuer."
)


class BetterError(Exception):
    """A refusal the real site would give: HTTP status + message (+ field errors)."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        if self.errors:
            data["errors"] = self.errors
        return data


def invalid(field: str, message: str | None = None) -> BetterError:
    """Laravel's 422 validation failure naming the field."""
    text = message or f"The selected {field} is invalid."
    return BetterError(422, text, {field: [text]})


def required(field: str) -> BetterError:
    return invalid(field, f"The {field} field is required.")
