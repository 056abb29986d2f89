"""`BetterAdapter`: Better (GLL) leisure-centre courts.

The API does login (reusing the saved token while `GET /auth/user` accepts it), availability
(`/v2/times`, then the per-court `/v2/slots` of the wanted times), the hold (`cart/add`), credit
and benefit checkout, and the account's bookings. The browser does card payments (new card in
the payment iframe, saved card with its CVV) and dry runs, which stop at the enabled pay button.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, ClassVar

import httpx

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
from autobook.domain.release import ReleaseRule
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    ConfigError,
    NotReleased,
    PaymentDeclined,
    SiteAdapter,
    SiteChanged,
    SiteError,
    SlotTaken,
    WrongBooking,
)
from autobook.sites.better.api import BetterApi
from autobook.sites.better.browser import BetterWeb, person_outcome
from autobook.sites.better.models import (
    BOOK,
    FULL,
    LONDON,
    Booking,
    Cart,
    CartLine,
    Court,
    Session,
)

if TYPE_CHECKING:
    from playwright.async_api import Page

    from autobook.sites.base import AdapterContext
    from autobook.sites.outcome import PageOutcome

# Methods that stop at the pay button: a dry run, or a person taking over.
STOP_AT_PAY = frozenset({PaymentMethod.NONE, PaymentMethod.HANDOFF})
CARD_METHODS = frozenset({PaymentMethod.CARD, PaymentMethod.SAVED_CARD})
# Notes: "a hold lasts about 10 minutes"; counted a little short, so that a handoff link given
# for the hold never outlives it.
HOLD_LASTS = timedelta(minutes=9, seconds=30)
FRESH_BASKET_S = 0.5  # a basket answer this recent is read back, not asked for again

INFO = SiteInfo(
    name="better",
    title="Better (GLL leisure centres)",
    zone=LONDON,
    venues=(
        Venue("hendon-leisure-centre", "Hendon Leisure Centre"),
        Venue("barnet-copthall-leisure-centre", "Barnet Copthall Leisure Centre"),
        Venue("barnet-burnt-oak-leisure-centre", "Barnet Burnt Oak Leisure Centre"),
    ),
    activities=(
        Activity("badminton-40min", "Badminton 40 min", 40),
        Activity("badminton-60min", "Badminton 60 min", 60),
    ),
    payment_methods=(
        PaymentMethod.BENEFIT,
        PaymentMethod.CREDIT,
        PaymentMethod.SAVED_CARD,
        PaymentMethod.CARD,
        PaymentMethod.HANDOFF,
    ),
    # London boroughs, Barnet among them: 22:00 local, 7 days ahead. `first_bookable_at`
    # from the site overrides it wherever the listing carries it.
    release=ReleaseRule(zone=LONDON, days_ahead=7, at=time(22, 0)),
    transports=("http", "browser"),
    url_settings=("better_api", "better_web"),
    # The saved card's CVV box has neither a name nor a card-like id.
    sensitive_selectors=("input[aria-label*='CVV' i]", "input[id*='cvv' i]"),
)


class BetterAdapter(SiteAdapter):
    info: ClassVar[SiteInfo] = INFO
    can_cancel: ClassVar[bool] = True

    def __init__(self, ctx: AdapterContext, creds: Credentials) -> None:
        super().__init__(ctx, creds)
        self._api: BetterApi | None = None
        self._web: BetterWeb | None = None
        self.membership_id: int | None = None

    @property
    def api(self) -> BetterApi:
        # Created on first use so a missing URL setting is a ConfigError inside a step.
        if self._api is None:
            self._api = BetterApi(self.ctx.url("better_api"), self.ctx.url("better_web"))
        return self._api

    @property
    def web(self) -> BetterWeb:
        if self.api.token is None:
            raise ConfigError("the browser needs a logged-in API session first")
        if self._web is None or self._web.token != self.api.token:
            self._web = BetterWeb(self.ctx, self.ctx.url("better_web"), self.api.token)
        return self._web

    def http_client(self) -> httpx.AsyncClient:
        return self.api.client

    def clock_url(self) -> str:
        return self.api.clock_url

    async def warm(self, connections: int = 1) -> None:
        await self.api.ping(connections)

    # --- login ----------------------------------------------------------------------------
    async def login(self, saved_state: str | None) -> str | None:
        if saved_state:
            self.api.use_token(saved_state)
            accepted, member = await self.api.session_user()
            if accepted:
                self.membership_id = member
                return saved_state
        self.membership_id = await self.api.login(self.creds.login, self.creds.password)
        return self.api.token

    # --- availability ---------------------------------------------------------------------
    listing_is_public: ClassVar[bool] = True  # the notes: "Availability needs no login"

    async def listing(self, want: Want) -> list[Slot]:
        """The day's sessions, one summary slot each (`/v2/times` only: one request)."""
        return [_session_slot(s) for s in await self._sessions(want)]

    async def _sessions(self, want: Want) -> list[Session]:
        try:
            return await self.api.sessions(want.venue, want.activity, want.day)
        except NotReleased as exc:
            first = min(want.times, default=time(0, 0))
            exc.opens_at = exc.opens_at or self.info.release.release_at(want.day, first)
            raise

    async def availability(self, want: Want) -> list[Slot]:
        sessions = await self._sessions(want)
        # Per-court ids for the wanted times only (bookable, or listed before release so a
        # snipe can prepare its cart request); every other session stays one summary slot.
        # A session listed under another date than asked is never prepared for booking.
        wanted = [
            s for s in sessions if s.day == want.day and s.start in want.times and s.status != FULL
        ]
        court_lists = await asyncio.gather(
            *(self.api.courts(want.venue, want.activity, s) for s in wanted)
        )
        courts = {s.id: found for s, found in zip(wanted, court_lists, strict=True)}
        slots: list[Slot] = []
        for s in sessions:
            if s.id in courts:
                taken = _taken_before_release(courts[s.id])
                slots += [_court_slot(s, c, c.id in taken) for c in courts[s.id]]
            else:
                slots.append(_session_slot(s))
        return slots

    async def bookings(self, want: Want) -> list[Confirmation]:
        found = await self.api.bookings("check existing")
        # A booking without a venue or activity may still be this one: only a named other
        # venue or activity rules it out, and only a cancelled or refunded state (fail safe).
        return [
            self._confirmation(b)
            for b in found
            if b.live
            and b.venue_slug in (None, want.venue)
            and b.activity_slug in (None, want.activity)
            and b.day == want.day
        ]

    # --- hold -----------------------------------------------------------------------------
    async def hold(self, slot: Slot, want: Want) -> Hold:
        session, court = await self._listed(slot, want)
        if court is None:
            court = await self._free_court(session, want)
        if court.in_basket:  # ours, from an earlier attempt: keep that hold
            earlier = await self._held_before(slot, session, court)
            if earlier is not None:
                return earlier
        try:
            cart = await self.api.cart_add(court, self.membership_id)
            line = _our_line(cart, court)
            if line is None:
                if cart.lines and not any(ln.slot_ids for ln in cart.lines):
                    await self._empty_basket()  # cannot tell ours: give every line back
                raise SlotTaken("the site did not keep the slot in the basket", step="hold")
            await self._drop_others(cart, line.id, "hold")
        except SiteChanged:
            # The court may sit in the basket although its answer was unreadable: never leave
            # a hold behind (it would block the court for everyone for ten minutes).
            await self._empty_basket()
            raise
        return self._hold_of(slot, session, court, line)

    def _hold_of(self, slot: Slot, session: Session, court: Court, line: CartLine) -> Hold:
        """The hold as the basket line reads back; what the adapter asked for (the session's
        listed date, the court's time and name) where the line does not say."""
        day = line.day or session.day
        start = line.start or court.start or session.start
        starts_at = datetime.combine(day, start, tzinfo=LONDON)
        length = session.ends_at - session.starts_at
        held = replace(
            slot, starts_at=starts_at, ends_at=starts_at + length,
            court=line.court or court.name, bookable=True,
        )  # fmt: skip
        extra = {"court_id": court.id, "court": court.name}
        until = datetime.now(UTC) + HOLD_LASTS
        return Hold(held, str(line.id), line.price or court.price or slot.price, extra, until)

    async def _listed(self, slot: Slot, want: Want) -> tuple[Session, Court | None]:
        """The session (and court) behind a slot; listed afresh for a slot that did not come
        from `availability` in this process (rebuilt from its `site_id`)."""
        if "session" in slot.extra:
            return slot.extra["session"], slot.extra.get("court")
        for fresh in await self.availability(want):
            if fresh.site_id == slot.site_id:
                return fresh.extra["session"], fresh.extra.get("court")
        raise SlotTaken("the slot is no longer listed", step="hold")

    async def _free_court(self, session: Session, want: Want) -> Court:
        """A court for a summary slot: the most preferred free one."""
        courts = await self.api.courts(want.venue, want.activity, session)
        free = [c for c in courts if c.free_for_us]
        prefs = [c.casefold() for c in want.courts]
        free.sort(key=lambda c: prefs.index(c.name.casefold()) if c.name.casefold() in prefs
                  else len(prefs))  # fmt: skip
        if not free:
            raise SlotTaken(f"no free court at {session.start:%H:%M}", step="hold")
        return free[0]

    async def _held_before(self, slot: Slot, session: Session, court: Court) -> Hold | None:
        cart = await self.api.cart("hold")
        line = next((ln for ln in cart.lines if court.id in ln.slot_ids), None)
        if line is None:
            return None
        await self._drop_others(cart, line.id, "hold")
        return self._hold_of(slot, session, court, line)

    async def _drop_others(self, cart: Cart, keep: int, step: str) -> Cart:
        """Keep exactly one basket line, so checkout never pays for a leftover or a duplicate."""
        others = [ln.id for ln in cart.lines if ln.id != keep]
        return await self.api.cart_remove(others, step) if others else cart

    async def release(self, hold: Hold) -> None:
        cart = await self.api.cart("release")
        if any(str(ln.id) == hold.token for ln in cart.lines):
            await self.api.cart_remove([int(hold.token)], "release")

    async def _empty_basket(self) -> None:
        """Remove every line whose id can be read from the raw basket; best effort."""
        with contextlib.suppress(SiteError):
            ids = await self.api.cart_line_ids("hold")
            if ids:
                await self.api.cart_remove(ids, "hold")

    async def cancel(self, reference: str, starts_at: datetime) -> None:
        """Cancel by the order id autobook keeps (`complete_order_id`); the listing need not
        show it, so else the one booking at that start. The PATCH takes the booking's own id."""
        listed = await self.api.bookings("cancel", "all")
        named = [b for b in listed if reference in (b.order_id, str(b.id))]
        found = named or [b for b in listed if b.live and b.starts_at == starts_at]
        if not named and len(found) != 1:  # never cancel a booking we cannot tell is this one
            raise SlotTaken(
                f"the site lists {len(found) or 'no'} bookings that could be {reference}",
                step="cancel",
            )
        live = [b.id for b in found if b.live]
        if live:
            await self.api.cancel(live)

    # --- checkout -------------------------------------------------------------------------
    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        cart = await self._basket_for(hold)
        method = payment.method
        if dry_run or method in STOP_AT_PAY:
            await self.web.checkout(payment, dry_run=True, free=cart.total == 0)
            return None
        if cart.total == 0:  # the membership benefit covers it, whatever the method
            reference = await self.api.complete([])
        elif method is PaymentMethod.BENEFIT:
            raise PaymentDeclined(
                f"the membership benefit does not cover this booking ({cart.formatted_total})",
                step="pay",
            )
        elif method is PaymentMethod.CREDIT:
            reference = await self._pay_by_credit(cart)
        elif method in CARD_METHODS:
            reference = await self.web.checkout(payment, dry_run=False, free=False) or ""
        else:
            raise ConfigError(f"Better cannot pay by {method.value}", step="pay")
        return await self._confirmed(reference, hold)

    # --- live handoff: the card checkout is bound to the login's cookie, not to its URL ----
    live_handoff: ClassVar[bool] = True

    async def open_payment(self, hold: Hold, payment: Payment) -> Page:
        """The basket read back (the held line, and only it; money is final), then the
        checkout with a new card chosen and the billing filled, for a person to pay."""
        await self._basket_for(hold)
        return await self.web.for_person(payment)

    async def payment_outcome(self, page: Page) -> tuple[PageOutcome, bool]:
        return await person_outcome(page)

    async def _basket_for(self, hold: Hold) -> Cart:
        """The basket holding exactly this hold, read back just before paying (money is final);
        a dropped or expired hold is a lost slot. The site's answer to the hold itself, or to
        any basket change since, counts as that read while it is FRESH_BASKET_S old: right
        after a snipe's strike, release → booked is then the hold plus the checkout call."""
        cart = self.api.recent_cart(FRESH_BASKET_S) or await self.api.cart("pay")
        line = next((ln for ln in cart.lines if str(ln.id) == hold.token), None)
        if line is None:
            raise SlotTaken("the site dropped the hold before checkout", step="pay")
        wrong = _line_differs(line, hold)
        if wrong is not None:  # the engine gives the hold back
            raise WrongBooking(f"wrong booking: {wrong}; nothing was paid")
        return await self._drop_others(cart, int(hold.token), "pay")

    async def _pay_by_credit(self, cart: Cart) -> str:
        available = cart.credit_available(step="pay")
        if available < cart.total:
            raise PaymentDeclined(
                f"not enough account credit: {_money(available)} available, "
                f"{_money(cart.total)} needed",
                step="pay",
            )
        await self.api.apply_credits(cart.total)
        return await self.api.complete([{"tender_type": "credit", "amount": cart.total}])

    async def _confirmed(self, reference: str, hold: Hold) -> Confirmation:
        """The booking as the site lists it; the hold's details if that list is unavailable
        (the money is spent: a failing read must not fail the booking)."""
        with contextlib.suppress(SiteError):
            for booking in await self.api.bookings("confirm"):
                if booking.order_id == reference and booking.starts_at == hold.slot.starts_at:
                    listed = self._confirmation(booking)  # what the listing leaves out: the hold's
                    return replace(listed, court=listed.court or hold.slot.court,
                                   price=listed.price or hold.price or hold.slot.price)  # fmt: skip
        slot = hold.slot
        price, url = hold.price or slot.price, self._confirmed_url(reference)
        return Confirmation(reference, slot.starts_at, slot.ends_at, slot.court, price, url=url)

    def _confirmation(self, b: Booking) -> Confirmation:
        return Confirmation(
            reference=b.order_id,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            court=b.court,
            price=b.price,
            venue=b.venue_name,
            url=self._confirmed_url(b.order_id),
        )

    def _confirmed_url(self, reference: str) -> str:
        return f"{self.ctx.url('better_web').rstrip('/')}/booking-confirmed/{reference}"

    async def confirmation_page(self, confirmation: Confirmation) -> Page | None:
        if not confirmation.url:
            return None
        return await self.web.show(confirmation.url, step="screenshot")

    async def close(self) -> None:
        if self._api is not None:
            await self._api.close()


def _our_line(cart: Cart, court: Court) -> CartLine | None:
    """The basket line holding `court`: the line naming its slot id, or, where the lines name
    no slot at all (the notes leave them open), the only line there is."""
    for line in cart.lines:
        if court.id in line.slot_ids:
            return line
    if len(cart.lines) == 1 and not cart.lines[0].slot_ids:
        return cart.lines[0]
    return None


def _line_differs(line: CartLine, hold: Hold) -> str | None:
    """What the basket line says that is not what was held; only what the line shows."""
    at = hold.slot.starts_at.astimezone(LONDON)
    if line.day is not None and line.day != at.date():
        return f"the basket holds {line.day:%a %d %b %Y}, not {at:%a %d %b %Y}"
    if line.start is not None and line.start != at.time().replace(tzinfo=None):
        return f"the basket holds {line.start:%H:%M}, not {at:%H:%M}"
    asked = hold.extra.get("court")
    if line.court and asked and line.court.casefold() != str(asked).casefold():
        return f"the basket holds {line.court!r}, not {asked!r}"
    return None


def _taken_before_release(courts: list[Court]) -> set[int]:
    """Courts a snipe should not aim at: shown FULL, or, before the release (no status yet),
    listed with no space while another court of the session has one. If every court shows
    none, the listing says nothing about who holds what, and all stay in the running."""
    spare = any(c.spaces for c in courts)
    return {c.id for c in courts if c.status == FULL or (spare and c.spaces == 0)}


def _court_slot(s: Session, court: Court, taken: bool = False) -> Slot:
    return Slot(
        site_id=str(court.id),
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        court=court.name,
        price=court.price or s.price,
        bookable=s.status == BOOK and court.free_for_us,
        # A court already taken before the release will not be free at it: no release for it,
        # so a snipe never aims at it.
        released_at=None if taken else _opens_at(s),
        extra={"session": s, "court": court},
    )


def _session_slot(s: Session) -> Slot:
    return Slot(
        site_id=s.id,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        price=s.price,
        bookable=s.status == BOOK,
        released_at=_opens_at(s),
        extra={"session": s},
    )


def _opens_at(s: Session) -> datetime | None:
    """The release instant, only while the session waits for it (a null status): a full
    slot is not "unreleased", whatever its `first_bookable_at` says."""
    return s.released_at if s.status is None else None


def _money(pence: int) -> str:
    return f"£{pence / 100:.2f}"
