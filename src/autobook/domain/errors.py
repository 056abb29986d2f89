"""The generic errors every layer may raise and the web and command line turn into messages:
a named thing that does not exist, and a change that clashes with what is there."""

from __future__ import annotations


class NotFound(LookupError):
    """An id that names nothing."""


class Conflict(ValueError):
    """A record that would break a uniqueness rule."""
