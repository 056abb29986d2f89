"""Which Chromium a launch gets: the override, else the headless shell for headless pages, else
the full system browser, else Playwright's own build (no executable_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autobook import chromium


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A fake /usr/bin: a full browser and a headless shell, and no override."""
    full, shell = tmp_path / "chromium", tmp_path / "chromium-headless-shell"
    for path in (full, shell):
        path.write_text("#!/bin/sh\n")
    monkeypatch.setattr(chromium, "SYSTEM_CANDIDATES", (str(full),))
    monkeypatch.setattr(chromium, "HEADLESS_SHELL_CANDIDATES", (str(shell),))
    monkeypatch.delenv("AUTOBOOK_CHROMIUM", raising=False)
    monkeypatch.setattr(chromium.shutil, "which", lambda name: None)
    return {"full": full, "shell": shell}


def test_headless_launches_prefer_the_headless_shell(installed: dict[str, Path]) -> None:
    assert chromium.launch_options(headless=True)["executable_path"] == str(installed["shell"])
    assert chromium.launch_options(headless=False)["executable_path"] == str(installed["full"])


def test_without_the_shell_headless_launches_use_the_full_browser(
    installed: dict[str, Path],
) -> None:
    installed["shell"].unlink()
    assert chromium.launch_options(headless=True)["executable_path"] == str(installed["full"])


def test_the_override_wins_and_a_missing_one_is_none(
    installed: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOBOOK_CHROMIUM", str(installed["full"]))
    assert chromium.system_chromium(headless=True) == str(installed["full"])
    monkeypatch.setenv("AUTOBOOK_CHROMIUM", str(tmp_path / "nowhere"))
    assert chromium.system_chromium() is None


def test_no_system_browser_leaves_the_choice_to_playwright(installed: dict[str, Path]) -> None:
    for path in installed.values():
        path.unlink()
    options = chromium.launch_options()
    assert "executable_path" not in options and options["headless"] is True
