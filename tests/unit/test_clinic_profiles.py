"""Per-clinic hints as data: a TOML record keyed by the start of the booking URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from autobook.sites.base import ConfigError
from autobook.sites.clinic.browser import Hints
from autobook.sites.clinic.profiles import ENV, load, profile_for
from autobook.sites.outcome import Outcome, classify

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


def test_a_profile_adds_its_own_outcome_words(tmp_path: Path) -> None:
    """A French clinic's confirmation and refusal are read as success and payment failure,
    and seed 004's English words still count."""
    path = tmp_path / "clinics.toml"
    path.write_text('["https://clinique.example/"]\n'
                    'success_texts = ["Rendez-vous confirmé"]\n'
                    'failure_texts = ["Carte refusée"]\n'
                    'success_selectors = [".numero-reservation"]\n', encoding="utf-8")  # fmt: skip
    ind = load(path)["https://clinique.example/"].outcome
    ok = classify("https://clinique.example/r", "Votre rendez-vous confirmé : n° AB-1234",
                  indicators=ind)  # fmt: skip
    assert ok.outcome is Outcome.SUCCESS
    assert classify("https://clinique.example/p", "Paiement: CARTE REFUSÉE",
                    indicators=ind).outcome is Outcome.DECLINED  # fmt: skip
    assert classify("https://x/p", "Carte refusée").outcome is Outcome.UNKNOWN  # default
    assert classify("https://x/p", "Booking Confirmed", indicators=ind).outcome is Outcome.SUCCESS
    assert ".numero-reservation" in ind.success_selectors


def test_outcome_words_must_be_lists_of_text(tmp_path: Path) -> None:
    path = tmp_path / "clinics.toml"
    path.write_text('["https://c.example/"]\nfailure_texts = "Carte refusée"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="failure_texts must be a list of texts"):
        load(path)
