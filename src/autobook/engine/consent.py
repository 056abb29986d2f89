"""Dismissing a cookie banner before a screenshot, the way a person would: find the banner by
its role and words, press its button by name. The picture is then of the confirmation, not
of a grey overlay. Only the screenshot steps do this; nothing here is needed to book.

A person who cares picks the fewest cookies, so a "Reject" / "Necessary only" button is
preferred to "Accept". A page with no banner is left alone.
"""

from __future__ import annotations

import logging
import re

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

log = logging.getLogger(__name__)

CLICK_TIMEOUT_MS = 2_000  # a banner's button answers at once; a slow one is not worth waiting
GONE_TIMEOUT_MS = 2_000  # banners fade out; the screenshot waits for it, briefly
BANNER_ROLES = ("dialog", "alertdialog", "region")
ABOUT_COOKIES = re.compile(r"cookie|consent|datenschutz|confidentialit|privacidad", re.I)
REFUSE = re.compile(
    r"^\s*(reject|decline|refuse|deny|tout refuser|refuser|ablehnen|rechazar)\b"
    r"|necessary|essential|nécessaires|notwendige",
    re.I,
)
ACCEPT = re.compile(
    r"^\s*(accept|allow|agree|i agree|ok|okay|got it|tout accepter|accepter|j'accepte|"
    r"alle akzeptieren|akzeptieren|aceptar)\b",
    re.I,
)
# Outside a labelled banner only a button that says "cookies" itself is pressed.
COOKIE_BUTTON = re.compile(r"(accept|allow|reject|decline)( all)? cookies", re.I)


async def _first_visible(candidates: list[Locator]) -> Locator | None:
    for locator in candidates:
        if await locator.count() and await locator.first.is_visible():
            return locator.first
    return None


async def _banner_button(page: Page) -> tuple[Locator, Locator | None] | None:
    """(the button to press, its banner) of the first visible cookie banner."""
    for role in BANNER_ROLES:
        banners = page.get_by_role(role).filter(has_text=ABOUT_COOKIES)  # type: ignore[arg-type]
        for i in range(await banners.count()):
            banner = banners.nth(i)
            if not await banner.is_visible():
                continue
            button = await _first_visible(
                [banner.get_by_role("button", name=words) for words in (REFUSE, ACCEPT)]
            )
            if button is not None:
                return button, banner
    button = await _first_visible([page.get_by_role("button", name=COOKIE_BUTTON)])
    return (button, None) if button is not None else None


async def dismiss_cookie_banner(page: Page) -> str | None:
    """Press the visible cookie banner's button; its name, or None when there was none (or it
    would not go). Never raises: a picture with the banner beats no picture."""
    try:
        found = await _banner_button(page)
        if found is None:
            return None
        button, banner = found
        name = (await button.inner_text()).strip()[:60]
        await button.click(timeout=CLICK_TIMEOUT_MS)
        if banner is not None:
            await banner.wait_for(state="hidden", timeout=GONE_TIMEOUT_MS)
        return name
    except PlaywrightError as exc:
        log.info("cookie banner left as it is: %s", type(exc).__name__)
        return None
