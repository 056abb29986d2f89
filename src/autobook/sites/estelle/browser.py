"""Estelle Manor's members' site in Chromium: the adapter's flows on its pages (pagetools.py has
the finding and waiting they share; only these two modules drive a page).

The contract is ../shared/sites/estelle.md (docs/sites/estelle.md lists what is required and
what is only used when present). Elements are found by the ids and texts the notes give, then
by role and visible text; never by classes or structure the notes do not give. After a click
the next documented element or text is awaited, whether the click loaded a page, opened a panel
or a dialog. Only home and the login page are opened by URL (the site bounced direct URLs).
Methods return what the page shows, as text; the adapter turns it into the engine's values.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from autobook.sites.base import AuthFailed, PaymentUnknown, SiteChanged, SlotTaken
from autobook.sites.estelle import parse
from autobook.sites.estelle.pagetools import (
    FIND_TIMEOUT_MS,
    LOGIN_PATH,
    PageTools,
    guarded,
)
from autobook.sites.pages import goto, type_like_human

if TYPE_CHECKING:
    from playwright.async_api import Locator

    from autobook.sites.base import AdapterContext

# --- documented in the notes: required ----------------------------------------------------------
# The login page, LOGIN_PATH, lives in pagetools, which needs it too.
EMAIL, PASSWORD, SUBMIT = "input[name=email]", "input[name=password]", "input[type=submit]"
BOOK_NOW = "#book-now-button"
PADEL = "Padel Courts"
ONE_HOUR = "BOOK - 1Hr"  # any date, when the month has no button
DATE_INPUT = "#from_date"
APPLY, APPLY_TEXT = "#btnApply", "Show Availability"
CARD = "div.cardBtn-bd"
CARD_PARTS = {
    "start": "span.slot_start",
    "court": "span.slot-subject-spa",
    "booked": "span.totalBooked",
    "total": "span.totalSlots",
}
# --- not documented: used when present, each with a fallback --------------------------------------
CONFIRM_GUESSES = ("#btnConfirm", ".btn-confirm")  # the public bot's own guesses
CONFIRM_NAME = re.compile(r"\bconfirm\b", re.I)
LOGOUT_NAME = re.compile(r"\b(log ?out|sign ?out)\b", re.I)
LOGIN_NAME = re.compile(r"^\s*(member )?(log ?in|sign ?in)\s*$", re.I)
MY_BOOKINGS_NAME = re.compile(r"\bmy bookings?\b", re.I)
REFERENCE = "#booking-reference"
COOKIE_ACCEPT = "#cookie-accept"
ROWS = "tr, [role=row], li"
NO_BOOKINGS = ("no bookings", "no upcoming", "not have any")

MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST")
MONTHS += ("SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")
SIGN_TIMEOUT_MS = 3_000  # a log-in or log-out control on a page that has loaded
LOGIN_WAIT_S = 15.0  # the site's answer to the login form
CONTENT_WAIT_S = 5.0  # cards, or a note instead, once Show Availability fetched
CONFIRM_WAIT_S = 20.0  # the site's answer to Confirm

# One evaluate per list instead of one round trip per cell; a missing part comes back null.
READ_CARD_JS = """(e, parts) => Object.fromEntries(Object.entries(parts).map(
    ([k, s]) => { const n = e.querySelector(s); return [k, n ? n.textContent.trim() : null]; }))"""
READ_CARDS_JS = f"(els, parts) => els.map(e => ({READ_CARD_JS})(e, parts))"
# The notes: "value set by script plus a bubbling change event" (the field may be read-only).
SET_DATE_JS = """(el, value) => { el.value = value;
    for (const kind of ["input", "change"]) el.dispatchEvent(new Event(kind, {bubbles: true})); }"""
NEXT_PAINT_JS = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"


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
    """What "Show Availability" gave for a date: the cards, or the page's words instead."""

    cards: list[SlotCard]
    message: str = ""


@dataclass(frozen=True)
class Receipt:
    """What the site showed after the booking went through: its whole text, its reference
    (when it shows one) and its address."""

    text: str
    reference: str | None
    url: str
    certain: bool = True  # a reference or a confirmation address, not only words


class EstellePage(PageTools):
    """One tab of the members' site."""

    @classmethod
    async def working(cls, ctx: AdapterContext) -> EstellePage:
        """The account's working tab (the one the engine screenshots)."""
        return cls(await ctx.browser.page(), ctx.url("estelle"), ctx.typing_delay_ms)

    @classmethod
    async def spare(cls, ctx: AdapterContext) -> EstellePage:
        """A new tab on the same login; `close` it after use."""
        context = await ctx.browser.context()
        return cls(await context.new_page(), ctx.url("estelle"), ctx.typing_delay_ms)

    # --- session -----------------------------------------------------------------------------
    @guarded("login")
    async def open_home(self) -> None:
        await goto(self.page, f"{self.base_url}/", step="login")
        await self._accept_cookies()

    @guarded("login")
    async def signed_in(self) -> bool | None:
        """True when the page shows a log-out control, False when it shows a login form or a
        log-in control, None when it shows neither (a page that cannot tell)."""
        out = self._named(LOGOUT_NAME)
        login = [self.page.locator(PASSWORD), *self._named(LOGIN_NAME)]
        seen = await self._first_visible([*out, *login], SIGN_TIMEOUT_MS)
        if seen is None:
            return None
        return await self._first_visible(out, 0) is not None

    @guarded("login")
    async def log_in(self, login: str, password: str) -> None:
        """Fill the documented form; AuthFailed when the site keeps or re-shows it."""
        step = "login"
        if not await self.page.locator(PASSWORD).is_visible():
            await goto(self.page, f"{self.base_url}{LOGIN_PATH}", step=step)
            form = await self._first_visible([self.page.locator(PASSWORD)], SIGN_TIMEOUT_MS)
            if form is None and self._path() != LOGIN_PATH and await self.signed_in() is not False:
                return  # the site sent a member away from its login page
        for selector, value in ((EMAIL, login), (PASSWORD, password)):
            field = await self._find(step, selector, [self.page.locator(selector)])
            await field.fill("")  # a site may keep the email after a failed try
            await type_like_human(field, value, mean_delay_ms=self.delay_ms)
        submit = await self._find(step, SUBMIT, [self.page.locator(SUBMIT)])
        loads = [0]

        def loaded(frame: Any) -> None:
            loads[0] += frame == self.page.main_frame

        self.page.on("framenavigated", loaded)
        try:
            await submit.click()
            await self._login_answer(step, lambda: loads[0])
        finally:
            self.page.remove_listener("framenavigated", loaded)
        await self._accept_cookies()

    async def _login_answer(self, step: str, loads: Callable[[], int]) -> None:
        """Wait until the site leaves its login page (the notes' test of success), refuses in
        words, or loads its login page again; then look for a signed-in page."""

        async def look() -> bool | None:
            if self._path() != LOGIN_PATH:
                return True
            refusal = await self._alert_text(parse.says_refused)
            if refusal:
                raise AuthFailed(f"step {step}: the site says: {refusal}", step=step)
            if loads() and await self._settled():
                self._raise_if_server_error(step)
                if await self._visible(PASSWORD):
                    message = f"step {step}: the site showed its login form again"
                    raise AuthFailed(message, step=step)
            return None

        if await self._poll(LOGIN_WAIT_S, look) is None:
            self._raise_if_server_error(step)
            raise AuthFailed(f"step {step}: the site kept its login page", step=step)
        await self._settled()
        self._raise_if_server_error(step)
        if await self.signed_in() is False:
            raise AuthFailed(f"step {step}: the site still asks to log in", step=step)

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
        await self._click(await self._find(step, BOOK_NOW, [self.page.locator(BOOK_NOW)]))
        # Book Now may open a panel on home itself: no bounce check while still at home.
        await self._click(await self._find(step, PADEL, self._named(PADEL), home_ok=True))
        month = MONTHS[day.month - 1]
        way = f"{month!r} or {ONE_HOUR!r}"
        await self._click(
            await self._find(step, way, [*self._named(month), *self._named(ONE_HOUR)])
        )
        await self._find(step, DATE_INPUT, [self.page.locator(DATE_INPUT)], state="attached")

    @guarded("availability")
    async def on_dates(self) -> bool:
        """True when this tab shows the date field and Show Availability (a repeat check is
        then one more click, as a person polling for a free court does)."""
        if self._path() == LOGIN_PATH or not await self.page.locator(DATE_INPUT).count():
            return False
        return await self._first_visible(self._apply(), 0) is not None

    @guarded("availability")
    async def show_day(self, day: date) -> DayView:
        """Set the date as the notes say (script plus a change event) and press Show
        Availability; the cards, or the page's words when it shows none."""
        step = "availability"
        field = await self._find(
            step, DATE_INPUT, [self.page.locator(DATE_INPUT)], state="attached"
        )
        wanted = day.strftime("%d/%m/%Y")
        if await field.input_value() != wanted:
            await field.evaluate(SET_DATE_JS, wanted)
            if await field.input_value() != wanted:
                message = f"step {step}: the date field {DATE_INPUT!r} did not keep {wanted}"
                raise SiteChanged(message, step=step, selector=DATE_INPUT)
        apply = await self._find(step, f"{APPLY!r} ({APPLY_TEXT!r})", self._apply())
        await self._glance()
        await self._click_and_fetch(apply)
        return await self._day_view(step)

    @guarded("hold")
    async def pick(self, start: str, court: str, check: Callable[[SlotCard], None]) -> bool:
        """Click the card of `court` at `start` once `check` accepts what that very card shows.
        True when the site then asks to confirm; False when the click itself booked (the
        notes' engine checks for a confirmation right after the card click)."""
        step = "hold"
        cards = await self.cards(step)
        index = next((i for i, c in enumerate(cards) if (c.start, c.court) == (start, court)), None)
        if index is None:
            raise SlotTaken(f"step {step}: {court} at {start} is no longer listed", step=step)
        card = self.page.locator(CARD).nth(index)
        shown = _card(await card.evaluate(READ_CARD_JS, CARD_PARTS), step)
        if shown.full:
            raise SlotTaken(f"step {step}: {court} at {start} is fully booked", step=step)
        check(shown)  # read back from the card about to be clicked: refuse another slot
        await self._glance()
        before = await self._before()
        await card.click()
        return await self._after_pick(step, before)

    @guarded("hold")
    async def confirm_summary(self) -> str:
        """The text around the confirm control (its dialog, or the page)."""
        return await self._scope_text()

    @guarded("checkout")
    async def ready_to_confirm(self, url: str) -> bool:
        """True when this tab still shows the confirm control of the hold made at `url`."""
        if self.page.url != url or await self._alert_text(_is_known):
            return False
        return await self._first_visible(self._confirm_controls(), 0) is not None

    @guarded("checkout")
    async def confirm(self, *, read_s: float = 0.0) -> Receipt:
        """Press the confirm control, after reading the page `read_s` longer than a glance,
        and wait for the site's answer: a confirmation, or one of its known messages."""
        step = "checkout"
        button = await self._find(step, "a Confirm button", self._confirm_controls())
        await asyncio.sleep(read_s)
        await self._glance()
        before = await self._before()
        await button.click()

        async def look() -> Receipt | None:
            receipt = await self._receipt(before)
            if receipt is None:
                await self._raise_known_message(step, before)
            return receipt

        receipt = await self._poll(CONFIRM_WAIT_S, look)
        if receipt is not None:
            return receipt
        # Money is final: a page that says nothing (or a server error) may still have booked.
        status = self.server_status()
        said = (
            f"the site answered {status}"
            if status >= 500
            else "the site showed neither a confirmation nor a message autobook knows"
        )
        raise PaymentUnknown(f"step {step}: after Confirm {said}", step=step)

    async def receipt_now(self) -> Receipt | None:
        return await self._receipt(("", ""))

    @guarded("bookings")
    async def my_bookings(self) -> list[str] | None:
        """From home: My Bookings → the text of each listed row; None when the site shows no
        My Bookings control (the notes promise none)."""
        step = "bookings"
        link = await self._first_visible(self._named(MY_BOOKINGS_NAME), SIGN_TIMEOUT_MS)
        if link is None:
            return None
        await self._click_and_fetch(link)

        async def look() -> list[str] | None:
            rows: list[str] = await self.page.locator(ROWS).evaluate_all(
                "els => els.map(e => e.innerText)"
            )
            dated = [r for r in rows if parse.find_date(r) is not None]
            if dated:
                return dated
            body = (await self._body_text()).casefold()
            return [] if any(words in body for words in NO_BOOKINGS) else None

        listed = await self._poll(CONTENT_WAIT_S, look)
        if listed is not None:
            return listed
        self._raise_if_bounced(step)
        return []  # a page listing nothing autobook can read: nothing it can tell about

    async def cards(self, step: str) -> list[SlotCard]:
        raw = await self.page.locator(CARD).evaluate_all(READ_CARDS_JS, CARD_PARTS)
        return [_card(item, step) for item in raw]

    # --- waiting for what the contract names -------------------------------------------------
    async def _day_view(self, step: str) -> DayView:
        """The cards once some are shown, or the page's words when a known note shows up."""

        async def look() -> DayView | None:
            if await self.page.locator(CARD).count():
                await self.page.evaluate(NEXT_PAINT_JS)  # let the list finish drawing
                return DayView(await self.cards(step))
            body = await self._body_text()
            if parse.day_message(body) != "unknown":
                return DayView([], _sentence(body, parse.day_message))
            return None

        view = await self._poll(CONTENT_WAIT_S, look)
        if view is not None:
            return view
        self._raise_if_bounced(step)
        note = await self._alert_text(lambda _: True)
        return DayView([], note)  # no cards and no known note: the adapter decides

    async def _after_pick(self, step: str, before: tuple[str, str]) -> bool:
        """After a card click: the confirm control (True), a confirmation (False), or a known
        message, in place or on a new page."""

        async def look() -> bool | None:
            await self._raise_known_message(step, before)
            if await self._first_visible(self._confirm_controls(), 0) is not None:
                return True
            # Booked at the click only on strong signs: a confirm page may be headed
            # "Booking confirmation" before its button shows.
            receipt = await self._receipt(before)
            return False if receipt is not None and receipt.certain else None

        asks = await self._poll(FIND_TIMEOUT_MS / 1000, look)
        if asks is not None:
            return asks
        self._raise_if_bounced(step)
        if await self._receipt(before) is not None:
            message = f"step {step}: the card click led to a page that may be a confirmation"
            raise PaymentUnknown(message, step=step)
        message = f"step {step}: no Confirm button after the card click"
        raise SiteChanged(message, step=step, selector=" / ".join(CONFIRM_GUESSES))

    async def _receipt(self, before: tuple[str, str]) -> Receipt | None:
        """The confirmation, when the page shows one: the notes' words ("confirmed", "thank
        you", "confirmation") in lines new since `before`, or a new address saying so; with no
        confirm control left to press and no slot cards."""
        if not await self._settled() or await self._first_visible(self._confirm_controls(), 0):
            return None  # a page still loading may yet show its confirm control
        in_dialog = await self.page.get_by_role("dialog").filter(visible=True).count()
        if not in_dialog and await self.page.locator(CARD).filter(visible=True).count():
            return None  # still the cards page: its words are not an answer
        url, text = self.page.url, await self._scope_text()
        new_text = "\n".join(await self._new_lines(before))
        path = self._path().casefold() if url != before[0] else ""
        if not (parse.says_confirmed(new_text) or "confirmation" in path or "success" in path):
            return None
        reference = None
        if await self._visible(REFERENCE):
            reference = (await self.page.locator(REFERENCE).first.inner_text()).strip()
        reference = reference or parse.reference_in(text)
        certain = bool(reference) or "confirmation" in path or "success" in path
        return Receipt(text, reference, self.page.url, certain)

    async def _raise_known_message(self, step: str, before: tuple[str, str]) -> None:
        """Raise the engine's error for a known message of the site, in an alert or in the
        words the click brought."""
        text = await self._alert_text(_is_known)
        if not text:
            text = next((t for t in (await self._new_lines(before)) if _is_known(t)), "")
        error = parse.known_message(text, step=step) if text else None
        if error is not None:
            raise error

    def _apply(self) -> list[Locator]:
        return [self.page.locator(APPLY), *self._named(APPLY_TEXT)]

    def _confirm_controls(self) -> list[Locator]:
        """The bot's guessed ids, then a button or link named Confirm, inside an open dialog
        first; never Book Now."""
        scopes = [self.page.get_by_role("dialog"), self.page]
        found = [self.page.locator(guess) for guess in CONFIRM_GUESSES]
        for scope in scopes:
            for role in ("button", "link"):
                named = scope.get_by_role(role, name=CONFIRM_NAME)  # type: ignore[arg-type]
                found.append(named.and_(self.page.locator(f":not({BOOK_NOW})")))
        return found

    # --- the site's own answers --------------------------------------------------------------
    async def _accept_cookies(self) -> None:
        button = self.page.locator(COOKIE_ACCEPT)
        if await button.is_visible():
            await button.click()


def _is_known(text: str) -> bool:
    return parse.known_message(text, step="") is not None


def _sentence(text: str, kind: Callable[[str], str]) -> str:
    """The line of `text` that carries the note `kind` recognises."""
    return next((line.strip() for line in text.splitlines() if kind(line) != "unknown"), text)


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
