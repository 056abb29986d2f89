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
# Booking states that are certainly not live; the cancel PATCH's `update_type: cancellation`
# is the only one the notes name, refunds are the other way money comes back.
DEAD_STATES = ("cancel", "refund")


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
    start: time | None = None  # `starts_at.format_24_hour`, when the listing gives it
    in_basket: bool = False  # held by this account already (shown FULL to everyone)
    spaces: int | None = None  # `spaces`, when the listing gives a count

    @property
    def free_for_us(self) -> bool:
        return self.status == BOOK or self.in_basket


@dataclass(frozen=True)
class CartLine:
    """One basket line. The notes document only the cart's own fields, not its lines', so
    everything but the line id is read when present (also nested, e.g. under a
    `cartable_resource`) and None otherwise; the adapter then relies on what it asked for."""

    id: int
    slot_ids: frozenset[int]  # ids that may name the per-court slot held
    day: date | None
    start: time | None
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
    """One entry of `/my-account/bookings`. The notes name the endpoint, not its entries: the
    id and the date and start (read where they are found) are required; the rest is optional."""

    id: int
    order_id: str
    status: str | None
    venue_slug: str | None
    venue_name: str
    activity_slug: str | None
    day: date
    start: time
    end: time | None
    court: str | None
    price: str | None

    @property
    def live(self) -> bool:
        """Fail safe: anything but a cancelled or refunded state may be a live booking."""
        word = (self.status or "").casefold()
        return not any(dead in word for dead in DEAD_STATES)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start, tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime | None:
        return datetime.combine(self.day, self.end, tzinfo=LONDON) if self.end else None


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
        start=_opt_clock(_nested(item, "starts_at.format_24_hour")),
        in_basket=_in_basket(item.get("booking")),
        spaces=_count(item.get("spaces")),
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


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
    if not isinstance(item, dict):
        raise _changed(step, "data.items", "is not a list of objects")
    ident = item.get("id", item.get("cart_item_id"))  # the id `cart/remove` takes
    if ident is None:
        raise _changed(step, "data.items.id", "is missing (a basket line needs an id)")
    refs = [_nested(item, key) for key in SLOT_REFS]
    day, start = _when(item)
    return CartLine(
        id=_int(ident, "items.id", step),
        slot_ids=frozenset(int(r) for r in refs if _is_int(r)),
        day=day,
        start=start,
        court=_opt_str(_nested(item, "location.name")),
        price=_price(_nested(item, "price")),
    )


# Where a basket line may name the per-court slot it holds: our simulator's flat field and the
# polymorphic `cartable` shape public bots report (an id beside or inside `cartable_resource`).
SLOT_REFS = ("activity_slot_id", "cartable_id", "cartable_resource.id", "slot.id")


def booking(item: dict[str, Any], *, step: str) -> Booking:
    ident = _int(field(item, "id", step=step), "id", step)
    day, start = _when(item)
    if day is None or start is None:
        # Cannot tell when it is, so cannot tell it is not the wanted slot: never guess.
        raise _changed(step, f"data[id={ident}].date/starts_at", "cannot be read")
    order = _nested(item, "order_id")
    return Booking(
        id=ident,
        order_id=str(order if order not in (None, "") else ident),
        status=_opt_str(_nested(item, "status")),
        venue_slug=_opt_str(_nested(item, "venue_slug")),
        venue_name=str(_nested(item, "venue_name") or ""),
        activity_slug=_opt_str(_nested(item, "activity_slug")),
        day=day,
        start=start,
        end=_opt_clock(_nested(item, "ends_at.format_24_hour")),
        court=_opt_str(_nested(item, "location.name")),
        price=_price(_nested(item, "price")),
    )


def membership_id(user: Any) -> int | None:
    """`membership_user.id` of `GET /auth/user`'s `data`; "may be null" (notes), and an account
    without a membership may well have no `membership_user` at all."""
    ident = _nested(user, "membership_user.id")
    return int(ident) if _is_int(ident) else None


# --- scalar helpers ---------------------------------------------------------------------------
def _changed(step: str, path: str, what: str) -> SiteChanged:
    return SiteChanged(f"step {step}: field {path!r} {what}", step=step, selector=path)


def _int(value: Any, path: str, step: str) -> int:
    if not _is_int(value):
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


def _nested(item: Any, path: str) -> Any:
    """`item[a][b]` for "a.b", or the same path one object down (`cartable_resource`,
    `booking`…): sites nest a line's or a booking's details. None when not found."""
    found = _at(item, path)
    if found is None and isinstance(item, dict):
        for child in item.values():
            found = _at(child, path)
            if found is not None:
                break
    return found


def _when(item: Any) -> tuple[date | None, time | None]:
    """(date, start) of a line or booking: `date` and `starts_at.format_24_hour` as the times
    listing spells them, else an ISO `starts_at` instant."""
    day = _opt_day(_nested(item, "date"))
    start = _opt_clock(_nested(item, "starts_at.format_24_hour"))
    raw = _nested(item, "starts_at")
    try:
        instant = datetime.fromisoformat(raw) if isinstance(raw, str) and "T" in raw else None
    except ValueError:
        instant = None
    if instant is not None:
        local = instant.astimezone(LONDON) if instant.tzinfo else instant
        day, start = day or local.date(), start or local.time().replace(second=0, tzinfo=None)
    return day, start


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | str) and str(value).isdigit()


def _opt_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _opt_clock(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


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
