"""What a booking session looks like to its caller, in seed 004's JSON shape (camelCase):
the status answer of the API and the body of every callback."""

from __future__ import annotations

from typing import Any

from autobook.db.models import HandoffSession


def confirmation_details(row: HandoffSession) -> dict[str, Any] | None:
    found = row.confirmation or {}
    if "confirmationNumber" not in found:  # only what was chosen so far: not booked yet
        return None
    keys = ("confirmationNumber", "appointmentTime", "provider", "service")
    return {key: found.get(key) for key in keys}


def status_body(row: HandoffSession) -> dict[str, Any]:
    """`GET /status`: state, outcome, confirmation details and error (seed 004)."""
    return {
        "success": True,
        "sessionId": row.id,
        "state": row.state,
        "outcome": row.outcome,
        "confirmationDetails": confirmation_details(row),
        "error": row.error_message,
    }
