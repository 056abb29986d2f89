"""Estelle Manor's members' site in Chromium: the one module of this adapter that drives a page.

The real site sent anyone who opened a booking page by URL back to its home page, so booking
pages are only ever reached by clicking from home, with a typed date and short human pauses.
Only home and the login page are opened by URL. Methods return what the page shows, as text;
the adapter turns it into the engine's values.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import urlparse

from autobook.sites.base import AuthFailed, SiteChanged, SlotTaken, Transient
from autobook.sites.estelle.parse import message_error
from autobook.sites.web import goto, require, type_like_human

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

    from autobook.sites.base import AdapterContext

P = ParamSpec("P")
R = TypeVar("R")

LOGIN_PATH = "/page/login"
EMAIL, PASSWORD, SUBMIT = "input[name=email]", "input[name=password]", "input[type=submit]"
LOGIN_ERROR = "#login-error"
COOKIE_ACCEPT = "#cookie-accept"
BOOK_NOW = "#book-now-button"
PADEL = "a:has-text('Padel Courts')"
MONTH = "a.btn-month:text-is('{}')"
ONE_HOUR = "a.btn-service"  # "BOOK - 1Hr": any date, when the month has no button
DATE_INPUT = "#from_date"
APPLY = "#btnApply"
LOADING = "#availability .loading"
LOAD_ERROR = "#availability .alert-danger"
DAY_MESSAGE = "#availability-message"
CARD = "div.cardBtn-bd"
CARD_PARTS = {
    "start": "span.slot_start",
    "court": "span.slot-subject-spa",
    "booked": "span.totalBooked",
    "total": "span.totalSlots",
}
CONFIRM = "#btnConfirm"
BOOKING_ERROR = "#booking-error"
REFERENCE = "#booking-reference"
SUMMARY_ROWS = "table.summary tr"
MY_BOOKINGS_LINK = "a:has-text('My Bookings')"
MY_BOOKINGS = "#my-bookings"
BOOKING_ROW = "#my-bookings tr.booking-row"
NO_BOOKINGS_TEXT = "no bookings"

MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST")
MONTHS += ("SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")
GLANCE = 5  # a pause before a click lasts about this many keystrokes: a person reads first
CONTENT_TIMEOUT_MS = 3_000  # the cards are in the page once loading ended; don't wait long

# One evaluate per list instead of one round trip per cell; a missing part comes back null.
READ_CARDS_JS = """(els, parts) => els.map(e => Object.fromEntries(Object.entries(parts).map(
    ([k, s]) => { const n = e.querySelector(s); return [k, n ? n.textContent.trim() : null]; })))"""
READ_ROWS_JS = """rows => rows.map(r => [...r.children].map(c => c.textContent.trim()))"""


@dataclass(frozen=True)
class SlotCard:
    """One `div.cardBtn-bd`, as text."""

    start: str  # "DD/MM/YYYY HH:MM:SS"
    court: str
    booked: int
    total: int

    @property
    def full(self) -> bool:
        return self.booked >= self.total


@dataclass(frozen=True)
class DayView:
    """What "Show Availability" gave for a date: the cards, or the site's note instead."""

    cards: list[SlotCard]
    message: str = ""


@dataclass(frozen=True)
class Receipt:
    """The confirmation page: the reference and its summary table (label → text)."""

    reference: str
    summary: dict[str, str]
    url: str


def guarded(step: str) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Any other browser failure in `step` (a timeout, a page torn down mid-read by a redirect)
    is transient: the engine retries it instead of reporting an internal error."""

    def wrap(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(method)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            from playwright.async_api import Error as PlaywrightError

            try:
                return await method(*args, **kwargs)
            except PlaywrightError as exc:
                raise Transient(f"step {step}: {_first_line(exc)}", step=step) from None

        return run

    return wrap


class EstellePage:
    """One tab of the members' site."""

    def __init__(self, page: Page, base_url: str, typing_delay_ms: int) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.delay_ms = typing_delay_ms

    @classmethod
    async def working(cls, ctx: AdapterContext) -> EstellePage:
        """The account's working tab (the one the engine screenshots)."""
        return cls(await ctx.browser.page(), ctx.url("estelle"), ctx.typing_delay_ms)

    @classmethod
    async def spare(cls, ctx: AdapterContext) -> EstellePage:
        """A new tab on the same login; `close` it after use."""
        context = await ctx.browser.context()
        return cls(await context.new_page(), ctx.url("estelle"), ctx.typing_delay_ms)

    @property
    def url(self) -> str:
        return self.page.url

    async def close(self) -> None:
        await self.page.close()

    # --- session -----------------------------------------------------------------------------
    @guarded("login")
    async def open_home(self) -> bool:
        """Open the home page; True when the session is a member's (not sent to log in)."""
        await goto(self.page, f"{self.base_url}/", step="login")
        member = self._path() != LOGIN_PATH
        if member:
            await self._accept_cookies()
        return member

    @guarded("login")
    async def log_in(self, login: str, password: str) -> None:
        step = "login"
        if self._path() != LOGIN_PATH:
            await goto(self.page, f"{self.base_url}{LOGIN_PATH}", step=step)
        for selector, value in ((EMAIL, login), (PASSWORD, password)):
            field = await require(self.page, selector, step=step)
            await field.fill("")  # the site keeps the email after a failed try
            await type_like_human(field, value, mean_delay_ms=self.delay_ms)
        await self._follow(await require(self.page, SUBMIT, step=step), step, bounced_ok=True)
        error = self.page.locator(LOGIN_ERROR)
        if await error.count():
            text = (await error.first.inner_text()).strip()
            raise AuthFailed(f"step {step}: the site says: {text}", step=step)
        if self._path() == LOGIN_PATH:
            raise Transient(f"step {step}: the site did not keep the new session", step=step)
        await self._accept_cookies()

    @guarded("login")
    async def saved_state(self) -> str:
        """This site's cookies from the account's context, as JSON for the vault."""
        state: Any = await self.page.context.storage_state()
        host = urlparse(self.base_url).hostname or ""
        cookies = [c for c in state.get("cookies", []) if cookie_sent_to(c.get("domain", ""), host)]
        return json.dumps({"cookies": cookies})

    async def forget(self) -> None:
        """Drop the context's cookies (the context is this account's alone)."""
        await self.page.context.clear_cookies()

    async def restore(self, saved: str) -> bool:
        """Put saved cookies back into the context; False when the saved text is unusable."""
        from playwright.async_api import Error as PlaywrightError

        try:
            cookies = json.loads(saved)["cookies"]
            await self.page.context.add_cookies(cookies)
        except (ValueError, KeyError, TypeError, PlaywrightError):
            return False
        return True

    # --- booking funnel ------------------------------------------------------------------------
    @guarded("availability")
    async def walk_to_dates(self, day: date) -> None:
        """From home: Book Now → Padel Courts → the month's button (or "BOOK - 1Hr")."""
        step = "availability"
        await self._click(BOOK_NOW, step)
        await self._click(PADEL, step)
        month = MONTH.format(MONTHS[day.month - 1])
        await self._click(month if await self.page.locator(month).count() else ONE_HOUR, step)

    @guarded("availability")
    async def on_dates(self) -> bool:
        """True when this tab shows the date field and Show Availability (a repeat check is
        then one more click, as a person polling for a free court does)."""
        if self._path() == LOGIN_PATH:
            return False
        return (
            await self.page.locator(DATE_INPUT).is_visible()
            and await self.page.locator(APPLY).is_visible()
        )

    @guarded("availability")
    async def show_day(self, day: date) -> DayView:
        """Type the date (unless it is already there) and press Show Availability."""
        step = "availability"
        field = await require(self.page, DATE_INPUT, step=step)
        wanted = day.strftime("%d/%m/%Y")
        if await field.input_value() != wanted:
            await field.click()
            await field.press("Control+a")
            await field.press("Backspace")
            await type_like_human(field, wanted, mean_delay_ms=self.delay_ms)
            await field.press("Escape")  # close the date picker, as a person does
        await self._glance()
        await (await require(self.page, APPLY, step=step)).click()
        return await self._day_view(step)

    @guarded("hold")
    async def pick(self, start: str, court: str) -> dict[str, str]:
        """Click the card of `court` at `start`, landing on a confirm page ready to confirm;
        its summary table (label → text)."""
        step = "hold"
        cards = await self.cards(step)
        index = next((i for i, c in enumerate(cards) if (c.start, c.court) == (start, court)), None)
        if index is None:
            raise SlotTaken(f"step {step}: {court} at {start} is no longer listed", step=step)
        if cards[index].full:
            raise SlotTaken(f"step {step}: {court} at {start} is fully booked", step=step)
        await self._glance()
        await self._follow(self.page.locator(CARD).nth(index), step)
        await self._site_message(step)
        await require(self.page, CONFIRM, step=step)
        return await self._summary()

    @guarded("checkout")
    async def ready_to_confirm(self, url: str) -> bool:
        """True when this tab shows the confirm page `url` with its button (after a hold)."""
        if self.page.url != url or await self.page.locator(BOOKING_ERROR).count():
            return False
        return await self.page.locator(CONFIRM).is_visible()

    @guarded("checkout")
    async def confirm(self, *, read_s: float = 0.0) -> Receipt:
        """Press Confirm Booking, after reading the page `read_s` longer than a glance, and
        read the confirmation page."""
        step = "checkout"
        button = await require(self.page, CONFIRM, step=step)
        await asyncio.sleep(read_s)
        await self._glance()
        await self._follow(button, step)
        await self._site_message(step)
        reference = await require(self.page, REFERENCE, step=step)
        text = (await reference.inner_text()).strip()
        return Receipt(text, await self._summary(), self.page.url)

    @guarded("bookings")
    async def my_bookings(self) -> list[list[str]]:
        """From home: My Bookings → one list of cell texts per row (reference, court, date,
        time, status); empty when the site says there are none."""
        step = "bookings"
        await self._click(MY_BOOKINGS_LINK, step)
        if not await self.page.locator(MY_BOOKINGS).count():
            if NO_BOOKINGS_TEXT in (await self.page.locator("main").inner_text()).casefold():
                return []
            await require(self.page, MY_BOOKINGS, step=step, timeout_ms=CONTENT_TIMEOUT_MS)
        rows: list[list[str]] = await self.page.locator(BOOKING_ROW).evaluate_all(READ_ROWS_JS)
        return rows

    async def cards(self, step: str) -> list[SlotCard]:
        await require(self.page, CARD, step=step, timeout_ms=CONTENT_TIMEOUT_MS)
        raw = await self.page.locator(CARD).evaluate_all(READ_CARDS_JS, CARD_PARTS)
        return [_card(item, step) for item in raw]

    # --- helpers ---------------------------------------------------------------------------
    async def _summary(self) -> dict[str, str]:
        rows = await self.page.locator(SUMMARY_ROWS).evaluate_all(READ_ROWS_JS)
        return {row[0]: row[1] for row in rows if len(row) == 2}

    async def _day_view(self, step: str) -> DayView:
        await self.page.locator(LOADING).wait_for(state="detached")
        self._check_bounced(step)
        if await self.page.locator(LOAD_ERROR).count():
            raise Transient(f"step {step}: the site could not load availability", step=step)
        message = self.page.locator(DAY_MESSAGE)
        if await message.count():
            return DayView([], (await message.inner_text()).strip())
        try:
            return DayView(await self.cards(step))
        except SiteChanged:
            self._check_bounced(step)  # a late redirect home is not a redesign
            raise

    async def _click(self, selector: str, step: str) -> None:
        target = await require(self.page, selector, step=step)
        await self._glance()
        await self._follow(target, step)

    async def _follow(self, target: Locator, step: str, *, bounced_ok: bool = False) -> None:
        """Click something that loads a page; a 5xx, a timeout or a bounce is transient."""
        from playwright.async_api import Error as PlaywrightError

        try:
            async with self.page.expect_navigation() as navigation:
                await target.click()
            response = await navigation.value
        except PlaywrightError as exc:
            message = f"step {step}: the page did not load ({_first_line(exc)})"
            raise Transient(message, step=step) from None
        if response is not None and response.status >= 500:
            raise Transient(f"step {step}: the site answered {response.status}", step=step)
        if not bounced_ok:
            self._check_bounced(step)

    def _check_bounced(self, step: str) -> None:
        """Being sent home or to the login page mid-funnel is the site's session or bot check."""
        path = self._path()
        if path == LOGIN_PATH:
            raise Transient(f"step {step}: the site ended the session", step=step)
        if path == "/":
            raise Transient(f"step {step}: the site sent the browser back home", step=step)

    async def _site_message(self, step: str) -> None:
        """Raise the engine's kind of error for a message the confirm page shows."""
        error = self.page.locator(BOOKING_ERROR)
        if await error.count():
            text = (await error.first.inner_text()).strip()
            raise message_error(text, step=step, selector=BOOKING_ERROR)

    async def _accept_cookies(self) -> None:
        button = self.page.locator(COOKIE_ACCEPT)
        if await button.is_visible():
            await button.click()

    async def _glance(self) -> None:
        if self.delay_ms:
            await asyncio.sleep(random.uniform(0.5, 1.5) * GLANCE * self.delay_ms / 1000)

    def _path(self) -> str:
        return urlparse(self.page.url).path or "/"


def _card(item: dict[str, str | None], step: str) -> SlotCard:
    for key, selector in CARD_PARTS.items():
        if item.get(key) is None:
            raise SiteChanged(
                f"step {step}: a slot card has no {selector!r}", step=step, selector=selector
            )
    try:
        booked, total = int(item["booked"] or ""), int(item["total"] or "")
    except ValueError:
        raise SiteChanged(
            f"step {step}: a slot card's counts are not numbers",
            step=step,
            selector=CARD_PARTS["booked"],
        ) from None
    return SlotCard(item["start"] or "", item["court"] or "", booked, total)


def cookie_sent_to(domain: str, host: str) -> bool:
    """True when a cookie for `domain` is sent to `host` (the host itself or a parent)."""
    domain = domain.lstrip(".")
    return bool(domain) and (host == domain or host.endswith(f".{domain}"))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
