"""Estelle Manor padel courts: a browser-only adapter, because the site has no API.

One login per account, kept as the site's cookies in the vault and reused while the site still
accepts them; every booking page is reached by clicks from home (the site bounces direct URLs);
a hold is the picked court card's confirm page; checkout is its Confirm button, since members
are billed to their account.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from autobook.domain.release import LONDON, ReleaseRule
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    Activity,
    AdapterContext,
    ConfigError,
    Confirmation,
    Credentials,
    Hold,
    NotReleased,
    Payment,
    SiteAdapter,
    SiteChanged,
    SiteInfo,
    Slot,
    SlotTaken,
    Transient,
    Venue,
    Want,
)
from autobook.sites.estelle import parse
from autobook.sites.estelle.browser import BOOKING_ROW, DAY_MESSAGE, EstellePage, Receipt

VENUE = Venue("padel-courts", "Estelle Manor padel courts")
ACTIVITY = Activity("padel-60min", "Padel Court - 1 Hour", 60)
# The site charges the member's account ("charged to your member account"): no card step.
BILLED_TO_ACCOUNT = PaymentMethod.CREDIT
LENGTH = timedelta(minutes=60)
MIN_READ_S, MAX_READ_S = 1.0, 8.0  # extra time on the confirm page after a refused confirm


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
        summary = await self._pick(site, slot)
        return Hold(slot, token=site.url, price=parse.price(summary.get("Price", "")))

    async def bookings(self, want: Want) -> list[Confirmation]:
        # Another tab of the same login, so a confirm page held in the working tab stays put.
        site = await EstellePage.spare(self.ctx)
        try:
            await self._member_home(site)
            rows = await site.my_bookings()
        finally:
            await site.close()
        found = (_booked(row) for row in rows)
        return [c for c in found if c is not None and c.starts_at.date() == want.day]

    # --- paying ----------------------------------------------------------------------------
    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        _check_payment(payment, dry_run)
        site = await self._tab()
        if not await site.ready_to_confirm(hold.token):
            # A retry after a failed confirm: that page has no button any more; pick again.
            await self._pick(site, hold.slot)
        if dry_run:
            return None  # the tab shows the Confirm Booking button, ready for the screenshot
        try:
            receipt = await site.confirm(read_s=self._read_s)
        except Transient:
            # The site refuses a confirm it finds too quick ("unable to process"), as it did
            # any unhuman pace: the retry reads the page longer, as a person would.
            self._read_s = min(max(2 * self._read_s, MIN_READ_S), MAX_READ_S)
            raise
        return _confirmation(receipt)

    # --- helpers ---------------------------------------------------------------------------
    async def _tab(self) -> EstellePage:
        return await EstellePage.working(self.ctx)

    async def _member_home(self, site: EstellePage) -> None:
        """Home as a logged-in member, logging in again if the site dropped the session."""
        if not await site.open_home():
            await site.log_in(self.creds.login, self.creds.password)

    async def _show_day(self, site: EstellePage, day: date, first: time) -> list[Slot]:
        """`day`'s slot cards in the working tab: walk there from home, or, when the tab is
        already at the date field, just show that date again (a repeat check)."""
        self._showing = None
        if not await site.on_dates():
            await self._member_home(site)
            await site.walk_to_dates(day)
        view = await site.show_day(day)
        if view.message:
            return self._no_cards(view.message, day, first)
        self._showing = (site.url, day)
        return [_slot(card.start, card.court, not card.full) for card in view.cards]

    async def _pick(self, site: EstellePage, slot: Slot) -> dict[str, str]:
        """Click the slot's card, first walking to its date's cards unless they are shown."""
        local = slot.starts_at.astimezone(LONDON)
        shown = self._showing == (site.url, local.date())
        if not shown and not await self._show_day(site, local.date(), local.time()):
            raise SlotTaken("step hold: no court is listed that day any more", step="hold")
        start, _, court = slot.site_id.partition("|")
        try:
            return await site.pick(start, court)
        finally:
            if self._showing is not None and site.url != self._showing[0]:
                self._showing = None  # the card click left the cards page

    def _no_cards(self, message: str, day: date, first: time) -> list[Slot]:
        kind = parse.day_message(message)
        if kind == "empty":
            return []
        if kind == "not_released":
            raise NotReleased(
                f"step availability: the site says: {message}",
                step="availability",
                opens_at=self.info.release.release_at(day, first),
            )
        raise SiteChanged(
            f"step availability: unexpected message: {message}",
            step="availability",
            selector=DAY_MESSAGE,
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


def _confirmation(receipt: Receipt) -> Confirmation:
    step, where = "checkout", "table.summary"
    day = parse.uk_date(receipt.summary.get("Date", ""), step=step, selector=f"{where} Date")
    start, end = parse.time_range(receipt.summary.get("Time", ""), step=step, selector=where)
    starts_at = datetime.combine(day, start, tzinfo=LONDON)
    ends_at = datetime.combine(day, end, tzinfo=LONDON)
    if ends_at <= starts_at:  # an hour that ends at midnight
        ends_at += timedelta(days=1)
    return Confirmation(
        reference=receipt.reference,
        starts_at=starts_at,
        ends_at=ends_at,
        court=receipt.summary.get("Court"),
        price=parse.price(receipt.summary.get("Price", "")),
        url=receipt.url,
    )


def _booked(row: list[str]) -> Confirmation | None:
    """A My Bookings row (reference, court, date, time, status); None unless confirmed."""
    step = "bookings"
    if len(row) != 5:
        message = f"step {step}: a booking row has {len(row)} cells, not 5"
        raise SiteChanged(message, step=step, selector=BOOKING_ROW)
    reference, court, day_text, time_text, status = row
    if status.casefold() != "confirmed":
        return None
    day = parse.uk_date(day_text, step=step, selector=BOOKING_ROW)
    starts_at = datetime.combine(day, parse.clock(time_text, step=step, selector=BOOKING_ROW))
    starts_at = starts_at.replace(tzinfo=LONDON)
    return Confirmation(reference, starts_at, starts_at + LENGTH, court, price=None)
