"""Browser helpers every adapter shares: find-or-explain, human-like typing.

Only adapters' `browser.py` modules use these; the engine never touches a site's page.
"""

from __future__ import annotations

import asyncio
import random
import time
import weakref
from typing import TYPE_CHECKING

from autobook.sites.base import SiteChanged, Transient

if TYPE_CHECKING:
    from playwright.async_api import Frame, FrameLocator, Locator, Page, Request

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


class Network:
    """The requests one tab has in flight, to tell when a page has gone quiet after a click.

    Playwright's "networkidle" wants 500 ms without a request; a one-page widget is drawn well
    before that, and a real one may never go idle at all. Watching the requests ourselves lets
    a step move on after a short quiet spell, and still wait for a slow answer."""

    def __init__(self, page: Page) -> None:
        self._open: set[Request] = set()
        self._last = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self._open.add(request)
        self._last = time.monotonic()

    def _ended(self, request: Request) -> None:
        self._open.discard(request)
        self._last = time.monotonic()

    async def quiet(self, *, quiet_ms: int, bound_ms: int) -> None:
        """Return once nothing has been in flight for `quiet_ms` (counted from the call at the
        earliest), or after `bound_ms` whatever the page is doing."""
        start = time.monotonic()
        while (now := time.monotonic()) - start < bound_ms / 1000:
            if not self._open and now - max(self._last, start) >= quiet_ms / 1000:
                return
            await asyncio.sleep(0.02)


_networks: weakref.WeakKeyDictionary[Page, Network] = weakref.WeakKeyDictionary()


def network_of(page: Page) -> Network:
    """The tab's one request tracker, attached on first use: attach it before the first click."""
    if page not in _networks:
        _networks[page] = Network(page)
    return _networks[page]


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
