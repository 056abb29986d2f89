"""The guest's contact form and an appointment type's custom fields, checked as pure rules.

Custom fields are stored on the type as `[{"label", "type", "required", "options"}]` (seed 003)
with type `text`, `textarea` (long text), `select` or `checkbox`. On the form, field i is
named `field_<i>`; errors name the form field and say the label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autobook.domain.text import text_error

FIELD_TYPES = ("text", "textarea", "select", "checkbox")
# Something@something.tld, one line; the mail server is the final judge.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
LIMITS = {"name": 100, "email": 255, "phone": 50, "notes": 2000}
TEXT_LIMIT, LONG_TEXT_LIMIT = 200, 2000
PHONE = re.compile(r"[0-9+()\-. ]*")


@dataclass
class GuestDetails:
    name: str
    email: str
    phone: str = ""
    notes: str = ""
    answers: dict[str, Any] = field(default_factory=dict)  # custom field label → value


class FormErrors(ValueError):
    """Every problem of a form at once, as (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def _text(errors: list[tuple[str, str]], name: str, value: str, *, limit: int, one_line: bool,
          label: str | None = None) -> str:  # fmt: skip
    value = value.strip()
    what = f"{label} " if label else ""
    if len(value) > limit:
        errors.append((name, f"{what}must be at most {limit} characters"))
    elif (why := text_error(value, one_line=one_line)) is not None:
        errors.append((name, f"{what}{why}"))
    return value


def read_guest_form(form: Mapping[str, str], custom_fields: list[dict[str, Any]]) -> GuestDetails:
    """The guest's details from the submitted form, or FormErrors naming every bad field."""
    errors: list[tuple[str, str]] = []
    name = _text(errors, "name", form.get("name", ""), limit=LIMITS["name"], one_line=True)
    email = _text(errors, "email", form.get("email", ""), limit=LIMITS["email"], one_line=True)
    phone = _text(errors, "phone", form.get("phone", ""), limit=LIMITS["phone"], one_line=True)
    notes = _text(errors, "notes", form.get("notes", ""), limit=LIMITS["notes"], one_line=False)
    if not name and not any(f == "name" for f, _ in errors):
        errors.append(("name", "is required"))
    if not email and not any(f == "email" for f, _ in errors):
        errors.append(("email", "is required"))
    elif email and not EMAIL.fullmatch(email):
        errors.append(("email", "is not an email address (like name@example.com)"))
    if phone and not PHONE.fullmatch(phone):
        errors.append(("phone", "may hold only digits, spaces and + ( ) - ."))
    answers = {}
    for index, spec in enumerate(custom_fields):
        value = _answer(errors, f"field_{index}", spec, form.get(f"field_{index}"))
        if value not in (None, ""):
            answers[spec["label"]] = value
    if errors:
        raise FormErrors(errors)
    return GuestDetails(name=name, email=email, phone=phone, notes=notes, answers=answers)


def _answer(errors: list[tuple[str, str]], name: str, spec: dict[str, Any], raw: str | None) -> Any:
    label, kind, required = spec["label"], spec.get("type", "text"), spec.get("required", False)
    if kind == "checkbox":
        checked = raw not in (None, "", "off")
        if required and not checked:
            errors.append((name, f"{label} must be ticked"))
        return checked
    limit = LONG_TEXT_LIMIT if kind == "textarea" else TEXT_LIMIT
    value = _text(errors, name, raw or "", limit=limit, one_line=kind != "textarea", label=label)
    if required and not value:
        errors.append((name, f"{label} is required"))
    elif kind == "select" and value and value not in spec.get("options", []):
        errors.append((name, f"{label}: choose one of the options offered"))
    return value


def check_custom_fields(specs: Any) -> list[dict[str, Any]]:
    """An admin's custom field definitions, normalised, or ValueError naming the entry."""
    if not isinstance(specs, list):
        raise ValueError("custom_fields: must be a list")
    fixed = []
    for index, spec in enumerate(specs):
        where = f"custom_fields.{index}"
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: must be an object with a label and a type")
        label = str(spec.get("label", "")).strip()
        if not label or len(label) > 100 or text_error(label, one_line=True):
            raise ValueError(f"{where}.label: one line of 1 to 100 characters")
        kind = spec.get("type", "text")
        if kind not in FIELD_TYPES:
            raise ValueError(f"{where}.type: must be one of {', '.join(FIELD_TYPES)}")
        options = [str(o).strip() for o in spec.get("options", []) or [] if str(o).strip()]
        if kind == "select" and not options:
            raise ValueError(f"{where}.options: a select needs at least one option")
        entry = {"label": label, "type": kind, "required": bool(spec.get("required", False))}
        if kind == "select":
            entry["options"] = options
        fixed.append(entry)
    return fixed
