"""The one place that turns validation errors into plain words.

Pydantic's own wording ("String should have at least 1 character") is rewritten by error
type into a short clause ("enter a value"); our validators' messages are already plain and
kept. The API's `detail` carries the clause with the field's key; the pages show a sentence
naming the field by its label ("Venue: choose one"), in the error summary at the top (each
linking to its field) and next to the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# What a person reads for each form field, on every page (one name per key).
LABELS: dict[str, str | None] = {
    "site": "Site",
    "venue": "Venue",
    "sub_location": "Sub-location",
    "activity": "Activity",
    "duration_minutes": "Duration",
    "target_date": "Date",
    "times": None,  # its messages name the times themselves: "Add at least one time"
    "courts": "Courts",
    "account_ids": "Accounts",
    "payment_method": "Payment method",
    "payment_profile_id": "Payment profile",
    "strategy": "Strategy",
    "poll_interval_s": "Check every",
    "username": "Username",
    "password": "Password",
    "password_confirm": "Passwords",
    "display_name": "Name",
    "login": "Login",
    "phone": "Phone",
    "daily_limit": "Daily limit",
    "alias": "Alias",
    "cardholder_name": "Cardholder",
    "card_number": "Card number",
    "expiry_month": "Expiry month",
    "expiry_year": "Expiry year",
    "cvv": "CVV",
    "store_cvv": "CVV",
    "account_id": "For account",
    "address_line_1": "Billing address",
    "city": "City",
    "postcode": "Postcode",
    "notify_urls": "Notification URLs",
    "name": "Token name",
    "file": "CSV file",
    "date_from": "From",
    "date_to": "To",
    "status": "Status",
    "csrf_token": "Form token",
}

# What to say when a field is left empty, where "enter a value" would be vague.
EMPTY: dict[str, str] = {
    "site": "choose one",
    "venue": "choose one",
    "payment_method": "choose one",
    "strategy": "choose one",
    "times": "add at least one time",
    "account_ids": "tick at least one account",
    "password": "enter a password",
    "username": "enter a username",
    "target_date": "enter a date",
    "display_name": "enter a name",
    "login": "enter the login",
    "alias": "enter a name for the card",
    "cardholder_name": "enter the name on the card",
    "card_number": "enter the card number",
    "name": "enter a name",
    "expiry_month": "enter the month (MM)",
    "expiry_year": "enter the year (YYYY)",
}

# Lists whose items each have their own box on a form: an error marks that box only.
ITEM_FIELDS = frozenset({"times"})
ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th")


def _ctx(err: Mapping[str, Any], key: str) -> Any:
    return (err.get("ctx") or {}).get(key)


def _empty(field: str) -> str:
    return EMPTY.get(field, "enter a value")


def _too_short(field: str, err: Mapping[str, Any]) -> str:
    least = _ctx(err, "min_length")
    if least in (None, 1):
        return _empty(field)
    if err.get("type") == "string_too_short":
        return f"use at least {least} characters"
    return f"give at least {least}"


def _too_long(err: Mapping[str, Any]) -> str:
    most = _ctx(err, "max_length")
    if err.get("type") == "string_too_long":
        return f"use at most {most} characters"
    return f"give at most {most}"


def _choose(err: Mapping[str, Any]) -> str:
    expected = _ctx(err, "expected")
    return f"choose one of {expected}" if expected else "choose one of the options"


_Rewrite = Callable[[str, Mapping[str, Any]], str]
# pydantic's error types, as a plain clause; anything else keeps its own message.
REWRITES: dict[str, _Rewrite] = {
    "missing": lambda field, err: _empty(field),
    "string_too_short": _too_short,
    "too_short": _too_short,
    "string_too_long": lambda field, err: _too_long(err),
    "too_long": lambda field, err: _too_long(err),
    "enum": lambda field, err: _choose(err),
    "literal_error": lambda field, err: _choose(err),
    "int_parsing": lambda field, err: "enter a whole number",
    "int_type": lambda field, err: "enter a whole number",
    "int_from_float": lambda field, err: "enter a whole number",
    "greater_than_equal": lambda field, err: f"enter {_ctx(err, 'ge')} or more",
    "greater_than": lambda field, err: f"enter more than {_ctx(err, 'gt')}",
    "less_than_equal": lambda field, err: f"enter {_ctx(err, 'le')} or less",
    "less_than": lambda field, err: f"enter less than {_ctx(err, 'lt')}",
    "bool_parsing": lambda field, err: "choose yes or no",
    "bool_type": lambda field, err: "choose yes or no",
    "string_type": lambda field, err: "enter text",
    "list_type": lambda field, err: "give a list",
    "date_parsing": lambda field, err: "enter a date as YYYY-MM-DD",
    "date_from_datetime_parsing": lambda field, err: "enter a date as YYYY-MM-DD",
    "date_type": lambda field, err: "enter a date as YYYY-MM-DD",
    "extra_forbidden": lambda field, err: "not a field this accepts",
}


def plain(field: str, err: Mapping[str, Any], message: str) -> str:
    """pydantic's error `err` on `field` as a plain clause; `message` (already cleaned of the
    input and of pydantic's prefixes) when it is one of our own validators' messages."""
    base = field.split(".")[0]
    if err.get("input") == "" and field == base:  # left blank: say what to fill in
        return _empty(base)
    rewrite = REWRITES.get(str(err.get("type")))
    if rewrite is None:
        return message
    if err.get("type") == "missing" and field != base:  # an item of a list
        return "enter a value"
    return rewrite(base, err)


def label(field: str | None) -> str | None:
    """The field's label; a time box is named by its place ("2nd choice")."""
    if not field:
        return None
    base, _, rest = field.partition(".")
    if base == "times" and rest.isdigit() and int(rest) < len(ORDINALS):
        return f"{ORDINALS[int(rest)]} choice"
    return LABELS.get(base, base.replace("_", " ").capitalize())


def sentence(field: str | None, message: str) -> str:
    """What a person reads: "Venue: choose one"; a message with no label stands alone,
    capitalised ("Add at least one time")."""
    name = label(field)
    if name:
        if message.lower().startswith(f"{name.lower()} "):  # "Card number: card number must…"
            message = message[len(name) + 1 :]
        return f"{name}: {message}"
    return message[:1].upper() + message[1:]


def anchor(field: str | None) -> str | None:
    """The id of the control an error's link jumps to: the field's own, the first time box."""
    if not field:
        return None
    base, _, rest = field.partition(".")
    if base == "times":
        return f"time{int(rest) + 1}" if rest.isdigit() else "time1"
    return base
