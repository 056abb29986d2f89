"""Per-clinic hints as data: a TOML record keyed by the start of the booking URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from autobook.sites.base import ConfigError
from autobook.sites.clinic.browser import Hints
from autobook.sites.clinic.profiles import ENV, load, profile_for

FILE = """
["https://app.joinmoxie.com/booking/"]
forward = "^(next|weiter)$"

["https://app.joinmoxie.com/booking/clinique-lumiere"]
first_name = "prénom"
tick = ["j'accepte les conditions"]
graphql = "https://graphql.example.com/v1/graphql"
"""


def test_the_longest_matching_url_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clinics.toml"
    path.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv(ENV, str(path))
    lumiere = profile_for("https://app.joinmoxie.com/booking/clinique-lumiere")
    assert lumiere.hints.first_name == "prénom" and lumiere.hints.tick == (
        "j'accepte les conditions",
    )
    assert lumiere.graphql == "https://graphql.example.com/v1/graphql"
    assert lumiere.hints.email == Hints().email  # what is not given keeps the common words
    other = profile_for("https://app.joinmoxie.com/booking/forever-22")
    assert other.hints.forward == "^(next|weiter)$" and other.graphql is None
    assert profile_for("https://clinic.example/book") == profile_for("")  # defaults


def test_no_file_means_the_common_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert profile_for("https://clinic.example/book").hints == Hints()


@pytest.mark.parametrize(
    ("text", "named"),
    [('["https://x/"]\nfirst = "a"', "unknown keys first"), ("not toml [", "cannot read")],
)
def test_a_bad_file_is_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "clinics.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        load(path)
