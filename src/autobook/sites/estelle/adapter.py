"""Estelle Manor padel courts: a browser-only adapter, because the site has no API.

One login per account, kept as the site's cookies in the vault and reused while the site shows
the member signed in; every booking page is reached by clicks from home (the site bounces direct
URLs); a hold is the picked court card's confirm step (a page or a dialog); checkout is its
Confirm control, since members are billed to their account. Money is final, so the card's own
date, time and court are read back and compared with the chosen slot before the click
(`domain.choice.differs`). What the adapter requires from the site, and what it only uses when
present, is listed in docs/sites/estelle.md.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from autobook.domain.booking import (
    Activity,
    Confirmation,
    Credentials,
    Hold,
    Payment,
    SiteInfo,
    Slot,
    Venue,
    Want,
)
from autobook.domain.choice import differs
from autobook.domain.release import LONDON, ReleaseRule
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    AdapterContext,
    ConfigError,
    NotReleased,
    SiteAdapter,
    SiteChanged,
    SlotTaken,
    Transient,
    WrongBooking,
)
from autobook.sites.estelle import parse
from autobook.sites.estelle.browser import CARD, DATE_INPUT, EstellePage, Receipt, SlotCard

if TYPE_CHECKING:
    from playwright.async_api import Page

log = logging.getLogger(__name__)

VENUE = Venue("padel-courts", "Estelle Manor padel courts")
ACTIVITY = Activity("padel-60min", "Padel Court - 1 Hour", 60)
# The site charges the member's account ("charged to your member account"): no card step.
BILLED_TO_ACCOUNT = PaymentMethod.CREDIT
LENGTH = timedelta(minutes=60)
MIN_READ_S, MAX_READ_S = 1.0, 8.0  # extra time on the confirm page after a refused confirm
NO_REFERENCE = "(no reference shown)"  # the notes record no reference on the confirmation


class EstelleAdapter(SiteAdapter):
    info = SiteInfo(
        name="estelle",
        title="Estelle Manor padel",
        zone=LONDON,
        venues=(VENUE,),
        activities=(ACTIVITY,),
        # No hand-over: nothing is held before Confirm, and the site sends a browser that did
        # not click its way to the confirm page back home, so there is no page to pass on.
        payment_methods=(BILLED_TO_ACCOUNT, PaymentMethod.NONE),
        release=ReleaseRule(LONDON, days_ahead=14, at=time(0, 0)),
        transports=("browser",),
        url_settings=("estelle",),
    )

    def __init__(self, ctx: AdapterContext, creds: Credentials) -> None:
        super().__init__(ctx, creds)
        self._showing: tuple[str, date] | None = None  # the tab's URL and date showing cards
        self._read_s = 0.0  # extra time on the confirm page; grows when a confirm is refused

    # --- session -----------------------------------------------------------------------------
    async def login(self, saved_state: str | None) -> str | None:
        if not self.creds.login:
            raise ConfigError("account: Estelle Manor needs a member login", step="login")
        site = await self._tab()
        if saved_state:
            await site.restore(saved_state)
        else:
            await site.forget()  # nothing saved to reuse: a real login, not a leftover cookie
        await self._member_home(site)
        return await site.saved_state()

    # --- finding and holding -------------------------------------------------------------------
    async def availability(self, want: Want) -> list[Slot]:
        _check_want(want)
        return await self._show_day(await self._tab(), want.day, want.times[0])

    async def hold(self, slot: Slot, want: Want) -> Hold:
        _check_want(want)
        site = await self._tab()
        receipt = await self._pick(site, slot, want)
        if receipt is not None:  # the card click itself booked: there is nothing left to hold
            return Hold(slot, token=site.url, extra={"want": want, "receipt": receipt})
        summary = await site.confirm_summary()
        return Hold(slot, token=site.url, price=parse.price(summary), extra={"want": want})

    async def bookings(self, want: Want) -> list[Confirmation]:
        # Another tab of the same login, so a confirm page held in the working tab stays put.
        site = await EstellePage.spare(self.ctx)
        try:
            await self._member_home(site)
            rows = await site.my_bookings()
        finally:
            await site.close()
        # No My Bookings on the site (the notes promise none): only autobook's own records
        # guard against paying twice (docs/sites/estelle.md).
        found = (_booked(row) for row in rows or [])
        return [c for c in found if c is not None and c.starts_at.date() == want.day]

    # --- paying ----------------------------------------------------------------------------
    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        _check_payment(payment, dry_run)
        receipt: Receipt | None = hold.extra.get("receipt")
        if receipt is not None:
            return _confirmation(receipt, hold)  # booked at the card click, dry run or not
        site, want = await self._tab(), hold.extra["want"]
        if not await site.ready_to_confirm(hold.token):
            # A retry after a failed confirm: that page has no button any more; pick again.
            receipt = await self._pick(site, hold.slot, want)
            if receipt is not None:
                return _confirmation(receipt, hold)
        if dry_run:
            return None  # the tab shows the confirm button, ready for the screenshot
        try:
            receipt = await site.confirm(read_s=self._read_s)
        except Transient:
            # The site refuses a confirm it finds too quick ("unable to process"), as it did
            # any unhuman pace: the retry reads the page longer, as a person would.
            self._read_s = min(max(2 * self._read_s, MIN_READ_S), MAX_READ_S)
            raise
        return _confirmation(receipt, hold)

    async def confirmation_page(self, confirmation: Confirmation) -> Page | None:
        """The working tab while it still shows the confirmation: the site bounces a booking
        page opened by address, so it is never opened again."""
        site = await self._tab()
        return site.page if confirmation.url and site.url == confirmation.url else None

    # --- helpers ---------------------------------------------------------------------------
    async def _tab(self) -> EstellePage:
        return await EstellePage.working(self.ctx)

    async def _member_home(self, site: EstellePage) -> None:
        """Home as a member seen logged in (a log-out control), logging in when the page does
        not show one: a public home page proves nothing."""
        await site.open_home()
        if await site.signed_in():
            return
        await site.log_in(self.creds.login, self.creds.password)
        if not site.at_home():
            await site.open_home()

    async def _show_day(self, site: EstellePage, day: date, first: time) -> list[Slot]:
        """`day`'s slot cards in the working tab: walk there from home, or, when the tab is
        already at the date field, just show that date again (a repeat check)."""
        self._showing = None
        if not await site.on_dates():
            await self._member_home(site)
            await site.walk_to_dates(day)
        view = await site.show_day(day)
        if not view.cards:
            return self._no_cards(view.message, day, first)
        slots = [_slot(card.start, card.court, not card.full) for card in view.cards]
        _check_dates(slots, day)
        self._showing = (site.url, day)
        return slots

    async def _pick(self, site: EstellePage, slot: Slot, want: Want) -> Receipt | None:
        """Click the slot's card, first walking to its date's cards unless they are shown;
        the receipt when the click itself booked."""
        local = slot.starts_at.astimezone(LONDON)
        shown = self._showing == (site.url, local.date())
        if not shown and not await self._show_day(site, local.date(), local.time()):
            raise SlotTaken("step hold: no court is listed that day any more", step="hold")
        start, _, court = slot.site_id.partition("|")
        try:
            asks = await site.pick(start, court, functools.partial(_read_back, slot, want))
        finally:
            if self._showing is not None and site.url != self._showing[0]:
                self._showing = None  # the card click left the cards page
        if asks:
            _check_summary(await site.confirm_summary(), slot, want)
            return None
        return await site.receipt_now()

    def _no_cards(self, message: str, day: date, first: time) -> list[Slot]:
        kind = parse.day_message(message)
        if kind == "empty":
            return []
        opens_at = self.info.release.release_at(day, first)
        if kind == "not_released" or datetime.now(UTC) < opens_at:
            # The notes do not record what the page says before a release: the rule does.
            said = f"the site says: {message}" if message else "no slot cards yet"
            raise NotReleased(f"step availability: {said}", step="availability", opens_at=opens_at)
        said = f" (the page says: {message})" if message else ""
        raise SiteChanged(
            f"step availability: expected element {CARD!r} is missing{said}",
            step="availability",
            selector=CARD,
        )


def _check_want(want: Want) -> None:
    if want.venue != VENUE.key:
        raise ConfigError(f"venue: Estelle Manor has only {VENUE.key!r}, not {want.venue!r}")
    if want.activity not in ("", ACTIVITY.key):
        raise ConfigError(
            f"activity: Estelle Manor offers only {ACTIVITY.key!r}, not {want.activity!r}"
        )
    if want.duration_minutes not in (None, ACTIVITY.duration_minutes):
        raise ConfigError("duration_minutes: Estelle Manor courts are booked by the hour (60)")
    if not want.times:
        raise ConfigError("times: at least one start time is needed")


def _check_payment(payment: Payment, dry_run: bool) -> None:
    allowed = (BILLED_TO_ACCOUNT,) if not dry_run else EstelleAdapter.info.payment_methods
    if payment.method not in allowed:
        raise ConfigError(
            f"payment_method: Estelle Manor charges bookings to the member account, so it takes "
            f"{BILLED_TO_ACCOUNT.value!r}, not {payment.method.value!r}",
            step="checkout",
        )


def _slot(start_text: str, court: str, bookable: bool) -> Slot:
    start = parse.slot_start(start_text, step="availability")
    # The card's start text and court name are what pick the card again on the page.
    return Slot(f"{start_text}|{court}", start, start + LENGTH, court=court, bookable=bookable)


def _read_back(slot: Slot, want: Want, card: SlotCard) -> None:
    """Refuse to click a card whose own date, time or court is not the slot chosen."""
    shown = parse.slot_start(card.start, step="hold")
    wrong = differs(shown, card.court, slot, want.day, want.times, LONDON)
    if wrong is not None:
        raise WrongBooking(f"wrong booking: refusing to book the card: {wrong}", step="hold")


def _check_summary(text: str, slot: Slot, want: Want) -> None:
    """The confirm step's own date and time, when it shows them under labels (optional)."""
    shown = parse.shown_start(text)
    court = parse.labelled(text).get("court")
    if shown is None:
        return
    wrong = differs(shown, court, slot, want.day, want.times, LONDON)
    if wrong is not None:
        raise WrongBooking(f"wrong booking: refusing to confirm: {wrong}", step="hold")


def _check_dates(slots: list[Slot], day: date) -> None:
    """Cards dated before the date asked mean the date field did not take (the site lists
    from that date onwards at most): nothing from that page can be trusted."""
    earlier = sorted({s.starts_at.date() for s in slots if s.starts_at.date() < day})
    if earlier:
        raise SiteChanged(
            f"step availability: the page lists slots of {earlier[0]:%d/%m/%Y}, "
            f"not of {day:%d/%m/%Y}: the date field did not take the date",
            step="availability",
            selector=DATE_INPUT,
        )


def _confirmation(receipt: Receipt, hold: Hold) -> Confirmation:
    """The booking as the confirmation shows it; what it does not show comes from the card
    read back before the click. A confirmation of another day or time is kept as shown (the
    engine then flags it: money is spent)."""
    slot = hold.slot
    starts_at = parse.shown_start(receipt.text) or slot.starts_at
    fields = parse.labelled(receipt.text)
    if starts_at != slot.starts_at:
        log.error("Estelle confirmation shows %s, the card said %s", starts_at, slot.starts_at)
    return Confirmation(
        reference=receipt.reference or NO_REFERENCE,
        starts_at=starts_at,
        ends_at=starts_at + LENGTH,
        court=fields.get("court") or slot.court,
        price=parse.price(receipt.text) or hold.price,
        url=receipt.url,
    )


def _booked(row: str) -> Confirmation | None:
    """A My Bookings row as a booking; None for a row without a date and time or one that
    says it was cancelled (anything else counts as live: never pay twice)."""
    found = parse.booking_row(row)
    if found is None:
        return None
    starts_at, court, reference = found
    return Confirmation(reference or NO_REFERENCE, starts_at, starts_at + LENGTH, court, None)
