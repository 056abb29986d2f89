"""What the API routers share: turning the repositories' input errors into 422s that name the
field, in the one error shape of `web/errors.py`."""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError


def invalid(exc: ValueError) -> HTTPException:
    """A repository's `ValueError("field: what is wrong")` as a 422 naming the field."""
    return HTTPException(status_code=422, detail=str(exc))


def invalid_body(exc: ValidationError) -> RequestValidationError:
    """A model validated inside a handler (e.g. a task after a merge) reported like the body's
    own validation: each error located at its field under `body`."""
    errors = exc.errors(include_url=False)
    for err in errors:
        err["loc"] = ("body", *err["loc"])
    return RequestValidationError(errors)
