"""The one rule for free text people type (names, venues, notes, filters), wherever it comes
in: the API (its guard checks every string of a request), the forms, CSV cells, the CLI.

Refused: control characters (Unicode category Cc: NUL, escape, bell…), which PostgreSQL
cannot store (NUL) or which only garble logs and pages; line breaks and tabs are allowed where
the text may have several lines. Lone surrogates (category Cs) are refused too: they are not
text at all, and encoding one to store or encrypt it fails. Everything else people really
write is kept: non-breaking spaces, right-to-left marks, emoji joined by a zero-width joiner,
any script. (Python's `str.isprintable` refuses those, which once made the forms refuse names
the API took.)
"""

from __future__ import annotations

import unicodedata

LINE_BREAKS = frozenset("\r\n\t")  # allowed in multi-line text
CONTROL = "must not contain control characters"
ONE_LINE = "must be one line, without tabs or control characters"
SURROGATE = "must be valid Unicode text (it holds a lone surrogate)"


def text_error(text: str, *, one_line: bool = False) -> str | None:
    """What is wrong with `text` under the rule, or None when it is fine."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            return SURROGATE
        if category == "Cc" and (one_line or ch not in LINE_BREAKS):
            return ONE_LINE if one_line else CONTROL
    return None


def check_text(text: str, *, one_line: bool = False, max_length: int | None = None) -> str:
    """`text` when it follows the rule (and is at most `max_length` characters), else a
    ValueError that says what is wrong without repeating the text."""
    if max_length is not None and len(text) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if (why := text_error(text, one_line=one_line)) is not None:
        raise ValueError(why)
    return text
