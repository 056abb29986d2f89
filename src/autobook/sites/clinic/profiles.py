"""Per-clinic settings as data, not code: a clinic whose page words things its own way (a
label in another language, a consent box to tick, its own GraphQL address) gets a record in a
TOML file named by `AUTOBOOK_CLINIC_PROFILES`, keyed by the start of its booking URL:

    ["https://app.joinmoxie.com/booking/clinique-lumiere"]
    first_name = "prénom"          # regular expressions, matched without case
    forward = "^(suivant|continuer)$"
    tick = ["j'accepte"]
    graphql = "https://graphql.example.com/v1/graphql"

Every key of `browser.Hints` may be given; the longest matching URL wins. Outcome words the
clinic's pages use besides seed 004's (`sites.outcome.Indicators`) are lists:
`success_texts`, `success_paths`, `success_selectors`, `failure_texts`, `failure_paths`,
`failure_selectors`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autobook.sites.base import ConfigError
from autobook.sites.clinic.browser import Hints
from autobook.sites.outcome import SEED_004, Indicators

ENV = "AUTOBOOK_CLINIC_PROFILES"


@dataclass(frozen=True)
class Profile:
    hints: Hints = field(default_factory=Hints)
    graphql: str | None = None
    outcome: Indicators = SEED_004  # what a handed-off page's outcome looks like here


def profile_for(booking_url: str) -> Profile:
    path = os.environ.get(ENV)
    if not path:
        return Profile()
    records = load(Path(path))
    prefixes = sorted((p for p in records if booking_url.startswith(p)), key=len)
    return records[prefixes[-1]] if prefixes else Profile()


def load(path: Path) -> dict[str, Profile]:
    """Every record of the file; ConfigError naming the file and the bad key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{ENV}: cannot read {path}: {exc}") from None
    return {url: _profile(url, values, path) for url, values in raw.items()}


def _profile(url: str, values: Any, path: Path) -> Profile:
    known = {f.name for f in dataclasses.fields(Hints)}
    if not isinstance(values, dict):
        raise ConfigError(f"{ENV}: [{url}] in {path} must be a table")
    kinds = {f.name for f in dataclasses.fields(Indicators)}
    unknown = set(values) - known - kinds - {"graphql"}
    if unknown:
        raise ConfigError(f"{ENV}: [{url}] in {path}: unknown keys {', '.join(sorted(unknown))}")
    hints = {k: tuple(v) if k == "tick" else v for k, v in values.items() if k in known}
    more = {k: v for k, v in values.items() if k in kinds}
    bad = [k for k, v in more.items() if not (isinstance(v, list) and all(
        isinstance(w, str) and w.strip() for w in v))]  # fmt: skip
    if bad:
        raise ConfigError(f"{ENV}: [{url}] in {path}: {bad[0]} must be a list of texts")
    outcome = SEED_004.plus(**{k: tuple(v) for k, v in more.items()})
    return Profile(Hints(**hints), values.get("graphql"), outcome)
