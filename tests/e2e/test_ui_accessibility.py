"""An accessibility check with a real checker: axe-core (vendored under vendor/axe-core,
MPL-2.0 test tooling) runs in Chromium on every admin page, at a desktop width and a phone
width, and no serious or critical violation is allowed (labels, contrast, names, landmarks,
ARIA). A form showing its errors is checked too: that is when labels and links matter most."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from ui_support import first_run, served, tooling

from engine_support import SQLITE_ONLY

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]
__all__ = ["served", "tooling"]  # fixtures

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = ("/", "/tasks/new", "/tasks/{task}", "/bookings", "/import", "/logs", "/settings",
         "/settings/accounts", "/settings/payments", "/settings/notifications",
         "/settings/tokens", "/settings/sessions", "/appointments", "/appointments/types",
         "/appointments/availability", "/appointments/settings", "/book")  # fmt: skip
BLOCKING = {"serious", "critical"}


def violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in found
        if v.get("impact") in BLOCKING
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_admin_page_passes_axe(
    tooling: BrowserContext, served: tuple[str, int], width: str
) -> None:
    url, task = served
    page = tooling.new_page()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(url + "/setup")
    found = {"/setup": violations(page)}
    first_run(page, url)
    for path in PAGES:
        page.goto(url + path.format(task=task))
        found[path] = violations(page)
    page.goto(url + "/tasks/new")
    page.get_by_role("button", name="Create task").click()  # every error shown at once
    page.wait_for_selector("#error-summary")
    found["/tasks/new with errors"] = violations(page)
    if width == "phone":
        page.get_by_text("Menu").click()  # the folded menu, opened
        found["the phone menu"] = violations(page)
    report = [f"{where}: {line}" for where, lines in found.items() for line in lines]
    assert not report, "\n".join(report)
