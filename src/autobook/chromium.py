"""Which Chromium to drive: the system one when present, else Playwright's bundled build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# Chromium's headless shell (Debian's `chromium-headless-shell`), the build Playwright itself
# runs for headless launches: the same engine without the full browser's UI, GPU and helper
# processes, at about half the CPU per page. Headless launches prefer it when installed.
HEADLESS_SHELL_CANDIDATES = ("/usr/bin/chromium-headless-shell",)

# Flags that keep a headless Chromium quiet on a machine with no internet: without the
# background-networking ones it keeps dialling Google's hosts and fills logs with refusals.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def system_chromium(headless: bool = True) -> str | None:
    """Path of a system Chromium: `AUTOBOOK_CHROMIUM` if set, else the first one installed
    (for a headless launch, the headless shell first)."""
    override = os.environ.get("AUTOBOOK_CHROMIUM")
    if override:
        return override if Path(override).exists() else None
    shells = HEADLESS_SHELL_CANDIDATES if headless else ()
    for candidate in (*shells, *SYSTEM_CANDIDATES):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def launch_options(headless: bool = True) -> dict[str, object]:
    """Keyword arguments for `playwright.chromium.launch`.

    With no system Chromium, `executable_path` is left out so Playwright uses its own build
    (present where `playwright install chromium` could run).
    """
    options: dict[str, object] = {"headless": headless, "args": list(LAUNCH_ARGS)}
    path = system_chromium(headless)
    if path:
        options["executable_path"] = path
    return options


def browser_available() -> bool:
    """True when some Chromium can be launched: the system one or Playwright's bundled one."""
    if system_chromium():
        return True
    try:
        from playwright._impl._driver import compute_driver_executable  # noqa: F401
    except ImportError:
        return False
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache/ms-playwright"))
    return any(cache.glob("chromium*"))
