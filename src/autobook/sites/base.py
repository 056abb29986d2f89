"""The one small interface every site adapter implements, what the engine hands it, and the
error kinds every adapter maps its site's failures into. The values that cross the interface
(Want, Slot, Hold, Confirmation…) are the booking vocabulary in `autobook.domain.booking`.

An adapter knows how to talk to one site (its URLs, fields, status codes, pages). It holds no
booking policy: choosing, retrying, timing and never-pay-twice live in `autobook.engine`.
What a status code or a missing element means stays inside the adapter, which raises one of
the `SiteError` kinds below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from autobook.domain.booking import (
    Confirmation,
    Credentials,
    Hold,
    Payment,
    SiteInfo,
    Slot,
    Want,
)

if TYPE_CHECKING:
    import httpx
    from playwright.async_api import BrowserContext, Page

    from autobook.domain.handoff import SessionRequest
    from autobook.sites.outcome import PageOutcome


class SiteBrowser(Protocol):
    """What an adapter may ask of the account's browser (the engine's `AccountBrowser`)."""

    async def context(self) -> BrowserContext: ...

    async def page(self) -> Page:
        """The account's working tab."""
        ...


@dataclass
class AdapterContext:
    """What the engine hands an adapter: base URLs, this account's browser, typing pace."""

    urls: dict[str, str | None]
    browser: SiteBrowser
    typing_delay_ms: int = 60
    answer_wait_s: float = 20.0  # after paying in a page: this long for its answer, then unknown

    def url(self, key: str) -> str:
        value = self.urls.get(key)
        if not value:
            raise ConfigError(f"AUTOBOOK_{key.upper()}_URL is not set")
        return value


# --- errors: every adapter maps its failures into these ---------------------------------------
class SiteError(Exception):
    """A failure talking to a site. `step` names the engine step it happened in."""

    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, step: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.step = step

    def __str__(self) -> str:
        return self.message  # the engine may refine `message` (e.g. "after 3 retries")


class ConfigError(SiteError):
    """autobook is not set up to reach this site (a missing URL setting): final."""

    kind = "config"


class AuthFailed(SiteError):
    """The site refused the login: final, never retried, so the account is not locked."""

    kind = "auth"


class Transient(SiteError):
    """Timeout, 5xx, 429 or 409 load shedding: retried a few times with backoff and jitter."""

    kind = "transient"


class SlotTaken(SiteError):
    """Someone else got the slot (full, dropped hold): try again next cycle."""

    kind = "slot_taken"


class AccountLimit(SiteError):
    """This account may book no more now (the site's daily limit): another account or another
    day may work, so the task waits or moves on to its next account."""

    kind = "account_limit"


class PaymentDeclined(SiteError):
    """The site or its payment provider declined: final, with the site's reason."""

    kind = "declined"


class PaymentUnknown(SiteError):
    """The pay button was clicked and the page shows neither a confirmation nor a failure: the
    card may have been charged. Final, never retried and never reported as declined; the page
    is saved so a person can check with the site."""

    kind = "payment_unknown"


class NotReleased(SiteError):
    """The slot is not bookable yet: wait. `opens_at` when the site says."""

    kind = "not_released"

    def __init__(self, message: str, *, step: str = "", opens_at: datetime | None = None) -> None:
        super().__init__(message, step=step)
        self.opens_at = opens_at


class SiteChanged(SiteError):
    """An expected element or field is missing: final, with the selector and the page saved."""

    kind = "site_changed"

    def __init__(self, message: str, *, step: str = "", selector: str = "") -> None:
        super().__init__(message, step=step)
        self.selector = selector


class WrongBooking(SiteChanged):
    """What the site holds or would charge for is not what the task asked for (another date,
    time or court): final, and nothing is paid. A kind of site change, so the page is saved."""

    def __init__(self, message: str, *, step: str = "pay") -> None:
        super().__init__(message, step=step, selector="read-back")


# --- the interface ---------------------------------------------------------------------------
class SiteAdapter(ABC):
    """One logged-in account on one site. Created per attempt; `close` frees what it opened.

    Browser work goes through `ctx.browser` (one context per account, so no cookies leak
    between accounts); HTTP work through the adapter's own httpx client.
    """

    info: ClassVar[SiteInfo]

    def __init__(self, ctx: AdapterContext, creds: Credentials) -> None:
        self.ctx = ctx
        self.creds = creds

    @classmethod
    def offered(cls, urls: dict[str, str | None], *, browse: bool = False) -> SiteInfo:
        """What the site offers now (venues, activities) for forms and the API: `info` for a
        site whose choices are known in advance; a site whose choices live on its page (a
        clinic) reads them there, in a browser only with `browse`. Blocking; call it from a
        thread with no running event loop."""
        return cls.info

    @classmethod
    def known(cls) -> SiteInfo:
        """The facts with every choice known without asking the site (a clinic's catalogue
        read earlier): what pages use to name a task's venue and activity."""
        return cls.info

    @abstractmethod
    async def login(self, saved_state: str | None) -> str | None:
        """Log in, reusing `saved_state` while the site still accepts it.

        Returns the state to save encrypted for next time (a token, cookies as JSON), or None.
        """

    @abstractmethod
    async def availability(self, want: Want) -> list[Slot]:
        """Every slot on the wanted day at the venue and activity, bookable or not."""

    # True when `listing` needs no login: then one adapter, created with empty credentials
    # and kept for the worker's life, reads the listing for every account's watch tasks.
    # Sites whose listing needs an account's login keep one full check per task.
    listing_is_public: ClassVar[bool] = False

    async def listing(self, want: Want) -> list[Slot]:
        """What the worker's shared look reads for every watch task of the wanted day, venue
        and activity: its slots, bookable or not, in as few requests as the site allows. A task
        that sees a wanted free slot there runs a full attempt (`availability` and the rest)."""
        return await self.availability(want)

    @abstractmethod
    async def bookings(self, want: Want) -> list[Confirmation]:
        """This account's existing bookings on the wanted day (never pay twice)."""

    @abstractmethod
    async def hold(self, slot: Slot, want: Want) -> Hold:
        """Hold the slot for this account (add to cart, reserve in the widget)."""

    @abstractmethod
    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        """Pay and confirm. With `dry_run`, stop at the final pay button and return None."""

    can_cancel: ClassVar[bool] = False  # `cancel` works on this site

    async def cancel(self, reference: str, starts_at: datetime) -> None:
        """Cancel the account's booking `reference`, starting at `starts_at`, on the site
        (after `login`)."""
        raise ConfigError(f"{self.info.title} bookings cannot be cancelled from autobook")

    async def release(self, hold: Hold) -> None:  # noqa: B027 - optional for sites without carts
        """Give back a hold that is not needed (a duplicate)."""

    # The payment page lives in this browser's cookies, not in its URL (a card iframe bound to
    # the login): a person pays in autobook's held tab, shown on the live handoff page. Such
    # an adapter implements `open_payment` and `payment_outcome`.
    live_handoff: ClassVar[bool] = False

    async def open_payment(self, hold: Hold, payment: Payment) -> Page:
        """After `login`: the site's payment page for `hold` in this account's tab, with
        everything but the card filled in, for a person to pay on. `SlotTaken` if the hold is
        gone, `WrongBooking` if the site holds something else."""
        raise ConfigError(f"{self.info.title} payment pages cannot be handed to a person live")

    async def payment_outcome(self, page: Page) -> tuple[PageOutcome, bool]:
        """What the handed-over payment page shows now, and whether it is still the payment
        form (a person may be typing)."""
        raise ConfigError(f"{self.info.title} payment pages cannot be handed to a person live")

    def walk_request(self, hold: Hold) -> SessionRequest | None:
        """For a payment page that neither lives in its URL nor can be opened again after a
        fresh login (a widget that keeps its steps in memory): what a booking session needs
        to walk the steps to it again, in the browser the person will pay in. None where
        there is no such walk."""
        return None

    def clock_url(self) -> str:
        """A cheap URL on the site whose `Date` header tells the site's clock (snipes)."""
        return self.ctx.url(self.info.url_settings[0])

    def http_client(self) -> httpx.AsyncClient | None:
        """The client `hold` sends on, for a snipe's clock probes and warm-ups: one client for
        the whole snipe, so the shots go out on connections the probes opened. None where
        holds go through the browser (the snipe then probes with a client of its own)."""
        return None

    async def warm(self, connections: int = 1) -> None:  # noqa: B027 - nothing to warm
        """Cheap requests before a release, `connections` at once, so that many keep-alive
        connections are open for the staggered shots at the strike."""

    async def confirmation_page(self, confirmation: Confirmation) -> Page | None:
        """A browser page showing the confirmation, for the screenshot; None if there is none."""
        if not confirmation.url:
            return None
        page = await self.ctx.browser.page()
        await page.goto(confirmation.url)
        return page

    async def close(self) -> None:  # noqa: B027 - adapters with clients override it
        """Close HTTP clients; the browser context belongs to the engine."""
