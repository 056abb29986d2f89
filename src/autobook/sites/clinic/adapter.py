"""The clinic adapter (seed 004): a Moxie-style med-spa booking widget, driven in the browser.

The widget books guests, so there is no login: the task's account carries the patient instead —
its display name is the patient's full name, its login their email address and its phone their
mobile number, which step 4 asks for (the account's password is never used). Steps 1–4
(service, provider, date & time, details) are the hold; step 5 is paid by card, or handed to
a person through its URL (the URL carries the session, no cookie).

A slot is one provider's start time: `site_id` is `provider/YYYY-MM-DD/HH:MM`, the court is the
provider's name, the price the service's price (a £50 deposit of it is taken online).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from autobook.domain.accounts import PHONE_RULE, compact_phone
from autobook.domain.release import ReleaseRule
from autobook.domain.tasks import PaymentMethod
from autobook.sites.base import (
    Activity,
    AdapterContext,
    Card,
    ConfigError,
    Confirmation,
    Credentials,
    Hold,
    Payment,
    SiteAdapter,
    SiteInfo,
    Slot,
    SlotTaken,
    Venue,
    Want,
)
from autobook.sites.clinic.browser import (
    ANY_PROVIDER,
    Booked,
    CardEntry,
    Patient,
    ProviderOption,
    ServiceOption,
    Widget,
)

LONDON = ZoneInfo("Europe/London")
# The engine's step names, so a broken selector is reported where the engine was.
FIND, CHECK, HOLD, PAY, RELEASE = "find", "check existing", "hold", "pay", "release"

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

VENUE = Venue(
    key="lumen-skin-clinic",
    name="Lumen Skin Clinic, 12 Marylebone Lane",
    sub_locations=("brandi", "alex", "sam"),  # the providers; a task may insist on one
)
ACTIVITIES = (
    Activity("botox", "Botox", 30),
    Activity("lip-filler", "Lip Filler", 45),
    Activity("hydrafacial", "HydraFacial", 60),
    Activity("chemical-peel", "Chemical Peel", 45),
    Activity("microneedling", "Microneedling", 60),
)


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
        title="Lumen Skin Clinic (Moxie booking)",
        zone=LONDON,
        venues=(VENUE,),
        activities=ACTIVITIES,
        payment_methods=(PaymentMethod.CARD, PaymentMethod.HANDOFF),
        # A day opens for online booking 30 days ahead, at local midnight.
        release=ReleaseRule(zone=LONDON, days_ahead=30, at=time(0, 0)),
        transports=("browser",),
        url_settings=("clinic",),
        # The card fields, and the patient's mobile number: personal data a shared
        # screenshot need not carry.
        sensitive_selectors=("#card_number", "#expiry", "#cvv", "#phone"),
    )

    def __init__(self, ctx: AdapterContext, creds: Credentials) -> None:
        super().__init__(ctx, creds)
        # Sessions this adapter held, by URL: the only bookings it can ever see again,
        # since the widget has no "my appointments" page.
        self._held: dict[str, Slot] = {}
        self._tab = asyncio.Lock()

    async def login(self, saved_state: str | None) -> str | None:
        """Nothing to log in to; check the patient's details before any time is held."""
        patient_from(self.creds)
        return None

    @one_tab
    async def availability(self, want: Want) -> list[Slot]:
        _check_venue(want)
        widget = await self._widget()
        session = await widget.start(step=FIND)
        service = _pick_service(await widget.services(step=FIND), want.activity)
        await widget.choose_service(service.key, step=FIND)
        providers = _pick_providers(await widget.providers(step=FIND), want, service)
        slots: list[Slot] = []
        for i, provider in enumerate(providers):
            if i:
                await widget.open(f"{session}/step/2", step=FIND)
            await widget.choose_provider(provider.key, step=FIND)
            for hhmm in await widget.times(session, want.day, step=FIND):
                slots.append(_slot(service, provider, want.day, hhmm))
        return slots

    @one_tab
    async def bookings(self, want: Want) -> list[Confirmation]:
        """The widget lists no patient's appointments, so only the sessions this adapter held
        can be asked — enough to never pay twice when a payment's answer was lost."""
        if not self._held:
            return []
        widget = await self._widget()
        found = []
        for session, slot in self._held.items():
            booked = await widget.is_confirmed(session, step=CHECK)
            if booked is not None:
                found.append(_confirmation(slot, booked))
        return found

    @one_tab
    async def hold(self, slot: Slot, want: Want) -> Hold:
        """Steps 1–4 in a new session: service, provider, the slot's time, the patient."""
        provider, day, hhmm = _parse_site_id(slot.site_id)
        patient = patient_from(self.creds)
        widget = await self._widget()
        session = await widget.start(step=HOLD)
        await widget.choose_service(want.activity, step=HOLD)
        await widget.choose_provider(provider, step=HOLD)
        await widget.times(session, day, step=HOLD)
        await widget.choose_time(hhmm, step=HOLD)
        self._held[session] = slot
        await widget.fill_contact(patient, step=HOLD)
        step5 = f"{session}/step/5"
        await widget.at_payment(step5, step=HOLD)
        token = session.rsplit("/", 1)[-1]
        return Hold(slot, token, slot.price, extra={"session_url": session, "step5_url": step5})

    @one_tab
    async def checkout(self, hold: Hold, payment: Payment, *, dry_run: bool) -> Confirmation | None:
        """Step 5. HANDOFF stops there and keeps its URL for a person; CARD types the card and
        clicks "Book Appointment" unless this is a dry run."""
        method = payment.method
        if method not in (PaymentMethod.CARD, PaymentMethod.HANDOFF, PaymentMethod.NONE):
            raise ConfigError(f"payment_method: the clinic takes card or handoff, not {method}")
        widget = await self._widget()
        step5 = hold.extra["step5_url"]
        button = await widget.at_payment(step5, step=PAY)
        if button is None:  # already paid: by a person on the handoff page, or a lost answer
            return _confirmation(hold.slot, await widget.confirmation(step=PAY))
        if method is PaymentMethod.HANDOFF:
            hold.extra["handoff_url"] = step5
            return None
        entry = card_entry(payment) if method is PaymentMethod.CARD else None
        if entry is not None:
            await widget.type_card(entry, step=PAY)
        if dry_run or entry is None:
            return None  # at the final button, not clicked
        return _confirmation(hold.slot, await widget.pay(button, step=PAY))

    def handoff_url(self, hold: Hold) -> str:
        """The step-5 page a person opens, in any browser, to pay and finish the booking."""
        url = hold.extra.get("handoff_url")
        if not url:
            raise ValueError("the hold has not been handed off: run checkout with HANDOFF first")
        return str(url)

    @one_tab
    async def release(self, hold: Hold) -> None:
        """Switch the session to "First Available": the widget lets go of the held time."""
        session = hold.extra["session_url"]
        self._held.pop(session, None)
        widget = await self._widget()
        try:
            await widget.open(f"{session}/step/2", step=RELEASE)
            await widget.choose_provider(ANY_PROVIDER, step=RELEASE)
        except SlotTaken:
            pass  # the session is gone, and its hold with it

    async def _widget(self) -> Widget:
        page = await self.ctx.browser.page()
        return Widget(
            page, self.ctx.url("clinic"), self.info.zone, typing_delay_ms=self.ctx.typing_delay_ms
        )


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


# --- what the task asks for, against what the widget offers -----------------------------------
def _check_venue(want: Want) -> None:
    if want.venue != VENUE.key:
        raise ConfigError(f"venue: the clinic has one venue, {VENUE.key!r}, not {want.venue!r}")


def _pick_service(services: list[ServiceOption], key: str) -> ServiceOption:
    for service in services:
        if service.key == key:
            return service
    offered = ", ".join(s.key for s in services)
    raise ConfigError(f"activity: the clinic does not offer {key!r}; it offers {offered}")


def _pick_providers(
    providers: list[ProviderOption], want: Want, service: ServiceOption
) -> list[ProviderOption]:
    """The providers to look at: the one the task insists on, else everyone offering it."""
    if not want.sub_location:
        return providers
    wanted = want.sub_location.casefold()
    chosen = [p for p in providers if wanted in (p.key.casefold(), p.name.casefold())]
    if not chosen:
        names = ", ".join(p.key for p in providers)
        raise ConfigError(
            f"sub_location: {want.sub_location!r} does not offer {service.name}; {names} do"
        )
    return chosen


def _slot(service: ServiceOption, provider: ProviderOption, day: date, hhmm: str) -> Slot:
    start = datetime.combine(day, time.fromisoformat(hhmm), LONDON)
    return Slot(
        site_id=f"{provider.key}/{day.isoformat()}/{hhmm}",
        starts_at=start,
        ends_at=start + timedelta(minutes=service.minutes),
        court=provider.name,
        price=service.price,
        extra={"service": service.key},
    )


def _parse_site_id(site_id: str) -> tuple[str, date, str]:
    """`provider/YYYY-MM-DD/HH:MM` → provider key, day, "HH:MM"."""
    provider, day, hhmm = site_id.split("/")
    return provider, date.fromisoformat(day), hhmm


def _confirmation(slot: Slot, booked: Booked) -> Confirmation:
    return Confirmation(
        reference=booked.reference,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        court=booked.provider,
        price=booked.price,
        venue=VENUE.name,
        url=booked.url,
    )
