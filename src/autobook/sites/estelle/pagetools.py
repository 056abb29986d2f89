"""What the Estelle adapter does with any page, whatever the site: find by the first visible of
several locators (ids, then role, then text), click and wait for what the click fetched, look
again until the site answers, and tell a bounce or a server error from a redesign.

`browser.py` builds Estelle's own flows on these; only the two of them touch Playwright.
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import urlparse
from weakref import WeakKeyDictionary

from autobook.sites.base import SiteChanged, Transient

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

LOGIN_PATH = "/page/login"  # documented: being sent here mid-funnel means the session ended
ALERTS = "[role=alert], [role=alertdialog], .alert, .error, #booking-error"
GLANCE = 5  # a pause before a click lasts about this many keystrokes: a person reads first
FIND_TIMEOUT_MS = 10_000  # the next documented element, after a click
POLL_S = 0.1

# The last page load's HTTP status per tab: a 5xx mid-funnel is the site's trouble, not a change.
_DOC_STATUS: WeakKeyDictionary[Page, int] = WeakKeyDictionary()


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


class PageTools:
    """One tab of a site, with the finding, clicking and waiting every flow needs."""

    def __init__(self, page: Page, base_url: str, typing_delay_ms: int) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.delay_ms = typing_delay_ms
        if page not in _DOC_STATUS:
            _DOC_STATUS[page] = 0
            page.on("response", functools.partial(_note_document, page))

    @property
    def url(self) -> str:
        return self.page.url

    async def close(self) -> None:
        await self.page.close()

    async def _poll(self, seconds: float, look: Callable[[], Awaitable[T | None]]) -> T | None:
        """What `look` finds, asking again until it finds something or `seconds` pass; a page
        torn down mid-look by a navigation is looked at again, not an error."""
        from playwright.async_api import Error as PlaywrightError

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                found = await look()
            except PlaywrightError:
                found = None
            if found is not None:
                return found
            await asyncio.sleep(POLL_S)
        return None

    async def _before(self) -> tuple[str, str]:
        """The page's address and text before a click, to tell what the click changed."""
        return self.page.url, await self._scope_text()

    async def _new_lines(self, before: tuple[str, str]) -> list[str]:
        """The lines of the page (or its open dialog) that were not there `before`."""
        old = set(before[1].splitlines())
        return [line for line in (await self._scope_text()).splitlines() if line not in old]

    def _named(self, name: str | re.Pattern[str]) -> list[Locator]:
        """A link, then a button, then any element with this visible text."""
        exact = isinstance(name, str)
        return [
            self.page.get_by_role("link", name=name, exact=exact),
            self.page.get_by_role("button", name=name, exact=exact),
            self.page.get_by_text(name, exact=exact),
        ]

    async def _find(
        self,
        step: str,
        what: str,
        candidates: Sequence[Locator],
        *,
        state: str = "visible",
        home_ok: bool = False,
    ) -> Locator:
        """The first candidate shown; else a bounce, a server error, or SiteChanged naming
        `what`."""
        if state == "attached":
            from playwright.async_api import TimeoutError as PlaywrightTimeout

            try:
                await candidates[0].first.wait_for(state="attached", timeout=FIND_TIMEOUT_MS)
                return candidates[0].first
            except PlaywrightTimeout:
                found = None
        else:
            found = await self._first_visible(candidates, FIND_TIMEOUT_MS)
        if found is None:
            self._raise_if_bounced(step, home_ok=home_ok)
            raise SiteChanged(f"step {step}: expected {what} is missing", step=step, selector=what)
        return found

    async def _first_visible(
        self, candidates: Sequence[Locator], timeout_ms: int
    ) -> Locator | None:
        """The first of `candidates`, in order, that is visible, waiting up to `timeout_ms`."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        any_of = candidates[0]
        for other in candidates[1:]:
            any_of = any_of.or_(other)
        if timeout_ms:
            try:
                await any_of.filter(visible=True).first.wait_for(timeout=timeout_ms)
            except PlaywrightTimeout:
                return None
        for candidate in candidates:
            shown = candidate.filter(visible=True)
            if await shown.count():
                return shown.first
        return None

    async def _visible(self, selector: str) -> bool:
        return await self.page.locator(selector).filter(visible=True).count() > 0

    async def _alert_text(self, wanted: Callable[[str], bool]) -> str:
        """The text of the first visible alert-like element that `wanted` accepts, or ""."""
        texts: list[str] = await self.page.locator(ALERTS).filter(visible=True).all_inner_texts()
        return next((t.strip() for t in texts if t.strip() and wanted(t)), "")

    async def _scope_text(self) -> str:
        dialog = self.page.get_by_role("dialog").filter(visible=True)
        if await dialog.count():
            return str(await dialog.first.inner_text())
        return await self._body_text()

    async def _body_text(self) -> str:
        from playwright.async_api import Error as PlaywrightError

        try:
            return str(await self.page.locator("body").inner_text(timeout=2_000))
        except PlaywrightError:  # mid-navigation: nothing to read yet
            return ""

    async def _click(self, target: Locator) -> None:
        await self._glance()
        await target.click()

    async def _click_and_fetch(self, target: Locator) -> None:
        """Click, and wait for the page or the data the click asks for, if it asks for any."""
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        kinds = ("document", "fetch", "xhr")
        try:
            async with self.page.expect_request_finished(
                lambda r: r.resource_type in kinds, timeout=FIND_TIMEOUT_MS
            ):
                await target.click()
        except PlaywrightTimeout:
            pass  # nothing fetched: the page answered from what it had
        await self._settled()

    async def _settled(self) -> bool:
        from playwright.async_api import Error as PlaywrightError

        try:
            await self.page.wait_for_load_state("load", timeout=FIND_TIMEOUT_MS)
        except PlaywrightError:
            return False
        return True

    def _raise_if_server_error(self, step: str) -> None:
        status = _DOC_STATUS.get(self.page, 0)
        if status >= 500:
            raise Transient(f"step {step}: the site answered {status}", step=step)

    def _raise_if_bounced(self, step: str, *, home_ok: bool = False) -> None:
        """Being sent home or to the login page mid-funnel is the site's session or bot
        check; a 5xx page is its trouble. Neither is a redesign."""
        self._raise_if_server_error(step)
        path = self._path()
        if path == LOGIN_PATH:
            raise Transient(f"step {step}: the site ended the session", step=step)
        if path == "/" and not home_ok:
            raise Transient(f"step {step}: the site sent the browser back home", step=step)

    async def _glance(self) -> None:
        if self.delay_ms:
            await asyncio.sleep(random.uniform(0.5, 1.5) * GLANCE * self.delay_ms / 1000)

    def _path(self) -> str:
        return urlparse(self.page.url).path or "/"

    def at_home(self) -> bool:
        return self._path() == "/"

    def server_status(self) -> int:
        return _DOC_STATUS.get(self.page, 0)


def _note_document(page: Page, response: Any) -> None:
    if response.request.is_navigation_request() and response.frame == page.main_frame:
        _DOC_STATUS[page] = response.status


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
