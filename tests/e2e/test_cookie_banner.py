"""The screenshot step closes a cookie banner first, as a person would (by the banner's role
and words, "Reject" preferred to "Accept"), so the picture shows the confirmation; a page
without a banner is left alone, even if it has an "OK" button."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, async_playwright

from autobook.chromium import launch_options
from autobook.engine.consent import dismiss_cookie_banner

pytestmark = pytest.mark.e2e

CONFIRMATION = """<!doctype html><main><h1 id="done">Booking confirmed</h1>
<p>Reference LUM-42</p><button type="button" onclick="window.pressed = (window.pressed||0)+1">
OK</button></main>"""
# A consent overlay covering the whole page, like the clinic's.
OVERLAY = (
    CONFIRMATION
    + """
<div id="veil" role="dialog" aria-modal="true" aria-label="Privacy"
     style="position:fixed;inset:0;background:rgba(80,80,80,.9)">
  <p>We use cookies to improve your experience.</p>
  <button type="button" onclick="window.choice='accept';veil.remove()">Accept all</button>
  <button type="button" onclick="window.choice='reject';veil.remove()">Reject all</button>
</div>"""
)
ONLY_ACCEPT = (
    CONFIRMATION
    + """
<div id="veil" role="region" aria-label="Cookie banner" style="position:fixed;inset:0">
  <p>Cookies help us run this site.</p>
  <button type="button" onclick="window.choice='accept';veil.hidden=true">
    Accept All Cookies</button>
</div>"""
)
NO_ROLE = (
    CONFIRMATION
    + """
<div id="veil" style="position:fixed;inset:0;background:#888">
  <button type="button" onclick="window.choice='accept';veil.remove()">Accept cookies</button>
</div>"""
)


async def _on(html: str) -> tuple[str | None, object, str, int]:
    """(what was pressed, the page's record of it, what is at the centre, OK presses)."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        page: Page = await browser.new_page(viewport={"width": 800, "height": 600})
        await page.set_content(html)
        pressed = await dismiss_cookie_banner(page)
        choice = await page.evaluate("window.choice || null")
        top = await page.evaluate(
            "() => document.elementFromPoint(400, 40).closest('main, div')?.tagName || ''"
        )
        ok = await page.evaluate("window.pressed || 0")
        await browser.close()
        return pressed, choice, top, ok


@pytest.mark.parametrize(
    ("html", "pressed", "choice"),
    [
        (OVERLAY, "Reject all", "reject"),
        (ONLY_ACCEPT, "Accept All Cookies", "accept"),
        (NO_ROLE, "Accept cookies", "accept"),
    ],
    ids=["dialog, reject preferred", "region, accept only", "no role, button says cookies"],
)
def test_the_banner_is_closed_and_the_confirmation_shows(
    html: str, pressed: str, choice: str
) -> None:
    found = asyncio.run(_on(html))
    assert found == (pressed, choice, "MAIN", 0)


def test_a_page_without_a_banner_is_left_alone() -> None:
    assert asyncio.run(_on(CONFIRMATION)) == (None, None, "MAIN", 0)
