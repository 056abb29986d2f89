"""Browser hygiene: one Chromium per worker, one context per account, masked screenshots, and
Playwright traces kept only for failures and only encrypted.

A context per account means cookies and storage never leak from one account to another. The
browser is launched on first use, so tasks that only need HTTP never start one.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobook.chromium import launch_options
from autobook.datadir import private_dir, write_private

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Locator, Page, Playwright

    from autobook.vault import Vault

log = logging.getLogger(__name__)

# Fields masked in every screenshot, in every frame: cards, CVVs, passwords. Sites add more
# through `SiteInfo.sensitive_selectors`.
SENSITIVE_SELECTORS = (
    "input[type=password]",
    "input[autocomplete^='cc-']",
    "input[name*='card' i]",
    "input[id*='card' i]",
    "input[name*='cvv' i]",
    "input[name*='cvc' i]",
    "input[name*='security' i]",
    "input[id*='security' i]",
    "input[name*='expiry' i]",
    "input[id*='expiry' i]",
    "input[name*='password' i]",
)
MASK_COLOR = "#FF00FF"
VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 15_000


class BrowserPool:
    """The worker's one browser, launched lazily, with one context per account key."""

    def __init__(self, *, headless: bool = True) -> None:
        self.headless = headless
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._contexts: dict[str, BrowserContext] = {}
        self._lock = asyncio.Lock()

    async def browser(self) -> Browser:
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                from playwright.async_api import async_playwright

                if self._pw is None:
                    self._pw = await async_playwright().start()
                self._browser = await self._pw.chromium.launch(**launch_options(self.headless))
            return self._browser

    async def context(self, key: str) -> BrowserContext:
        ctx = self._contexts.get(key)
        if ctx is None:
            browser = await self.browser()
            ctx = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
            self._contexts[key] = ctx
        return ctx

    async def drop(self, key: str) -> None:
        """Close an account's context (its cookies go with it)."""
        ctx = self._contexts.pop(key, None)
        if ctx is not None:
            await ctx.close()

    def account(self, key: str, *, trace: bool = False) -> AccountBrowser:
        return AccountBrowser(self, key, trace=trace)

    async def __aenter__(self) -> BrowserPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        for key in list(self._contexts):
            await self.drop(key)
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None


class AccountBrowser:
    """One account's view of the pool: its context and its working tab, opened on first use."""

    def __init__(self, pool: BrowserPool, key: str, *, trace: bool = False) -> None:
        self.pool = pool
        self.key = key
        self.trace = trace  # record a trace from the first page on; kept only on failure
        self._page: Page | None = None
        self._tracing = False

    @property
    def opened(self) -> bool:
        return self._page is not None

    async def context(self) -> BrowserContext:
        return await self.pool.context(self.key)

    async def page(self) -> Page:
        """The account's working tab; a new one if it was closed."""
        if self._page is None or self._page.is_closed():
            ctx = await self.context()
            if self.trace and not self._tracing:
                # DOM snapshots replay each step; a screencast filmstrip would add a JPEG per
                # frame for Chromium to encode and show typed card numbers unmasked.
                await ctx.tracing.start(screenshots=False, snapshots=True)
                self._tracing = True
            self._page = await ctx.new_page()
        return self._page

    def current(self) -> Page | None:
        """The working tab if the browser was used, for failure screenshots and dry runs."""
        if self._page is None or self._page.is_closed():
            return None
        return self._page

    async def stop_trace(self, keep_at: Path | None, vault: Vault | None) -> Path | None:
        """Stop tracing; on failure keep the trace, encrypted (it holds typed values)."""
        if not self._tracing:
            return None
        self._tracing = False
        ctx = await self.context()
        if keep_at is None or vault is None:
            await ctx.tracing.stop()
            return None
        plain = keep_at.with_suffix(".tmp")
        private_dir(keep_at.parent)  # the driver writes the plain trace there, briefly
        await ctx.tracing.stop(path=str(plain))
        try:
            write_private(keep_at, vault.encrypt_bytes(plain.read_bytes()))
        finally:
            plain.unlink(missing_ok=True)
        return keep_at


def sensitive_locators(page: Page, extra: tuple[str, ...] = ()) -> list[Locator]:
    """A locator for every sensitive field in every frame of the page."""
    selector = ", ".join((*SENSITIVE_SELECTORS, *extra))
    return [frame.locator(selector) for frame in page.frames]


async def masked_screenshot(page: Page, path: Path, extra: tuple[str, ...] = ()) -> Path:
    """A full-page screenshot with every card, CVV and password field covered by a box."""
    image = await page.screenshot(
        full_page=True,
        mask=sensitive_locators(page, extra),
        mask_color=MASK_COLOR,
        animations="disabled",
    )
    return write_private(path, image)


async def save_html(page: Page, path: Path) -> Path:
    """The page's HTML for diagnosis. Field values typed by the engine are DOM properties, not
    attributes, so they are not in it; inputs the site pre-filled are blanked anyway."""
    html: Any = await page.evaluate(
        """() => {
            const doc = document.documentElement.cloneNode(true);
            for (const el of doc.querySelectorAll('input')) el.removeAttribute('value');
            return '<!doctype html>\\n' + doc.outerHTML;
        }"""
    )
    return write_private(path, str(html).encode("utf-8"))
