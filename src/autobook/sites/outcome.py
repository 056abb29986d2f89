"""What a page says after "Book Appointment" was clicked (seed 004's outcome detection), in one
place for adapters that pay and for anything that watches a handed-off payment page.

Success is recognised by URL (`/confirmation`, `/success`, `/thank-you`), by text ("Booking
Confirmed", "Appointment Scheduled") or by element (`.confirmation-number`); failure by the texts
"Payment Failed" and "Card Declined" or an error element. A page that shows none of these is
UNKNOWN: the charge may have gone through, so it is never reported as declined.

`classify` is the pure rule; `read_outcome` polls a Playwright page with it.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page


class Outcome(StrEnum):
    SUCCESS = "success"
    DECLINED = "declined"
    EXPIRED = "expired"  # the card has expired
    SLOT_UNAVAILABLE = "slot_unavailable"  # the time went before the charge; nothing charged
    SESSION_GONE = "session_gone"  # the booking session expired or was not found
    UNKNOWN = "unknown"


SUCCESS_PATHS = ("/confirmation", "/success", "/thank-you")
FAILURE_PATHS = ("/error", "/failed")
SUCCESS_TEXTS = ("booking confirmed", "appointment scheduled", "appointment confirmed")
FAILURE_TEXTS = ("payment failed", "card declined", "card was declined", "payment declined")
SUCCESS_SELECTORS = (".confirmation-number", "[data-testid='success']")
FAILURE_SELECTORS = (".error-message", "[data-testid='error']", ".field-error")
# Within a failure, what went wrong; checked in this order.
EXPIRED_CARD_RE = re.compile(r"card (has )?expired|expired card|expiration date", re.I)
SLOT_GONE_RE = re.compile(r"no longer available|not been charged", re.I)
SESSION_GONE_RE = re.compile(r"session (has )?expired|session not found|page not found", re.I)
# "Confirmation number: MX-7K2P9Q", "your confirmation number is AB-12345": a code with a
# digit or a hyphen in it, so that words ("number", "pending") are never taken for one.
REFERENCE_RE = re.compile(
    r"confirmation\s*(?:number|no\.?|code|#)?\s*(?:is\s*)?[:#]?\s*"
    r"((?=[A-Z0-9-]*[\d-])[A-Z0-9][A-Z0-9-]{2,})",
    re.I,
)



@dataclass(frozen=True)
class Indicators:
    """What tells success from failure on a page: seed 004's defaults, which a site adapter
    (or a clinic's profile, `sites/clinic/profiles.py`) may extend with its own words."""

    success_paths: tuple[str, ...] = SUCCESS_PATHS
    success_texts: tuple[str, ...] = SUCCESS_TEXTS
    success_selectors: tuple[str, ...] = SUCCESS_SELECTORS
    failure_paths: tuple[str, ...] = FAILURE_PATHS
    failure_texts: tuple[str, ...] = FAILURE_TEXTS
    failure_selectors: tuple[str, ...] = FAILURE_SELECTORS

    def plus(self, **more: tuple[str, ...]) -> Indicators:
        """These indicators with `more` of each kind added (texts matched without case)."""
        changes = {}
        for name, extra in more.items():
            words = tuple(w.casefold() for w in extra) if name.endswith("_texts") else extra
            changes[name] = (*getattr(self, name), *words)
        return replace(self, **changes)


SEED_004 = Indicators()

POLL_S = 0.25  # how often a page is looked at while the site answers
DEFAULT_WAIT_S = 20.0  # a payment provider may take a while; after that the page is unknown


@dataclass(frozen=True)
class PageOutcome:
    outcome: Outcome
    reason: str = ""  # the page's own words, for the user
    reference: str | None = None  # the confirmation number when the page shows one
    url: str = ""


def classify(
    url: str,
    text: str,
    *,
    success_element: bool = False,
    failure_element: bool = False,
    reference: str | None = None,
    alert: str = "",
    indicators: Indicators = SEED_004,
) -> PageOutcome:
    """The outcome a page shows: its URL path, its visible text, and whether a success or a
    failure element is on it. `reference` is the text of a `.confirmation-number`, if any;
    `alert` the text of the page's error boxes, the reason given for a failure."""
    path = urlsplit(url).path.lower()
    flat = " ".join(text.split())
    lowered = flat.casefold()
    ind = indicators
    failure_text = next((t for t in ind.failure_texts if t in lowered), None)
    if SESSION_GONE_RE.search(flat) and not failure_text:
        return PageOutcome(Outcome.SESSION_GONE, _excerpt(flat, SESSION_GONE_RE), url=url)
    success = (
        any(p in path for p in ind.success_paths)
        or any(t in lowered for t in ind.success_texts)
        or success_element
    )
    if success and not failure_text:
        ref = (reference or "").strip() or _reference(flat)
        return PageOutcome(Outcome.SUCCESS, "", ref, url)
    if failure_text or failure_element or any(p in path for p in ind.failure_paths):
        words = " ".join(alert.split())
        for pattern, outcome in ((SLOT_GONE_RE, Outcome.SLOT_UNAVAILABLE),
                                 (EXPIRED_CARD_RE, Outcome.EXPIRED)):  # fmt: skip
            if pattern.search(flat):
                return PageOutcome(outcome, words or _excerpt(flat, pattern), url=url)
        found = re.compile(re.escape(failure_text), re.I) if failure_text else None
        reason = words or (_excerpt(flat, found) if found else "the page shows an error")
        return PageOutcome(Outcome.DECLINED, reason, url=url)
    return PageOutcome(Outcome.UNKNOWN, "the page shows no confirmation and no error", url=url)


async def look(page: Page, indicators: Indicators = SEED_004) -> PageOutcome:
    """Classify what `page` shows now; UNKNOWN while it is between two documents."""
    from playwright.async_api import Error as PlaywrightError  # only adapters load Playwright

    try:
        return await _look(page, indicators)
    except PlaywrightError:  # navigating: the old document went before it could be read
        return PageOutcome(Outcome.UNKNOWN, "the page was still loading", url=page.url)


async def _look(page: Page, ind: Indicators) -> PageOutcome:
    numbers = page.locator(SUCCESS_SELECTORS[0])
    reference = await numbers.first.text_content() if await numbers.count() else None
    text = await page.locator("body").inner_text(timeout=2_000)
    boxes = page.locator(", ".join((*ind.failure_selectors, "[role=alert]")))
    alert = " ".join([t for t in await boxes.all_inner_texts() if t.strip()])
    return classify(
        page.url,
        text,
        success_element=await page.locator(", ".join(ind.success_selectors)).count() > 0,
        failure_element=await _any_visible(page.locator(", ".join(ind.failure_selectors))),
        reference=reference,
        alert=alert,
        indicators=ind,
    )


async def read_outcome(
    page: Page, *, wait_s: float = DEFAULT_WAIT_S, until_changed_from: str | None = None
) -> PageOutcome:
    """Poll `page` until it shows an outcome, or `wait_s` passes (then UNKNOWN).

    `until_changed_from`: the payment page's URL; while the page is still there and shows no
    error, the site has not answered yet, even if the page mentions a confirmation to come.
    """
    deadline = time.monotonic() + wait_s
    while True:
        seen = await look(page)
        settled = seen.outcome is not Outcome.UNKNOWN
        if settled and seen.outcome is Outcome.SUCCESS and until_changed_from == page.url:
            settled = await page.locator(", ".join(SUCCESS_SELECTORS)).count() > 0
        if settled or time.monotonic() >= deadline:
            return seen
        await asyncio.sleep(POLL_S)


async def _any_visible(locator: Locator) -> bool:
    for i in range(await locator.count()):
        if await locator.nth(i).is_visible():
            return True
    return False


def _reference(text: str) -> str | None:
    match = REFERENCE_RE.search(text)
    return match[1] if match else None


def _excerpt(text: str, pattern: re.Pattern[str] | None, width: int = 160) -> str:
    """The sentence around what matched, as the site words it."""
    match = pattern.search(text) if pattern else None
    if match is None:
        return text[:width]
    start = max(text.rfind(".", 0, match.start()) + 1, match.start() - width // 2)
    return text[start : start + width].strip()
