"""What every admin page shares: rendering with the signed-in user, form errors in the web
error shape, and site facts that tolerate an adapter that does not import yet."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError, field_validator

from autobook.domain.booking import SiteInfo
from autobook.domain.sites import SITE_NAMES, Site
from autobook.domain.text import check_text
from autobook.sites import registry
from autobook.web.errors import error_entry, split_field, validation_entries
from autobook.web.messages import ITEM_FIELDS, sentence
from autobook.web.templating import TEMPLATES

log = logging.getLogger("autobook.web")

ErrorList = list[dict[str, str | None]]


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> Response:
    """A page or partial; `context` should carry `user` so the layout shows the nav."""
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)


def back_to(path: str) -> Response:
    """After a POST: 303 so a reload never repeats the action."""
    return RedirectResponse(path, status_code=303)


def form_errors(exc: ValidationError | ValueError) -> ErrorList:
    """Pydantic or repository errors as `{field, message}` entries, never echoing the input
    (the API's scrubbing is reused by wrapping the errors as a request validation error)."""
    if isinstance(exc, ValidationError):
        entries = validation_entries(RequestValidationError(exc.errors()))
    else:
        entries = [error_entry(None, str(exc))]
    fixed: ErrorList = []
    for entry in entries:
        field, message = entry["field"], entry["message"] or ""
        if not field:  # model-level checks name the field in the message: "field: why"
            field, message = split_field(message)
        fixed.append(error_entry(field, message))
    return fixed


def errors_by_field(errors: ErrorList) -> dict[str, str]:
    """For templates: the first sentence of each field ("Venue: choose one"), shown next to
    that field; a time box's own error is under `times.N`."""
    found: dict[str, str] = {}
    for entry in errors:
        field = entry["field"] or ""
        base = field.split(".")[0]
        key = field if base in ITEM_FIELDS else base
        found.setdefault(key, sentence(field, entry["message"] or ""))
    return found


@cache
def _info(site: Site) -> SiteInfo | None:
    try:
        return registry.site_info(site)
    except Exception as exc:  # an adapter in progress must not take every page down
        log.warning("site %s: adapter unavailable (%s)", site.value, type(exc).__name__)
        return None


def site_info(site: str) -> SiteInfo | None:
    """The adapter's facts, or None for an unknown site or one whose adapter fails to load."""
    try:
        return _info(Site(site))
    except ValueError:
        return None


def site_choices() -> list[tuple[str, str]]:
    return [(site.value, SITE_NAMES[site]) for site in Site]


def now_utc() -> datetime:
    return datetime.now(UTC)


# Ids in paths are 32-bit INTEGER columns: a larger one is a clear 422, not a database error.
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class FormModel(BaseModel):
    """A form as typed (strings, lists of strings). Text is held to `domain.text`'s rule here,
    naming the field, exactly as the API's guard does: control characters are refused
    (textareas keep their line breaks), everything people write is kept."""

    @field_validator("*")
    @classmethod
    def _printable(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str):
                check_text(text)
        return value
