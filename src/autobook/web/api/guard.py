"""Control characters are refused anywhere in an API request, naming the field.

PostgreSQL cannot store NUL in text (the insert would be a 500), and no field of this API has
a use for control characters; line breaks and tabs stay allowed. Checking every query
parameter and every string in a JSON or form body once, here, covers every router, including
filters that never reach a column (a NUL in `?location=` fails the query itself).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

ALLOWED = frozenset("\r\n\t")
MESSAGE = "must not contain control characters"
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED for ch in text)


def _offenders(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if _has_control(value):
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _offenders(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _offenders(item, (*loc, index))


async def _body_offenders(request: Request) -> list[tuple[str | int, ...]]:
    """FastAPI has already read and cached the body: reading it here costs no extra I/O."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORMS):
        form = await request.form()
        return [("body", key) for key, value in form.multi_items()
                if isinstance(value, str) and _has_control(value)]  # fmt: skip
    if "json" not in content_type:
        return []
    try:
        body = json.loads(await request.body())
    except ValueError:  # not JSON: the route's own validation says so
        return []
    return list(_offenders(body, ("body",)))


async def printable_input(request: Request) -> None:
    locs = [("query", key) for key, value in request.query_params.multi_items()
            if _has_control(value)]  # fmt: skip
    locs += await _body_offenders(request)
    if locs:
        raise RequestValidationError([{"loc": loc, "msg": MESSAGE, "type": "value_error"}
                                      for loc in locs])  # fmt: skip
