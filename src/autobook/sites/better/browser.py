"""The Better booking web site in Chromium: the only Playwright code for Better.

Used where the API alone will not do: paying by card (the payment iframe on the card origin, or
the saved card's CVV) and dry runs (every method goes to the final pay button, for a page to
screenshot). The browser gets in with the API token as the `better.org.uk-authToken` cookie, so
the UI login (which resets the slot modal) is never needed.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from typing import TYPE_CHECKING

from autobook.domain.booking import Card, Payment
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    AdapterContext,
    ConfigError,
    PaymentDeclined,
    PaymentUnknown,
    SiteChanged,
    SiteError,
    SlotTaken,
    Transient,
)
from autobook.sites.outcome import Outcome, PageOutcome
from autobook.sites.pages import goto, require, type_like_human

if TYPE_CHECKING:
    from collections.abc import Sequence

    from playwright.async_api import BrowserContext, Locator, Page

AUTH_COOKIE = "better.org.uk-authToken"
# The payment iframe refuses cards typed with `navigator.webdriver` true, as every automated
# Chromium reports; hide it in every frame of the account's context, as a person's browser is.
HIDE_WEBDRIVER = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"

# Found by what a person reads, as the notes give it (labels and roles, never the markup around
# them); labels change without notice, so older wordings are kept beside the current ones. Only
# the cookie banner and the login button have ids in the notes.
COOKIE_ACCEPT = "#onetrust-accept-btn-handler"
LOGIN_BUTTON = '[data-testid="login"]'
CREDIT_LABEL = re.compile(r"Pay full amount using credit|Use full credit balance", re.I)
SAVED_CARD_LABEL = "Pay with saved card"
NEW_CARD_LABEL = re.compile(r"different card|new card", re.I)  # not in the notes: optional
CVV_LABEL = re.compile(r"CVV|security code", re.I)  # the notes say "CVV box"
TERMS_LABEL = "I agree to the Terms and Conditions"
EMPTY_BASKET_RE = re.compile(r"^\s*Your basket is empty\.?\s*$", re.I)
PAY_NAME = re.compile(r"^Pay( £[0-9.,]+)? now$")
# Not in the notes: the iframe is found by these, its fields by the notes' names as name or id.
PAY_IFRAME = 'iframe#payment-iframe, iframe[title*="card payment" i]'
# The site's error after "Pay now": any alert, the ids our simulator uses first.
ERROR_BOXES = ("#checkout-error", "#payment-error")
CONFIRMED = "/booking-confirmed/"
CHECKOUT_PATH = "/basket/checkout"
# What a person's payment attempt may show in the page's error boxes: a refused card (the
# notes: "payment declined"), or the basket gone; any other error (a billing field left
# empty, a mistyped card) lets them try again on the same page.
DECLINED_RE = re.compile(r"declined|could not be processed|unable to verify|refused", re.I)
BASKET_GONE_RE = re.compile(r"basket is empty|basket has changed|already full", re.I)
OUTCOME_TIMEOUT_S = 30.0
# The iframe refuses card numbers typed faster than a person types; never go below this mean
# gap between keys, even when human typing is set lower for other sites.
MIN_KEY_GAP_MS = 45

_prepared: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


class BetterWeb:
    """One account's browser session on the web origin, logged in by the API token."""

    def __init__(self, ctx: AdapterContext, web_url: str, token: str) -> None:
        self.ctx = ctx
        self.web_url = web_url.rstrip("/")
        self.token = token

    async def page(self) -> Page:
        """The account's tab, carrying the token cookie (value JSON-quoted, as the SPA sets it)."""
        context = await self.ctx.browser.context()
        if context not in _prepared:
            await context.add_init_script(HIDE_WEBDRIVER)
            _prepared.add(context)
        cookie = {"name": AUTH_COOKIE, "value": f'"{self.token}"', "url": self.web_url}
        await context.add_cookies([cookie])  # type: ignore[list-item]
        return await self.ctx.browser.page()

    async def open(self, path: str, *, step: str) -> Page:
        page = await self.page()
        await goto(page, self.web_url + path, step=step)
        banner = page.locator(COOKIE_ACCEPT)
        if await banner.is_visible():
            await banner.click()
        if await page.locator(LOGIN_BUTTON).is_visible():
            raise Transient(f"step {step}: the web site did not accept the session", step=step)
        return page

    async def show(self, url: str, *, step: str) -> Page:
        """Any page of the web origin, logged in (the confirmation, for its screenshot)."""
        page = await self.page()
        await goto(page, url, step=step)
        return page

    async def checkout(self, payment: Payment, *, dry_run: bool, free: bool) -> str | None:
        """Pay the basket on `/basket/checkout`; the booking reference, or None on a dry run
        (left at the enabled pay button, not clicked). `free`: nothing to pay, no method."""
        step = "pay"
        page = await self.open(CHECKOUT_PATH, step=step)
        if not free:
            await self._choose(page, payment, step)
        await (await _need(page.get_by_label(TERMS_LABEL), TERMS_LABEL, step)).check()
        pay = await _need(page.get_by_role("button", name=PAY_NAME), "Pay now", step)
        await _until_enabled(pay, step)
        if dry_run:
            return None
        await pay.click()
        return await _outcome(page, step)

    async def for_person(self, payment: Payment) -> Page:
        """The checkout with "new card" chosen and the billing fields filled from the payment
        profile (if the task has one), left for a person to type the card into the payment
        iframe, tick the terms and pay (live handoff)."""
        step = "handoff"
        page = await self.open(CHECKOUT_PATH, step=step)
        if await page.get_by_text(EMPTY_BASKET_RE).count():
            raise SlotTaken("the basket is empty: the hold was lost", step=step)
        new = page.get_by_label(NEW_CARD_LABEL)
        if await new.count():
            await new.first.check()
        if payment.card is not None:
            for name, value in billing(payment.card, step).items():
                box = await require(page, f'input[name="{name}"], #{name}', step=step)
                await box.fill(value)
        await require(page, PAY_IFRAME, step=step)  # the card fields are there to type into
        return page

    async def _choose(self, page: Page, payment: Payment, step: str) -> None:
        method = payment.method
        if method is PaymentMethod.CREDIT:
            box = await _need(page.get_by_label(CREDIT_LABEL), CREDIT_LABEL.pattern, step)
            if await box.is_disabled():
                raise PaymentDeclined("the account credit does not cover the basket", step=step)
            await box.check()
        elif method is PaymentMethod.SAVED_CARD:
            await self._saved_card(page, payment, step)
        elif method is PaymentMethod.CARD:
            await self._new_card(page, payment, step)
        # benefit, handoff, none: nothing to choose; the basket total is already £0 or a
        # person takes over at the pay button

    async def _saved_card(self, page: Page, payment: Payment, step: str) -> None:
        cvv = payment.cvv or (payment.card.cvv if payment.card else None)
        if not cvv:
            raise ConfigError("the saved card needs its CVV (payment profile CVV)", step=step)
        saved, new = page.get_by_label(SAVED_CARD_LABEL), page.get_by_label(NEW_CARD_LABEL)
        if not await saved.count() and await new.count():
            raise PaymentDeclined("the account has no saved card on the site", step=step)
        await (await _need(saved, SAVED_CARD_LABEL, step)).check()
        field = await _need(page.get_by_label(CVV_LABEL), "CVV", step)
        await type_like_human(field, cvv, mean_delay_ms=self.ctx.typing_delay_ms)

    async def _new_card(self, page: Page, payment: Payment, step: str) -> None:
        card = _card(payment, step)
        new = page.get_by_label(NEW_CARD_LABEL)
        if await new.count():
            await new.first.check()
        for name, value in billing(card, step).items():
            await (await require(page, f'input[name="{name}"], #{name}', step=step)).fill(value)
        # Card data goes into the payment iframe only, one key at a time: the iframe
        # refuses instant typing.
        # It loads only after the analytics bootstrap: a missing iframe is named as such.
        frame = (await require(page, PAY_IFRAME, step=step)).content_frame
        delay = max(self.ctx.typing_delay_ms, MIN_KEY_GAP_MS)
        for name, value in card_fields(card, payment, step).items():
            box = await require(frame, f'input[name="{name}"], input#{name}', step=step)
            await type_like_human(box, value, mean_delay_ms=delay)


def _card(payment: Payment, step: str) -> Card:
    if payment.card is None:
        raise ConfigError("a card payment needs a payment profile with a card", step=step)
    return payment.card


def billing(card: Card, step: str) -> dict[str, str]:
    """The checkout's billing fields from the payment profile; a missing one is named."""
    first, _, last = card.holder.strip().rpartition(" ")
    values = {
        "billingFirstName": first or last,
        "billingLastName": last,
        "billingAddressLineOne": card.address_line_1.strip(),
        "billingCity": card.city.strip(),
        "billingPostcode": card.postcode.strip(),
    }
    labels = {"billingFirstName": "cardholder", "billingLastName": "cardholder",
              "billingAddressLineOne": "address_line_1", "billingCity": "city",
              "billingPostcode": "postcode"}  # fmt: skip
    for name, value in values.items():
        if not value:
            raise ConfigError(
                f"the payment profile has no {labels[name]}, which Better's checkout needs",
                step=step,
            )
    return values


def card_fields(card: Card, payment: Payment, step: str) -> dict[str, str]:
    cvv = card.cvv or payment.cvv
    if not cvv:
        raise ConfigError("the card payment needs the CVV (store it with the profile)", step=step)
    return {
        "cardholder-name": card.holder.strip(),
        "card-number": "".join(ch for ch in card.number if ch.isdigit()),
        "expiry-date": f"{card.expiry_month:0>2}{card.expiry_year[-2:]}",
        "security-code": cvv,
    }


async def _need(locator: Locator, what: str, step: str, timeout_ms: int = 10_000) -> Locator:
    """The first visible match; else `SiteChanged` naming what a person would look for."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    first = locator.first
    try:
        await first.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeout:
        raise SiteChanged(
            f"step {step}: expected {what!r} is missing", step=step, selector=what
        ) from None
    return first


async def _until_enabled(button: Locator, step: str, timeout_s: float = 5.0) -> None:
    """The pay button enables once the terms are ticked; stuck disabled means a new page."""
    for _ in range(int(timeout_s / 0.1)):
        if await button.is_enabled():
            return
        await asyncio.sleep(0.1)
    raise SiteChanged(f"step {step}: the pay button stays disabled", step=step, selector="Pay now")


async def _outcome(page: Page, step: str) -> str:
    """Wait for the confirmation URL or the site's error after "Pay now"."""
    from playwright.async_api import Error as PlaywrightError

    loop = asyncio.get_running_loop()
    deadline = loop.time() + OUTCOME_TIMEOUT_S
    while loop.time() < deadline:
        if CONFIRMED in page.url:
            return page.url.split(CONFIRMED, 1)[1].split("?", 1)[0].strip("/")
        try:
            shown = await _errors_shown(page, [*ERROR_BOXES, "role=alert"])
        except PlaywrightError:
            shown = []  # the page is navigating; look again
        if shown:
            raise declined_or_taken(shown[0], step)
        await asyncio.sleep(0.15)
    # The pay button was pressed: the card may have been charged, so never pay again.
    raise PaymentUnknown(
        f"step {step}: no confirmation and no error {OUTCOME_TIMEOUT_S:.0f} s after the pay "
        "button; check the account's bookings on the site",
        step=step,
    )


async def person_outcome(page: Page) -> tuple[PageOutcome, bool]:
    """What the handed-over checkout shows: the confirmation URL, a refused card, a lost
    basket, or neither (unknown); and whether it is still the checkout form."""
    from playwright.async_api import Error as PlaywrightError

    url = page.url
    if CONFIRMED in url:
        reference = url.split(CONFIRMED, 1)[1].split("?", 1)[0].strip("/")
        return PageOutcome(Outcome.SUCCESS, "", reference or None, url), False
    try:
        at_checkout = CHECKOUT_PATH in url  # the notes promise the path, not the markup
        texts = await _errors_shown(page, ERROR_BOXES)
        if CHECKOUT_PATH in url and await page.get_by_text(EMPTY_BASKET_RE).count():
            texts.append("Your basket is empty.")
    except PlaywrightError:  # between two documents
        return PageOutcome(Outcome.UNKNOWN, "the page was still loading", url=url), True
    said = " ".join(t for t in texts if t)
    if BASKET_GONE_RE.search(said):
        return PageOutcome(Outcome.SLOT_UNAVAILABLE, said, url=url), False
    if DECLINED_RE.search(said):
        return PageOutcome(Outcome.DECLINED, said, url=url), at_checkout
    return PageOutcome(Outcome.UNKNOWN, said or "no confirmation and no error", url=url), (
        at_checkout
    )


async def _errors_shown(page: Page, selectors: Sequence[str]) -> list[str]:
    """The texts of the site's visible error boxes, in the order of `selectors`."""
    texts = []
    for box in [page.locator(s).first for s in selectors]:
        text = (await box.inner_text()).strip() if await box.count() else ""
        if text and await box.is_visible():
            texts.append(text)
    return texts


def declined_or_taken(text: str, step: str) -> SiteError:
    """What the checkout page's error means: a lost basket, or the payment refused."""
    if BASKET_GONE_RE.search(text):
        return SlotTaken(f"the hold was lost: {text}", step=step)
    return PaymentDeclined(text or "the payment was refused", step=step)
