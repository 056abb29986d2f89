"""Query-string filters of the list pages, read leniently: a blank means "any", and a bad
value becomes an error entry naming the filter (the page shows it by the field, with a 422)
instead of a 500 or a silently ignored filter."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TypeVar

from autobook.domain.taskdates import check_in_range
from autobook.domain.text import text_error
from autobook.web.errors import error_entry
from autobook.web.ui.common import ErrorList

E = TypeVar("E", bound=StrEnum)
MAX_ID = 2**31 - 1


class Filters:
    """Collects parsed values and the errors of the ones that did not parse."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = {k: v.strip() for k, v in params.items()}
        self.errors: ErrorList = []

    def raw(self, name: str) -> str:
        return self.params.get(name, "")

    def choice(self, name: str, enum: type[E]) -> E | None:
        value = self.raw(name)
        if not value:
            return None
        try:
            return enum(value)
        except ValueError:
            self._bad(name, "must be one of " + ", ".join(e.value for e in enum))
            return None

    def day(self, name: str) -> date | None:
        value = self.raw(name)
        if not value:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self._bad(name, "must be a date like 2026-03-15")
            return None
        try:
            return check_in_range(day)
        except ValueError as exc:
            self._bad(name, str(exc))
            return None

    def ident(self, name: str) -> int | None:
        value = self.raw(name)
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID):
            self._bad(name, "must be a positive whole number")
            return None
        return int(value)

    def text(self, name: str, max_length: int) -> str | None:
        value = self.raw(name)
        if len(value) > max_length or text_error(value, one_line=True):
            self._bad(name, f"must be at most {max_length} printable characters")
            return None
        return value or None

    def _bad(self, name: str, message: str) -> None:
        self.errors.append(error_entry(name, message))
