"""Text that breaks `domain.text`'s rule (control characters, lone surrogates) is refused
anywhere in an API request, naming the field.

PostgreSQL cannot store NUL in text (the insert would be a 500), and no field of this API has
a use for control characters; line breaks and tabs stay allowed. Checking every query
parameter and every string in a JSON or form body once, here, covers every router, including
filters that never reach a column (a NUL in `?location=` fails the query itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from autobook.domain.text import text_error

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


Offence = tuple[tuple[str | int, ...], str]  # where, and what is wrong there


def _offenders(value: Any, loc: tuple[str | int, ...]) -> Iterator[Offence]:
    if isinstance(value, str):
        if (why := text_error(value)) is not None:
            yield loc, why
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _offenders(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _offenders(item, (*loc, index))


async def _body_offenders(request: Request) -> list[Offence]:
    """FastAPI has already read and cached the body: reading it here costs no extra I/O."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORMS):
        form = await request.form()
        return [found for key, value in form.multi_items() if isinstance(value, str)
                for found in _offenders(value, ("body", key))]  # fmt: skip
    if "json" not in content_type:
        return []
    try:
        body = json.loads(await request.body())
    except ValueError:  # not JSON: the route's own validation says so
        return []
    return list(_offenders(body, ("body",)))


async def printable_input(request: Request) -> None:
    found = [offence for key, value in request.query_params.multi_items()
             for offence in _offenders(value, ("query", key))]  # fmt: skip
    found += await _body_offenders(request)
    if found:
        raise RequestValidationError([{"loc": loc, "msg": why, "type": "value_error"}
                                      for loc, why in found])  # fmt: skip
