"""Browser helpers every adapter shares: find-or-explain, human-like typing.

Only adapters' `browser.py` modules use these; the engine never touches a site's page.
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING

from autobook.sites.base import SiteChanged, Transient

if TYPE_CHECKING:
    from playwright.async_api import Frame, FrameLocator, Locator, Page

REQUIRE_TIMEOUT_MS = 10_000


async def require(
    scope: Page | Frame | FrameLocator,
    selector: str,
    *,
    step: str,
    timeout_ms: int = REQUIRE_TIMEOUT_MS,
) -> Locator:
    """The first visible element matching `selector`; else `SiteChanged` naming both."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    locator = scope.locator(selector).first
    try:
        await locator.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise SiteChanged(
            f"step {step}: expected element {selector!r} is missing", step=step, selector=selector
        ) from None
    return locator


async def goto(page: Page, url: str, *, step: str) -> None:
    """Navigate; a timeout or an unreachable site is transient, a 5xx too."""
    from playwright.async_api import Error as PlaywrightError

    try:
        response = await page.goto(url)
    except PlaywrightError as exc:
        raise Transient(
            f"step {step}: could not load the page ({_first_line(exc)})", step=step
        ) from None
    if response is not None and response.status >= 500:
        raise Transient(f"step {step}: the site answered {response.status}", step=step)


async def type_like_human(locator: Locator, text: str, *, mean_delay_ms: int) -> None:
    """Click the field and type one key at a time with a varying pause, as a person does."""
    await locator.click()
    for char in text:
        await locator.press_sequentially(char)
        if mean_delay_ms:
            await asyncio.sleep(random.uniform(0.5, 1.5) * mean_delay_ms / 1000)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
