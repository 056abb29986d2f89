"""The clinic's widget walked for a booking session (seed 004): by the names a caller gives (a
service, maybe a provider, a day and a time), to the payment page, which is then handed to a
person. Everything goes through `Widget`, so the pages are read as a person reads them.

Errors are the adapter's kinds; a `ConfigError` names the caller's field (`service`,
`provider`), a `SlotTaken` says the day or time is not free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING

from autobook.sites.base import ConfigError
from autobook.sites.clinic.adapter import LONDON
from autobook.sites.clinic.browser import Patient, Widget
from autobook.sites.clinic.catalogue import Provider, Service
from autobook.sites.clinic.profiles import profile_for
from autobook.sites.outcome import Outcome, PageOutcome, look

if TYPE_CHECKING:
    from playwright.async_api import Page

STEP = "handoff"
# A control that lets the held time go, where the widget has one.
LET_GO = re.compile(r"^(cancel( booking| appointment)?|start over)$", re.I)


@dataclass(frozen=True)
class HeldPage:
    """The payment page reached, and what was chosen on the way."""

    url: str
    url_carries_session: bool  # another browser opening `url` continues this booking
    service: str
    provider: str | None  # None: "first available", and the page does not say who


def widget_on(page: Page, booking_url: str, *, typing_delay_ms: int = 0) -> Widget:
    hints = profile_for(booking_url).hints
    return Widget(page, booking_url, LONDON, typing_delay_ms=typing_delay_ms, hints=hints)


async def walk_to_payment(
    widget: Widget,
    *,
    day: date,
    at: time,
    patient: Patient,
    service: str | None,
    provider: str | None,
) -> HeldPage:
    """Service, provider, day, time, contact details: the payment page, held."""
    await widget.open(step=STEP)
    catalogue = await widget.catalogue(step=STEP)
    chosen = _service(catalogue.services, service)
    offered = await widget.providers(chosen, step=STEP)
    who = _provider(offered, provider, chosen) if provider else None
    await widget.choose_provider(who, step=STEP)
    await widget.choose_day(day, step=STEP)
    await widget.choose_time(at, step=STEP)
    await widget.fill_to_payment(patient, step=STEP)
    url = widget.page.url
    if who is None:  # first available: the payment page's summary names who it is with
        text = await widget.page.locator("body").inner_text()
        who = next((p for p in offered if p.name.split()[0] in text), None)
    return HeldPage(
        url=url,
        # A widget that keeps its steps in the page's memory stays on the booking page's URL.
        url_carries_session=url.rstrip("/") != widget.url.rstrip("/"),
        service=chosen.name,
        provider=who.name if who else None,
    )


async def outcome_on(widget: Widget) -> tuple[PageOutcome, bool]:
    """What the page shows now (seed 004's indicators plus the clinic profile's), and
    whether it is still the payment form."""
    seen = await look(widget.page, profile_for(widget.url).outcome)
    at_payment = seen.outcome is Outcome.UNKNOWN and await widget.at_payment()
    return seen, at_payment


async def let_go(widget: Widget) -> bool:
    """Give the held time back with the page's own cancel control, if it has one; True if it
    was clicked. Without one the site frees it when its session idles out."""
    control = widget.page.get_by_role("button", name=LET_GO).or_(
        widget.page.get_by_role("link", name=LET_GO)
    )
    for i in range(await control.count()):
        if await control.nth(i).is_visible():
            await control.nth(i).click()
            await widget.page.wait_for_load_state("domcontentloaded")
            return True
    return False


def _service(services: tuple[Service, ...], wanted: str | None) -> Service:
    if not wanted:
        return services[0]
    for service in services:
        if service.answers_to(wanted):
            return service
    names = ", ".join(s.name for s in services)
    raise ConfigError(
        f"service: the clinic does not offer {wanted!r}; it offers {names}", step=STEP
    )


def _provider(offered: tuple[Provider, ...], wanted: str, service: Service) -> Provider:
    for provider in offered:
        if provider.answers_to(wanted):
            return provider
    names = ", ".join(p.name for p in offered)
    raise ConfigError(
        f"provider: {wanted!r} does not offer {service.name}; {names} do", step=STEP
    )
