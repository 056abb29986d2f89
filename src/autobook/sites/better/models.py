"""Typed values parsed from the Better API's JSON at the edge, so the adapter never indexes raw
dicts. A field the adapter relies on that is missing or malformed is `SiteChanged`, naming it;
fields the site documents as optional (`first_bookable_at`, a null `action_to_show.status`)
are optional here too — a null status crashing a parser lost a public bot its slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from autobook.sites.base import SiteChanged
from autobook.sites.http import field

LONDON = ZoneInfo("Europe/London")
BOOK, FULL = "BOOK", "FULL"


@dataclass(frozen=True)
class Session:
    """One entry of `/v2/times`: a start time at a venue, all courts together."""

    id: str
    day: date
    start: time
    end: time
    status: str | None  # BOOK, FULL, or None before release
    price: str | None
    composite_key: str | None
    released_at: datetime | None  # `first_bookable_at.utc`

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start, tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.end, tzinfo=LONDON)


@dataclass(frozen=True)
class Court:
    """One entry of `/v2/slots`: one court of a session, with what `cart/add` needs."""

    id: int
    pricing_option_id: int
    cart_type: str
    name: str
    status: str | None
    price: str | None
    in_basket: bool = False  # held by this account already (shown FULL to everyone)

    @property
    def free_for_us(self) -> bool:
        return self.status == BOOK or self.in_basket


@dataclass(frozen=True)
class CartLine:
    id: int
    court_id: int | None  # `activity_slot_id`: the per-court slot held
    session_id: str | None  # `slot_id`: the v2 session id
    day: date
    start: time
    court: str | None
    price: str | None


@dataclass(frozen=True)
class Cart:
    total: int  # pence
    formatted_total: str
    lines: tuple[CartLine, ...]
    raw: dict[str, Any]  # the `data` object, for fields only one payment path reads

    def credit_available(self, *, step: str) -> int:
        """General account credit, in pence; a renamed block must stop credit use loudly."""
        value = field(self.raw, "credits.general.total_available", step=step)
        return _int(value, "credits.general.total_available", step)


@dataclass(frozen=True)
class Booking:
    id: int
    order_id: str
    status: str
    venue_slug: str
    venue_name: str
    activity_slug: str | None
    day: date
    start: time
    end: time
    court: str | None
    price: str | None

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start, tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.end, tzinfo=LONDON)


# --- parsers ----------------------------------------------------------------------------------
def data_list(body: Any, *, step: str) -> list[dict[str, Any]]:
    items = field(body, "data", step=step)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _changed(step, "data", "is not a list of objects")
    return items


def session(item: dict[str, Any], *, step: str) -> Session:
    action = field(item, "action_to_show", step=step)
    status = action.get("status") if isinstance(action, dict) else None
    return Session(
        id=str(field(item, "id", step=step)),
        day=_day(field(item, "date", step=step), "date", step),
        start=_clock(field(item, "starts_at.format_24_hour", step=step), "starts_at", step),
        end=_clock(field(item, "ends_at.format_24_hour", step=step), "ends_at", step),
        status=status if isinstance(status, str) else None,
        price=_price(item.get("price")),
        composite_key=_opt_str(item.get("composite_key")),
        released_at=_instant(item.get("first_bookable_at")),
    )


def court(item: dict[str, Any], *, step: str) -> Court:
    action = field(item, "action_to_show", step=step)
    status = action.get("status") if isinstance(action, dict) else None
    return Court(
        id=_int(field(item, "id", step=step), "id", step),
        pricing_option_id=_int(
            field(item, "pricing_option_id", step=step), "pricing_option_id", step
        ),
        cart_type=str(item.get("cart_type") or "activity"),
        name=str(field(item, "location.name", step=step)),
        status=status if isinstance(status, str) else None,
        price=_price(item.get("price")),
        in_basket=_in_basket(item.get("booking")),
    )


def _in_basket(booking: Any) -> bool:
    return isinstance(booking, dict) and booking.get("status") == "IN_BASKET"


def cart(body: Any, *, step: str) -> Cart:
    data = field(body, "data", step=step)
    lines = field(data, "items", step=step)
    if not isinstance(lines, list):
        raise _changed(step, "data.items", "is not a list")
    return Cart(
        total=_int(field(data, "total", step=step), "data.total", step),
        formatted_total=str(data.get("formattedTotal") or ""),
        lines=tuple(_cart_line(line, step) for line in lines),
        raw=data,
    )


def _cart_line(item: Any, step: str) -> CartLine:
    court_id = item.get("activity_slot_id") if isinstance(item, dict) else None
    location = item.get("location") if isinstance(item, dict) else None
    return CartLine(
        id=_int(field(item, "id", step=step), "items.id", step),
        court_id=court_id if isinstance(court_id, int) else None,
        session_id=_opt_str(item.get("slot_id")),
        day=_day(field(item, "date", step=step), "items.date", step),
        start=_clock(field(item, "starts_at.format_24_hour", step=step), "items.starts_at", step),
        court=_opt_str(location.get("name")) if isinstance(location, dict) else None,
        price=_price(item.get("price")),
    )


def booking(item: dict[str, Any], *, step: str) -> Booking:
    location = item.get("location")
    return Booking(
        id=_int(field(item, "id", step=step), "id", step),
        order_id=str(item.get("order_id") or field(item, "id", step=step)),
        status=str(field(item, "status", step=step)),
        venue_slug=str(field(item, "venue_slug", step=step)),
        venue_name=str(item.get("venue_name") or ""),
        activity_slug=_opt_str(item.get("activity_slug")),
        day=_day(field(item, "date", step=step), "date", step),
        start=_clock(field(item, "starts_at.format_24_hour", step=step), "starts_at", step),
        end=_clock(field(item, "ends_at.format_24_hour", step=step), "ends_at", step),
        court=_opt_str(location.get("name")) if isinstance(location, dict) else None,
        price=_price(item.get("price")),
    )


def membership_id(user: Any, *, step: str) -> int | None:
    """`membership_user.id` of a user object; null for accounts without a membership."""
    member = field(user, "membership_user", step=step)
    ident = member.get("id") if isinstance(member, dict) else None
    return ident if isinstance(ident, int) else None


# --- scalar helpers ---------------------------------------------------------------------------
def _changed(step: str, path: str, what: str) -> SiteChanged:
    return SiteChanged(f"step {step}: field {path!r} {what}", step=step, selector=path)


def _int(value: Any, path: str, step: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise _changed(step, path, "is not a whole number")
    return int(value)


def _day(value: Any, path: str, step: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _changed(step, path, "is not a YYYY-MM-DD date") from None


def _clock(value: Any, path: str, step: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise _changed(step, path, "is not an HH:MM time") from None


def _instant(value: Any) -> datetime | None:
    raw = value.get("utc") if isinstance(value, dict) else None
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _price(value: Any) -> str | None:
    text = value.get("formatted_amount") if isinstance(value, dict) else None
    return text if isinstance(text, str) else None


def _opt_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
