"""The gym of seed 002: members book hourly slots at Fitness, X1 (A/B) or X3 (A/B) with their
membership. Everything goes over the gym's JSON API; the browser only shows the booking (for the
confirmation screenshot) or, in a dry run, the slot's Book button that is never clicked.

The gym has no cart and no payment: the booking request is the commit, so `hold` only notes the
slot and `checkout` books it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

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
from autobook.domain.sites import SITE_NAMES, Site
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    AdapterContext,
    ConfigError,
    SiteAdapter,
    SiteChanged,
    SiteError,
    Transient,
    WrongBooking,
)
from autobook.sites.gym import browser
from autobook.sites.gym.api import AlreadyBooked, GymApi, SessionRejected
from autobook.sites.http import field

if TYPE_CHECKING:
    from playwright.async_api import Page

T = TypeVar("T")
LONDON = ZoneInfo("Europe/London")
ACTIVITY = Activity("gym-60min", "Gym session (60 min)", 60)
# Bookings are a membership benefit: the site charges nothing (its event log records price 0).
PRICE = "£0.00"
SLOT_LENGTH = timedelta(minutes=60)  # every slot is one hour, 06:00-22:00, never across DST


class GymAdapter(SiteAdapter):
    info = SiteInfo(
        name=Site.GYM.value,
        title=SITE_NAMES[Site.GYM],
        zone=LONDON,
        venues=(
            Venue("Fitness", "Fitness"),
            Venue("X1", "X1", ("A", "B")),
            Venue("X3", "X3", ("A", "B")),
        ),
        activities=(ACTIVITY,),
        payment_methods=(PaymentMethod.BENEFIT,),
        # The simulator's default lead; each slot's own `unlocks_at` comes with availability.
        release=ReleaseRule(zone=LONDON, hours_before=48),
        transports=("http", "browser"),
        url_settings=("gym",),
    )

    can_cancel = True

    def __init__(self, ctx: AdapterContext, creds: Credentials) -> None:
        super().__init__(ctx, creds)
        self._api: GymApi | None = None  # made on first use: a missing URL is a ConfigError then

    @property
    def api(self) -> GymApi:
        if self._api is None:
            self._api = GymApi(self.ctx.url("gym"))
        return self._api

    # --- the interface --------------------------------------------------------------------
    async def login(self, saved_state: str | None) -> str | None:
        token = _saved_token(saved_state)
        if token:
            self.api.token = token
            try:
                await self.api.me()
                return saved_state
            except SessionRejected:
                pass  # expired or logged out elsewhere: log in afresh
        return await self._fresh_login()

    async def availability(self, want: Want) -> list[Slot]:
        location, subs = area(want)
        slots: list[Slot] = []
        for sub in subs:
            listed, raw = await self._authed(
                lambda sub=sub: self.api.slots(want.day, location, sub)
            )
            # The day the answer says it lists, not the one asked for: a slot of another day
            # at the wanted hour is then never chosen.
            day = _opt_day(listed) or want.day
            slots += [_slot(item, day, location, sub, self.info) for item in raw]
        return slots

    async def bookings(self, want: Want) -> list[Confirmation]:
        location, subs = area(want)
        found = await self._authed(self.api.bookings)
        # Fail safe: only a booking the site calls cancelled is not live; a missing location
        # or sub-location does not rule one out.
        return [
            self._confirmation(b, step="bookings")
            for b in found
            if isinstance(b, dict)
            and "cancel" not in str(b.get("status") or "").casefold()
            and b.get("date") == want.day.isoformat()
            and b.get("location") in (None, location)
            and ("sub_location" not in b or b["sub_location"] in subs)
        ]

    async def hold(self, slot: Slot, want: Want) -> Hold:
        # No cart: the booking request itself takes the place, so there is nothing to hold.
        return Hold(slot=slot, token=slot.site_id, price=PRICE)

    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        if payment.method not in (PaymentMethod.BENEFIT, PaymentMethod.NONE):
            raise ConfigError(
                f"payment method {payment.method.value!r}: the gym only books with the "
                "membership (benefit)",
                step="checkout",
            )
        slot = parse_site_id(hold.token)
        if dry_run or payment.method is PaymentMethod.NONE:
            await browser.book_button(self.ctx, self.creds, self.api.base_url, slot)
            return None
        day, sub = date.fromisoformat(slot["date"]), slot["sub_location"] or None
        try:
            data = await self._authed(
                lambda: self.api.book(day, slot["time"], slot["location"], sub)
            )
        except AlreadyBooked:
            return await self._existing(hold.slot)
        booked = self._confirmation(data, step="checkout")
        await self._check_booked(booked, hold.slot)
        return booked

    async def _check_booked(self, booked: Confirmation, slot: Slot) -> None:
        """The booking request is the commit, so the answer is read back at once: a booking of
        another day, time or area is cancelled again (it costs nothing) and fails the attempt."""
        wrong = _differs(booked, slot)
        if wrong is None:
            return
        try:
            await self._authed(lambda: self.api.cancel(booked.reference))
            undone = f"booking {booked.reference} was cancelled again"
        except SiteError as exc:
            undone = f"cancelling booking {booked.reference} failed ({exc.message}): check it"
        raise WrongBooking(f"wrong booking: {wrong}; {undone}", step="checkout")

    async def cancel(self, reference: str, starts_at: datetime) -> None:
        await self._authed(lambda: self.api.cancel(reference))

    async def confirmation_page(self, confirmation: Confirmation) -> Page | None:
        if not confirmation.url:
            return None
        return await browser.confirmation(self.ctx, self.creds, confirmation.url)

    async def close(self) -> None:
        if self._api is not None:
            await self._api.close()

    # --- helpers --------------------------------------------------------------------------
    async def _fresh_login(self) -> str:
        return json.dumps(await self.api.login(self.creds.login, self.creds.password))

    async def _authed(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call`, logging in again once if the site dropped the session meanwhile."""
        try:
            return await call()
        except SessionRejected:
            await self._fresh_login()
        try:
            return await call()
        except SessionRejected as exc:
            raise Transient(
                f"{exc.message} (the site rejected a session it had just opened)", step=exc.step
            ) from None

    async def _existing(self, slot: Slot) -> Confirmation:
        """The account already holds `slot` (an earlier answer was lost): that booking."""
        for booking in await self._authed(self.api.bookings):
            if isinstance(booking, dict) and _key_of(booking) == slot.site_id:
                return self._confirmation(booking, step="checkout")
        raise SiteChanged(
            "step checkout: the gym says this slot is already booked but lists no such booking",
            step="checkout",
            selector="bookings",
        )

    def _confirmation(self, data: Any, *, step: str) -> Confirmation:
        """A booking as the site answers it. The notes promise a reference, the date, the time
        slot, the location and the sub-location; `starts_at`/`ends_at` are optional."""
        reference = str(field(data, "reference", step=step))
        starts_at = _starts_at(data, step)
        return Confirmation(
            reference=reference,
            starts_at=starts_at,
            ends_at=starts_at + SLOT_LENGTH,
            court=data.get("sub_location") or None,
            price=PRICE,
            venue=str(field(data, "location", step=step)),
            url=f"{self.api.base_url}/bookings/{reference}",
        )


# --- pure helpers: what the task wants in the site's terms, and the site's answers in ours ------
def area(want: Want) -> tuple[str, tuple[str | None, ...]]:
    """The location and the sub-locations to look at; every one of them when none is named, so
    court preferences (A, B) can order them. Bad input is a `ConfigError` naming the field."""
    venues = {v.key: v for v in GymAdapter.info.venues}
    venue = venues.get(want.venue)
    if venue is None:
        raise ConfigError(f"venue {want.venue!r} is not a gym location ({', '.join(venues)})")
    if want.activity not in ("", ACTIVITY.key):
        raise ConfigError(f"activity {want.activity!r} is not offered (only {ACTIVITY.key!r})")
    if want.duration_minutes not in (None, ACTIVITY.duration_minutes):
        raise ConfigError(f"duration_minutes {want.duration_minutes}: gym slots last 60 minutes")
    if not venue.sub_locations:
        if want.sub_location:
            raise ConfigError(f"sub_location {want.sub_location!r}: {venue.key} has none")
        return venue.key, (None,)
    if want.sub_location is None:
        return venue.key, venue.sub_locations
    if want.sub_location not in venue.sub_locations:
        raise ConfigError(
            f"sub_location {want.sub_location!r}: {venue.key} has "
            f"{' and '.join(venue.sub_locations)}"
        )
    return venue.key, (want.sub_location,)


def site_id(day: str, at: str, location: str, sub: str | None) -> str:
    """The site's own slot key: `2027-01-15T07:00|X1|A`, or `2027-01-15T07:00|Fitness`."""
    key = f"{day}T{at}|{location}"
    return f"{key}|{sub}" if sub else key


def parse_site_id(value: str) -> dict[str, str]:
    head, _, rest = value.partition("|")
    day, _, at = head.partition("T")
    location, _, sub = rest.partition("|")
    return {"date": day, "time": at, "location": location, "sub_location": sub}


def _key_of(booking: dict[str, Any]) -> str:
    return site_id(
        str(booking.get("date")),
        str(booking.get("time")),
        str(booking.get("location")),
        booking.get("sub_location"),
    )


def _slot(item: Any, day: date, location: str, sub: str | None, info: SiteInfo) -> Slot:
    step = "availability"
    at = str(field(item, "time", step=step))
    status = str(field(item, "status", step=step))
    mine = bool(item.get("booked_by_me"))
    day = _opt_day(item.get("date")) or day
    starts_at = _starts_at({"date": day.isoformat(), "time": at, **item}, step)
    unlocks = _opt_instant(item.get("unlocks_at"))
    if status == "locked" and unlocks is None:  # not given: the usual lead before the start
        unlocks = info.release.release_at(starts_at.date(), starts_at.time())
    return Slot(
        site_id=site_id(starts_at.date().isoformat(), at, location, sub),
        starts_at=starts_at,
        ends_at=starts_at + SLOT_LENGTH,
        court=sub,
        price=PRICE,
        bookable=status == "open" and not mine,
        # Only a locked slot's unlock instant is news; the engine waits for it.
        released_at=unlocks if status == "locked" else None,
        extra={
            "status": status,
            "available": item.get("available"),
            "my_reference": item.get("my_reference"),
        },
    )


def _starts_at(data: dict[str, Any], step: str) -> datetime:
    """`starts_at` when the site gives it, else the date and time slot (which the notes
    promise) on the gym's clock."""
    if data.get("starts_at"):
        return _instant(data["starts_at"], "starts_at", step)
    day = _opt_day(field(data, "date", step=step))
    try:
        at = time.fromisoformat(str(field(data, "time", step=step)))
    except ValueError:
        at = None
    if day is None or at is None:
        raise SiteChanged(
            f"step {step}: the booking's date or time cannot be read", step=step, selector="date"
        )
    return datetime.combine(day, at, tzinfo=LONDON)


def _differs(booked: Confirmation, slot: Slot) -> str | None:
    """What a booking answer says that is not the requested slot; None when all agree."""
    got, asked = booked.starts_at.astimezone(LONDON), slot.starts_at.astimezone(LONDON)
    if got != asked:
        return f"the gym booked {got:%a %d %b %H:%M}, the task asked for {asked:%a %d %b %H:%M}"
    if booked.court and booked.court != slot.court:  # compared only where the answer says
        return f"the gym booked area {booked.court!r}, the task asked for {slot.court!r}"
    return None


def _opt_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _opt_instant(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _instant(value: Any, name: str, step: str) -> datetime:
    """A zone-aware ISO 8601 instant from the site; anything else means the site changed."""
    try:
        parsed: datetime | None = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise SiteChanged(
            f"step {step}: field {name!r} is not an instant ({str(value)[:40]!r})",
            step=step,
            selector=name,
        )
    return parsed


def _saved_token(saved_state: str | None) -> str | None:
    try:
        data = json.loads(saved_state or "")
    except ValueError:
        return None
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None
