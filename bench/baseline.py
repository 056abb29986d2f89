"""The baseline for bench/race: a booking bot as seeds 000 and 001 describe one.

It logs in ahead of time in the web site, then, when its OWN clock reaches the release time,
loads the availability page, clicks the slot, picks a free court, books, and pays by card in the
payment iframe (billing fields, card typed key by key, terms, "Pay now"). It knows nothing of the
site's clock and prepares nothing but the login, which is what the seeds do ("Logs in 10 minutes
before midnight", "Submits booking exactly at 00:00:00").

Two kindnesses so that it has a figure at all: it hides `navigator.webdriver` and types the card
with human pauses (the payment iframe refuses anything else), and when it arrives early (site
clock behind) it reloads the page until the slot appears instead of giving up.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from autobook.sites.pages import type_like_human

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

HIDE_WEBDRIVER = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"
RELOAD_FOR_S = 15.0  # an early bot reloads the listing this long before giving up
STEP_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class CardDetails:
    holder: str
    number: str
    expiry_mmyy: str
    cvv: str
    address: str
    city: str
    postcode: str


@dataclass(frozen=True)
class Target:
    venue: str
    activity: str
    day: date
    start: str  # "HH:MM"


class BaselineBot:
    """One account's bot in its own browser context."""

    def __init__(
        self, browser: Browser, web_url: str, login: str, password: str, card: CardDetails,
        typing_delay_ms: int,
    ) -> None:  # fmt: skip
        self.browser, self.web_url = browser, web_url.rstrip("/")
        self.login, self.password, self.card = login, password, card
        self.typing_delay_ms = typing_delay_ms
        self._context: BrowserContext | None = None

    def listing(self, target: Target) -> str:
        return (
            f"{self.web_url}/location/{target.venue}/{target.activity}/"
            f"{target.day.isoformat()}/by-time"
        )

    async def prepare(self, target: Target) -> Page:
        """Ahead of the release: open the listing, accept cookies, log in (seed 001: 23:50)."""
        self._context = await self.browser.new_context()
        self._context.set_default_timeout(STEP_TIMEOUT_MS)
        await self._context.add_init_script(HIDE_WEBDRIVER)
        page = await self._context.new_page()
        await page.goto(self.listing(target))
        await page.click("#onetrust-accept-btn-handler")
        await page.click('[data-testid="login"]')
        await page.fill("#username", self.login)
        await page.fill("#password", self.password)
        await page.click('[data-testid="log-in"]')
        await page.wait_for_selector('[data-testid="logout"]')
        return page

    async def book(self, page: Page, target: Target, fire_at_local: float) -> str:
        """At `fire_at_local` (epoch seconds by this machine's clock) click through and pay.
        Returns "booked" or what stopped it."""
        await asyncio.sleep(max(0.0, fire_at_local - time.time()))
        if not await self._open_slot(page, target):
            return "slot never appeared"
        await page.click("#location-select")
        free = page.locator('#location-list [role="option"][data-full="false"]')
        if not await free.count():
            return "no free court"
        await free.first.click()
        await page.click("#book-now")
        await page.wait_for_url("**/basket/checkout")
        if await page.locator("#checkout-error").count():
            return "basket refused"
        await self._pay_by_card(page)
        await page.wait_for_url("**/booking-confirmed/**")
        return "booked"

    async def _open_slot(self, page: Page, target: Target) -> bool:
        """Load the listing until the slot's link is there (reloading while not released)."""
        link = page.locator(f'a[href*="/slot/{target.start}-"]')
        give_up = time.monotonic() + RELOAD_FOR_S
        while time.monotonic() < give_up:
            await page.goto(self.listing(target))
            if await link.count():
                await link.first.click()
                await page.wait_for_selector("#selection-modal")
                return True
        return False

    async def _pay_by_card(self, page: Page) -> None:
        card = self.card
        first, _, last = card.holder.rpartition(" ")
        billing = {
            "billingFirstName": first, "billingLastName": last,
            "billingAddressLineOne": card.address, "billingCity": card.city,
            "billingPostcode": card.postcode,
        }  # fmt: skip
        for name, value in billing.items():
            await page.fill(f'input[name="{name}"]', value)
        frame = page.frame_locator("iframe#payment-iframe")
        fields = {
            "cardholder-name": card.holder, "card-number": card.number,
            "expiry-date": card.expiry_mmyy, "security-code": card.cvv,
        }  # fmt: skip
        for name, value in fields.items():
            box = frame.locator(f'input[name="{name}"]')
            await type_like_human(box, value, mean_delay_ms=self.typing_delay_ms)
        await page.check("#terms")
        await page.click("#pay-now")

    async def close(self) -> None:
        if self._context is not None:
            await self._context.close()
            self._context = None
