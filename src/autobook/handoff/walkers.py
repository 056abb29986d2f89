"""What a booking session holds a person's payment page with, per site: how the page is
reached, what it shows now, and how the held time is let go.

- The clinic walks its widget from the session's request (service, provider, day, time,
  contact details) to the payment page (`sites/clinic/handoff.py`).
- A task's hold on a site whose adapter has `live_handoff` (Better's card checkout, bound to
  the login's cookie, not to its URL) is taken over in a fresh browser context: the adapter
  logs in again, reads the basket back (the held line, and only it: money is final) and opens
  its checkout with everything but the card filled in.

The watch (`handoff.watch`) and the live page only see the `Held` interface.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from autobook.engine import records
from autobook.engine.browsers import AccountBrowser
from autobook.sites.base import AdapterContext, ConfigError, SiteAdapter, SiteError, WrongBooking
from autobook.sites.clinic.adapter import ClinicAdapter
from autobook.sites.clinic.browser import Widget
from autobook.sites.clinic.handoff import let_go, outcome_on
from autobook.sites.registry import adapter_class

if TYPE_CHECKING:
    from playwright.async_api import Page

    from autobook.db.models import HandoffSession
    from autobook.domain.booking import Hold
    from autobook.runtime import Runtime
    from autobook.sites.outcome import PageOutcome


class Held(Protocol):
    """A payment page held for a person."""

    @property
    def page(self) -> Page: ...

    @property
    def sensitive(self) -> tuple[str, ...]:
        """Selectors masked in its screenshots, beside the card fields every site has."""
        ...

    async def look(self) -> tuple[PageOutcome, bool]:
        """What the page shows now, and whether it is still the payment form."""
        ...

    async def let_go(self) -> None:
        """Give the held time back (a cancel, nobody paid)."""
        ...

    async def close(self) -> None: ...


@dataclass
class ClinicHeld:
    widget: Widget

    @property
    def page(self) -> Page:
        return self.widget.page

    @property
    def sensitive(self) -> tuple[str, ...]:
        return ClinicAdapter.info.sensitive_selectors

    async def look(self) -> tuple[PageOutcome, bool]:
        return await outcome_on(self.widget)

    async def let_go(self) -> None:
        await let_go(self.widget)

    async def close(self) -> None:
        pass


@dataclass
class AdapterHeld:
    """A task's hold, its checkout open in this process's browser for the person."""

    adapter: SiteAdapter
    hold: Hold
    page: Page

    @property
    def sensitive(self) -> tuple[str, ...]:
        return self.adapter.info.sensitive_selectors

    async def look(self) -> tuple[PageOutcome, bool]:
        return await self.adapter.payment_outcome(self.page)

    async def let_go(self) -> None:
        with contextlib.suppress(SiteError):  # the site frees it when the hold times out
            await self.adapter.release(self.hold)

    async def close(self) -> None:
        await self.adapter.close()


async def take_over_task(
    runtime: Runtime, browser: AccountBrowser, row: HandoffSession
) -> AdapterHeld:
    """The task's held checkout opened afresh for a person: log in, the basket read back,
    the checkout open. Raises the adapter's `SiteError`s; a basket that holds something else
    than the task's hold (`WrongBooking`) is emptied of it before the error goes up."""
    assert row.task_id is not None
    job = records.load_job(runtime, row.task_id)
    cls = adapter_class(job.site)
    if not cls.live_handoff:
        raise ConfigError(f"{cls.info.title} payment pages cannot be handed over live")
    settings = runtime.settings
    ctx = AdapterContext(settings.site_urls(), browser, settings.human_typing_ms,
                         settings.payment_answer_s)  # fmt: skip
    adapter = cls(ctx, job.creds)
    hold = records.hold_from_json((row.request or {})["hold"])
    try:
        await adapter.login(job.saved_state)
        page = await adapter.open_payment(hold, job.payment)
    except WrongBooking:
        with contextlib.suppress(SiteError):
            await adapter.release(hold)
        await adapter.close()
        raise
    except BaseException:
        await adapter.close()
        raise
    return AdapterHeld(adapter, hold, page)
