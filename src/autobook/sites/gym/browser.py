"""The gym's members' pages in the account's browser: only for what a person should see (the
confirmation page for its screenshot, the slot's Book button for a dry run).

The web keeps its own session in a cookie, separate from the API token, so the browser logs in
through the login form, typing like a person. The account's browser context keeps the cookie for
the next attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from autobook.sites.base import SiteChanged, SlotTaken
from autobook.sites.pages import goto, require, type_like_human

if TYPE_CHECKING:
    from playwright.async_api import Page

    from autobook.domain.booking import Credentials
    from autobook.sites.base import AdapterContext

LOGIN_FORM = "form#login-form"


async def open_page(ctx: AdapterContext, creds: Credentials, url: str, *, step: str) -> Page:
    """The account's tab at `url`, logging in through the form when the site asks for it."""
    page = await ctx.browser.page()
    await goto(page, url, step=step)
    if "/login" in page.url and await page.locator(LOGIN_FORM).count():
        await _log_in(ctx, creds, page, step=step)
    return page


async def _log_in(ctx: AdapterContext, creds: Credentials, page: Page, *, step: str) -> None:
    """Fill the login form the site redirected to; it sends us back to the page we asked for."""
    delay = ctx.typing_delay_ms
    await type_like_human(
        await require(page, "#email", step=step), creds.login, mean_delay_ms=delay
    )
    password = await require(page, "#password", step=step)
    await type_like_human(password, creds.password, mean_delay_ms=delay)
    button = await require(page, "#login-button", step=step)
    async with page.expect_navigation():
        await button.click()
    if "/login" in page.url:
        # The API accepted these credentials moments ago, so a refusal here is the page's doing.
        raise SiteChanged(
            f"step {step}: the web login form did not let the member in",
            step=step,
            selector=LOGIN_FORM,
        )


async def confirmation(ctx: AdapterContext, creds: Credentials, url: str) -> Page:
    step = "confirmation"
    page = await open_page(ctx, creds, url, step=step)
    await require(page, "#booking-reference", step=step)
    return page


async def book_button(
    ctx: AdapterContext,
    creds: Credentials,
    base_url: str,
    slot: dict[str, str],
) -> Page:
    """A dry run's last stop: the slot's row with its Book button, which is never clicked."""
    step = "checkout"
    query = {k: v for k, v in slot.items() if k != "time" and v}
    page = await open_page(ctx, creds, f"{base_url}/book?{urlencode(query)}", step=step)
    selector = f'tr.slot[data-time="{slot["time"]}"]'
    row = await require(page, selector, step=step)
    status = await row.get_attribute("data-status")
    if status != "open":
        raise SlotTaken(f"step {step}: the slot is {status or 'not open'} on the page", step=step)
    # The page is rendered on the server: once the row is shown, its button is there or gone.
    button = await require(page, f"{selector} button.book-button", step=step, timeout_ms=2000)
    await button.focus()  # the screenshot shows which button a real run would press
    return page
