"""The booking vocabulary every layer speaks: what a site offers, what a task wants, what the
site answers, and the credentials and payment handed to it. Plain frozen values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from autobook.domain.release import ReleaseRule
from autobook.domain.tasks import PaymentMethod


# --- what a site offers ----------------------------------------------------------------------
@dataclass(frozen=True)
class Venue:
    key: str  # what the site calls it in URLs and requests
    name: str  # what a person reads
    sub_locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    duration_minutes: int | None = None


@dataclass(frozen=True)
class SiteInfo:
    """Static facts about a site: UI dropdowns, API enums and CLI choices come from here."""

    name: str  # the stable key, a `domain.sites.Site` value
    title: str
    zone: ZoneInfo
    venues: tuple[Venue, ...]
    activities: tuple[Activity, ...]
    payment_methods: tuple[PaymentMethod, ...]
    release: ReleaseRule
    transports: tuple[str, ...]  # "http", "browser"
    url_settings: tuple[str, ...]  # keys of `Settings.site_urls()` the adapter needs
    # CSS selectors of fields to mask in screenshots, beyond the generic card/password ones.
    sensitive_selectors: tuple[str, ...] = ()


# --- what a task wants, and what the site answers -------------------------------------------
@dataclass(frozen=True)
class Want:
    venue: str
    activity: str
    day: date
    times: tuple[time, ...]  # ordered preferences, local to the site
    sub_location: str | None = None
    duration_minutes: int | None = None
    courts: tuple[str, ...] = ()  # ordered preferences; others still acceptable


@dataclass(frozen=True)
class Slot:
    """One bookable unit (a court at a time, a class place). Hashable on what identifies it,
    so "newly free since the last poll" is a set difference."""

    site_id: str  # what the site needs to hold it: slot id, composite key, card index…
    starts_at: datetime  # zone-aware
    ends_at: datetime
    court: str | None = None
    price: str | None = None  # as the site shows it: "£14.00"
    bookable: bool = True  # False: listed but full or not released yet
    released_at: datetime | None = None  # the site's own release instant when it says so
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Hold:
    """A slot held for this account (in a cart, a widget session…), ready for checkout."""

    slot: Slot
    token: str  # cart item id, session id…
    price: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # When the site lets it go by itself at the latest, where that is known.
    until: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Confirmation:
    reference: str
    starts_at: datetime
    ends_at: datetime | None
    court: str | None
    price: str | None
    venue: str = ""
    url: str | None = None  # a page that shows it, for the screenshot


@dataclass(frozen=True)
class Credentials:
    login: str
    password: str = field(repr=False)
    display_name: str = ""
    phone: str = ""  # personal data, not a secret; sites whose booking form asks for it


@dataclass(frozen=True)
class Card:
    number: str = field(repr=False)
    expiry_month: str  # "01".."12"
    expiry_year: str  # two digits
    cvv: str | None = field(default=None, repr=False)
    holder: str = ""
    address_line_1: str = ""
    city: str = ""
    postcode: str = ""

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class Payment:
    method: PaymentMethod
    card: Card | None = None  # for CARD
    cvv: str | None = field(default=None, repr=False)  # for SAVED_CARD where the site asks
