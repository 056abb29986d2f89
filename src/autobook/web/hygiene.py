"""Request hygiene at one place, before any route: what no handler should ever have to parse.

- A NUL in the path names nothing: 404 (the file and id lookups behind it would fail with 500).
- JSON bodies nested deeper than `MAX_JSON_DEPTH` are refused with a 422 before anything parses
  them (Python's json recurses, so 100,000 `[` would be a RecursionError).
- Text must be valid Unicode: a lone surrogate (`"\\ud800"` in JSON, or its UTF-8 bytes) or
  bytes that are not UTF-8, in a JSON body, a form body or the query string, is a 422 naming
  the field. Such text cannot be encoded for the vault or stored by the database.
- Bodies over the app's limit stay a 413 (`BodyLimit` counts them; this buffers them).

Answers use the app's error shape (`errors.error_response`): JSON under /api, a page elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autobook.web.errors import error_entry, error_response, split_field

MAX_JSON_DEPTH = 32  # the deepest body the API takes is 3 levels; 32 leaves room, not a stack
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_FORM = "application/x-www-form-urlencoded"
NOT_UNICODE = "is not valid Unicode text (a lone surrogate or bytes that are not UTF-8)"


class Refused(Exception):
    def __init__(self, status_code: int, field: str | None, message: str) -> None:
        super().__init__(message)
        self.status_code, self.field, self.message = status_code, field, message


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, without parsing (brackets inside strings
    don't count); linear, and no recursion however deep the body goes."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Dotted paths of every key or string that is not valid Unicode (iterative: depth is
    bounded already, but a wide body should not cost recursion either)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _is_unicode(item):
                yield ".".join(where) or "body"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = key if _is_unicode(key) else key.encode("utf-8", "replace").decode()
                if name != key:  # named with "?" for the bad part: the answer must encode
                    yield ".".join((*where, name))
                stack.append((child, (*where, name)))
        elif isinstance(item, list):
            stack.extend((child, (*where, str(i))) for i, child in enumerate(item))


def check_json(body: bytes) -> None:
    if json_depth(body) > MAX_JSON_DEPTH:
        raise Refused(422, "body", f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(422, "body", NOT_UNICODE) from None
    try:
        parsed = json.loads(text)
    except ValueError:
        return  # not JSON: the route's own validation says so, as it always did
    for field in _bad_strings(parsed):
        raise Refused(422, field, NOT_UNICODE)


def check_urlencoded(raw: bytes, *, source: str) -> None:
    """Form bodies and query strings: each name and value must decode as UTF-8 strictly
    (Starlette would turn bad bytes into U+FFFD or latin-1 and carry on)."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        name_bytes = unquote_to_bytes(name.replace(b"+", b" "))
        field = name_bytes.decode("utf-8", "replace") or source
        for part in (name_bytes, unquote_to_bytes(value.replace(b"+", b" "))):
            try:
                part.decode("utf-8")
            except UnicodeDecodeError:
                raise Refused(422, field, NOT_UNICODE) from None


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def _is_json(content_type: str) -> bool:
    """As FastAPI decides: it parses a body without a Content-Type as JSON too."""
    return content_type in ("", "application/json") or content_type.endswith("+json")


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole body, and the messages to replay to the app."""
    chunks, messages = [], []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


class RequestHygiene:
    """Refuses malformed requests before routing (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            receive = await self._check(scope, receive)
        except Refused as refused:
            entries = [error_entry(refused.field, refused.message)]
            response = error_response(Request(scope), refused.status_code, entries)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope, receive: Receive) -> Receive:
        if "\x00" in scope["path"]:
            raise Refused(404, None, "no such page: the path holds a NUL character")
        check_urlencoded(scope.get("query_string", b""), source="query")
        content_type = _content_type(scope)
        if not (_is_json(content_type) or content_type == _FORM):
            return receive
        try:
            body, messages = await _read_body(receive)
        except HTTPException as exc:  # BodyLimit counted past its limit while we read
            raise Refused(exc.status_code, *split_field(str(exc.detail))) from None
        if _is_json(content_type):
            check_json(body)
        else:
            check_urlencoded(body, source="body")
        return _replay(messages, receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
