"""The clinic adapter (seed 004): any Moxie-style booking page, given by its URL.

The clinic's data is read where its page has it (a Moxie page's catalogue and the GraphQL
`AvailableTimeSlots`, see `api.py`), so watching a task costs one small request per provider
and no browser. A page without that data is read in the browser (`browser.py`). The browser
is always what books: steps up to the payment page are the hold; the payment page is paid by
card, or handed to a person at the URL the browser is on.

The widget books guests, so there is no login: the task's account carries the patient — its
display name is the patient's full name, its login their email address and its phone their
mobile number (the account's password is never used).

The venue is the clinic (its slug, or the slug of its name), the activity a service (the slug
of its name: "HydraFacial" → "hydrafacial"), the sub-location and courts its providers. A
slot's `site_id` is `provider-key/YYYY-MM-DD/HH:MM`, its court the provider's name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from autobook.domain.accounts import PHONE_RULE, compact_phone
from autobook.domain.booking import (
    Activity,
    Card,
    Confirmation,
    Credentials,
    Hold,
    Payment,
    SiteInfo,
    Slot,
    Venue,
    Want,
)
from autobook.domain.handoff import Lead, SessionRequest
from autobook.domain.release import ReleaseRule
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    AdapterContext,
    ConfigError,
    NotReleased,
    PaymentDeclined,
    PaymentUnknown,
    SiteAdapter,
    SiteChanged,
    SlotTaken,
)
from autobook.sites.clinic.api import (
    ClinicApi,
    cached_catalogue,
    fetch_catalogue_now,
    known_catalogues,
    remember,
)
from autobook.sites.clinic.browser import (
    CardEntry,
    Patient,
    Widget,
    read_pages,
    sensitive_selectors,
)
from autobook.sites.clinic.catalogue import Catalogue, Provider, Service
from autobook.sites.clinic.profiles import profile_for
from autobook.sites.outcome import Outcome, PageOutcome

LONDON = ZoneInfo("Europe/London")
# The engine's step names, so a broken page is reported where the engine was.
FIND, CHECK, HOLD, PAY = "find", "check existing", "hold", "pay"
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NO_REFERENCE = "(no number shown)"
RELEASE = ReleaseRule(zone=LONDON, days_ahead=30, at=time(0, 0))

P = ParamSpec("P")
R = TypeVar("R")


def one_tab(
    method: Callable[Concatenate[ClinicAdapter, P], Awaitable[R]],
) -> Callable[Concatenate[ClinicAdapter, P], Awaitable[R]]:
    """Run the method alone in the account's one tab: a snipe fires holds concurrently, and
    two walks through the widget in one tab would navigate each other away."""

    @functools.wraps(method)
    async def alone(self: ClinicAdapter, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self._tab:
            return await method(self, *args, **kwargs)

    return alone


class ClinicAdapter(SiteAdapter):
    info = SiteInfo(
        name="clinic",
        title="A clinic's Moxie-style booking page",
        zone=LONDON,
        venues=(),  # what a clinic offers comes from its page: see `offered`
        activities=(),
        payment_methods=(PaymentMethod.CARD, PaymentMethod.HANDOFF),
        # A day opens for online booking 30 days ahead, at local midnight.
        release=RELEASE,
        transports=("http", "browser"),
        url_settings=("clinic",),
        # The fields the driver typed card data or the mobile number into.
        sensitive_selectors=tuple(sensitive_selectors()),
    )

    # The widget books guests, and its slots are public (moxie.md: no auth for public
    # booking): one reader serves every patient's watch tasks.
    listing_is_public: ClassVar[bool] = True

    def __init__(self, ctx: AdapterContext, creds: Credentials) -> None:
        super().__init__(ctx, creds)
        self.booking_url = ctx.url("clinic")
        self.profile = profile_for(self.booking_url)
        self.api = ClinicApi(self.booking_url, self.info.zone, graphql_url=self.profile.graphql)
        # Payment pages this adapter reached, by URL: the only bookings it can ever see
        # again, since the widget has no "my appointments" page.
        self._held: dict[str, Slot] = {}
        self._tab = asyncio.Lock()
        self._venue_name = ""  # the clinic's name, once its page or data was read

    @classmethod
    def offered(cls, urls: dict[str, str | None], *, browse: bool = False) -> SiteInfo:
        """The clinic's own services and providers: from its page's data, else (with
        `browse`) from its pages in a browser. Both are cached for `CATALOGUE_TTL_S`."""
        url = urls.get("clinic")
        if not url:
            return cls.info
        catalogue = fetch_catalogue_now(url)
        if catalogue is None and browse:
            catalogue = read_pages_cached(url)
        if catalogue is None:
            return cls.info
        return dataclasses.replace(cls.info, venues=(_venue(catalogue),),
                                   activities=_activities(catalogue))  # fmt: skip

    @classmethod
    def known(cls) -> SiteInfo:
        catalogues = known_catalogues()
        return dataclasses.replace(
            cls.info,
            venues=tuple(_venue(c) for c in catalogues),
            activities=tuple(a for c in catalogues for a in _activities(c)),
        )

    async def login(self, saved_state: str | None) -> str | None:
        """Nothing to log in to; check the patient's details before any time is held."""
        patient_from(self.creds)
        return None

    async def close(self) -> None:
        await self.api.aclose()

    # --- finding --------------------------------------------------------------------------
    @one_tab
    async def availability(self, want: Want) -> list[Slot]:
        catalogue = await self.api.catalogue(step=FIND)
        if catalogue is not None:
            self._venue_name = catalogue.name
            return await self._from_data(catalogue, want)
        return await self._from_page(want)

    async def _from_data(self, catalogue: Catalogue, want: Want) -> list[Slot]:
        service = _pick_service(catalogue, want)
        slots = []
        for provider in _pick_providers(service.providers, want, service):
            for free in await self.api.time_slots(catalogue, service, provider, want.day,
                                                  step=FIND):  # fmt: skip
                slots.append(_slot(service, provider, free.start, free.end))
        if not slots:
            self._unless_released(want.day, self.api.site_now)
        return slots

    async def _from_page(self, want: Want) -> list[Slot]:
        widget = await self._widget()
        await widget.open(step=FIND)
        catalogue = await widget.catalogue(step=FIND)
        self._venue_name = catalogue.name
        service = _pick_service(catalogue, want)
        providers = await widget.providers(service, step=FIND)
        slots: list[Slot] = []
        for i, provider in enumerate(_pick_providers(providers, want, service)):
            if i:
                await widget.open(step=FIND)
                await widget.choose_service(service, step=FIND)
            await widget.choose_provider(provider, step=FIND)
            try:
                await widget.choose_day(want.day, step=FIND)
            except SlotTaken:  # the day shows as unavailable with this provider
                continue
            except SiteChanged:  # no way to the day: not open yet is likelier than a redesign
                self._unless_released(want.day, None)
                raise
            for at in await widget.times(step=FIND):
                start = datetime.combine(want.day, at, self.info.zone)
                slots.append(_slot(service, provider, start, None))
        return slots

    def _unless_released(self, day: date, site_now: datetime | None) -> None:
        """NotReleased when `day` is not open yet by the site's clock (else ours): for pages
        that do not say so themselves."""
        opens = self.info.release.release_at(day, time(0))
        if opens > (site_now or datetime.now(UTC)):
            raise NotReleased(
                f"step {FIND}: online booking for {day:%-d %B %Y} opens on "
                f"{opens.astimezone(self.info.zone):%A %-d %B %Y} at midnight",
                step=FIND, opens_at=opens,
            )  # fmt: skip

    @one_tab
    async def bookings(self, want: Want) -> list[Confirmation]:
        """Only the payment pages this adapter reached can be asked: a paid one shows its
        confirmation when opened again (enough to never pay twice when an answer was lost)."""
        found = []
        for url, slot in self._held.items():
            if url.rstrip("/") == self.booking_url.rstrip("/"):
                continue  # a page that keeps its steps in memory: its URL tells nothing
            widget = await self._widget()
            await widget.page.goto(url)
            seen = await widget.outcome_now()
            if seen.outcome is Outcome.SUCCESS:
                found.append(_confirmation(slot, seen, self._venue_name))
        return found

    # --- holding and paying ---------------------------------------------------------------
    @one_tab
    async def hold(self, slot: Slot, want: Want) -> Hold:
        """Every step before payment, in a new visit: service, provider, day, time, patient."""
        patient = patient_from(self.creds)
        service = Service(slot.extra["service_key"], slot.extra["service"], 0)
        provider = Provider(slot.extra["provider_key"], str(slot.court))
        at = slot.starts_at.astimezone(self.info.zone)
        widget = await self._widget()
        await widget.open(step=HOLD)
        await widget.choose_service(service, step=HOLD)
        await widget.choose_provider(provider, step=HOLD)
        await widget.choose_day(at.date(), step=HOLD)
        await widget.choose_time(at.time().replace(tzinfo=None), step=HOLD)
        await widget.fill_to_payment(patient, step=HOLD)
        url = widget.page.url  # followed, never built: what the browser is on now
        self._held[url] = slot
        return Hold(slot, url, slot.price, extra={"payment_url": url})

    @one_tab
    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        """The payment step. HANDOFF stops there and keeps its URL for a person; CARD types
        the card and clicks the pay button unless this is a dry run."""
        method = payment.method
        if method not in (PaymentMethod.CARD, PaymentMethod.HANDOFF, PaymentMethod.NONE):
            raise ConfigError(f"payment_method: the clinic takes card or handoff, not {method}")
        widget = await self._widget()
        if not await widget.at_payment():  # another page: the payment page's URL, followed
            await widget.page.goto(hold.extra["payment_url"])
            seen = await widget.outcome_now()
            if seen.outcome is Outcome.SUCCESS:  # paid meanwhile: by a person, or an answer lost
                return _confirmation(hold.slot, seen, self._venue_name)
            if seen.outcome is Outcome.SESSION_GONE or not await widget.at_payment():
                raise SlotTaken(f"step {PAY}: the payment page is gone ({seen.reason})", step=PAY)
        if method is PaymentMethod.HANDOFF:
            hold.extra["handoff_url"] = widget.page.url
            # A page that keeps its steps in memory stays on the booking page's URL.
            hold.extra["url_carries_session"] = (
                widget.page.url.rstrip("/") != self.booking_url.rstrip("/")
            )
            return None
        if method is PaymentMethod.NONE:
            return None
        chosen = None if hold.slot.extra.get("any_provider") else hold.slot.court
        await widget.verify(hold.slot.starts_at, chosen, step=PAY)
        button = await widget.type_card(card_entry(payment), step=PAY)
        if dry_run:
            return None  # at the final button, not clicked
        return self._paid(hold, await widget.pay(button))

    def _paid(self, hold: Hold, seen: PageOutcome) -> Confirmation:
        """The outcome the page shows after paying, mapped to a confirmation or an error."""
        if seen.outcome is Outcome.SUCCESS:
            return _confirmation(hold.slot, seen, self._venue_name)
        if seen.outcome in (Outcome.DECLINED, Outcome.EXPIRED):
            raise PaymentDeclined(seen.reason, step=PAY)
        if seen.outcome in (Outcome.SLOT_UNAVAILABLE, Outcome.SESSION_GONE):
            raise SlotTaken(f"step {PAY}: {seen.reason}", step=PAY)
        raise PaymentUnknown(
            f"after the pay button the page at {seen.url} shows no confirmation and no error",
            step=PAY,
        )

    def handoff_url(self, hold: Hold) -> str:
        """The payment page a person opens to pay and finish the booking."""
        url = hold.extra.get("handoff_url")
        if not url:
            raise ValueError("the hold has not been handed off: run checkout with HANDOFF first")
        return str(url)

    def walk_request(self, hold: Hold) -> SessionRequest:
        """The steps to `hold`'s payment page, for a booking session to walk again: a widget
        that keeps them in memory (the real six-step one) has no URL a person could open."""
        patient = patient_from(self.creds)
        slot = hold.slot
        at = slot.starts_at.astimezone(self.info.zone)
        lead = Lead(patient.first_name, patient.last_name, patient.phone, patient.email)
        return SessionRequest(
            booking_url=self.booking_url, day=at.date(), at=at.time().replace(tzinfo=None),
            lead=lead, service=slot.extra.get("service"),
            provider=None if slot.extra.get("any_provider") else slot.court,
        )  # fmt: skip

    async def release(self, hold: Hold) -> None:
        """The widget has no "cancel": a held time goes back when the visit's session ends."""
        self._held.pop(hold.extra["payment_url"], None)

    async def _widget(self) -> Widget:
        page = await self.ctx.browser.page()
        delay = self.ctx.typing_delay_ms
        return Widget(page, self.booking_url, self.info.zone, typing_delay_ms=delay,
                      hints=self.profile.hints, answer_wait_s=self.ctx.answer_wait_s)  # fmt: skip


def read_pages_cached(url: str) -> Catalogue:
    """A clinic page without data, read as a person would (the task form's first visit)."""
    key = f"{url}#pages"
    known, catalogue = cached_catalogue(key)
    if not known or catalogue is None:
        catalogue = asyncio.run(read_pages(url, LONDON, profile_for(url).hints))
        remember(key, catalogue)
    return catalogue


# --- the patient and the card, from what the engine hands over ---------------------------------
def patient_from(creds: Credentials) -> Patient:
    """The patient of the task's account; ConfigError naming the account field that is wrong."""
    if not (creds.login or creds.display_name):
        raise ConfigError(
            "account_ids: the clinic books for a patient; give the task an account with the "
            "patient's full name, email address and mobile number"
        )
    first, _, last = " ".join(creds.display_name.split()).rpartition(" ")
    if not first or not last:
        raise ConfigError("account display_name: the clinic needs the patient's full name")
    email = creds.login.strip()
    if not EMAIL_RE.fullmatch(email):
        raise ConfigError("account login: the clinic needs the patient's email address")
    try:
        phone = compact_phone(creds.phone)
    except ValueError:  # missing, or not a number: the message never repeats the value
        raise ConfigError(
            f"account phone: the clinic needs the patient's mobile number, {PHONE_RULE}"
        ) from None
    return Patient(first, last, phone, email)


def card_entry(payment: Payment) -> CardEntry:
    card: Card | None = payment.card
    if card is None:
        raise ConfigError("payment_profile_id: paying by card needs a payment profile")
    cvv = card.cvv or payment.cvv
    if not cvv:
        raise ConfigError("payment profile cvv: the clinic's payment form asks for the CVV")
    return CardEntry(card.number, f"{card.expiry_month}/{card.expiry_year}", cvv)


# --- what the task asks for, against what the clinic offers -----------------------------------
def _venue(catalogue: Catalogue) -> Venue:
    return Venue(catalogue.key, catalogue.name, tuple(p.key for p in catalogue.providers()))


def _activities(catalogue: Catalogue) -> tuple[Activity, ...]:
    return tuple(Activity(s.key, s.name, s.minutes) for s in catalogue.services)


def _pick_service(catalogue: Catalogue, want: Want) -> Service:
    if want.venue.casefold() not in (catalogue.key, catalogue.name.casefold()):
        raise ConfigError(f"venue: this booking page is {catalogue.key!r}, not {want.venue!r}")
    for service in catalogue.services:
        if service.answers_to(want.activity):
            return service
    offered = ", ".join(s.key for s in catalogue.services)
    raise ConfigError(f"activity: the clinic does not offer {want.activity!r}; it offers {offered}")


def _pick_providers(
    providers: tuple[Provider, ...], want: Want, service: Service
) -> list[Provider]:
    """The providers to look at: the one the task insists on, else everyone offering it."""
    if not want.sub_location:
        return list(providers)
    chosen = [p for p in providers if p.answers_to(want.sub_location)]
    if not chosen:
        names = ", ".join(p.key for p in providers)
        raise ConfigError(
            f"sub_location: {want.sub_location!r} does not offer {service.name}; {names} do"
        )
    return chosen


def _slot(service: Service, provider: Provider, start: datetime, end: datetime | None) -> Slot:
    local = start.astimezone(LONDON)
    return Slot(
        site_id=f"{provider.key}/{local:%Y-%m-%d}/{local:%H:%M}",
        starts_at=start,
        ends_at=end or start + timedelta(minutes=service.minutes),
        court=provider.name,
        price=service.price,
        extra={"service": service.name, "service_key": service.key, "provider_key": provider.key},
    )


def _confirmation(slot: Slot, seen: PageOutcome, venue: str) -> Confirmation:
    return Confirmation(
        reference=seen.reference or NO_REFERENCE,  # paid is paid, number shown or not
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        court=slot.court,
        price=slot.price,
        venue=venue,
        url=seen.url,
    )
