"""The simulator's in-memory records: users, sessions and their places, carts, bookings, cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from autobook.sandbox.better.catalog import Activity, Venue


@dataclass
class SavedCard:
    identifier: str  # reusable card identifier on the payment origin
    last4: str
    expiry: str  # MMYY
    card_type: str
    cvv: str  # the sim's secret to check the CVC against; never echoed or logged


@dataclass
class User:
    id: int
    email: str
    customer_id: str
    password: str
    first_name: str
    last_name: str
    membership_user_id: int | None
    benefit: bool = False  # membership benefit: badminton court hire at £0
    credit_pence: int = 0
    saved_card: SavedCard | None = None

    @property
    def login(self) -> str:
        return self.email


@dataclass
class Place:
    """One bookable unit of a session: a court (court hire) or a space (drop-in)."""

    slot_id: int
    number: int
    booking_id: int | None = None
    hold_item_id: int | None = None

    @property
    def free(self) -> bool:
        return self.booking_id is None and self.hold_item_id is None


@dataclass
class Session:
    key: str
    venue: Venue
    activity: Activity
    day: date
    start: time
    end: time
    id: str
    composite_key: str
    places: list[Place]

    def place_name(self, place: Place) -> str:
        if self.activity.kind == "ticketed":
            return self.activity.hall
        return f"Court {place.number}"

    def free_places(self) -> list[Place]:
        return [p for p in self.places if p.free]


@dataclass
class CartItem:
    id: int
    session_key: str
    slot_id: int
    type: str
    price_pence: int
    benefit_applied: bool
    held_until: datetime
    doomed: bool = False  # faults.drop_cart_rate: the site will silently drop it


@dataclass
class Cart:
    id: int
    user_id: int
    items: list[CartItem] = field(default_factory=list)
    reserved_credit: int = 0

    @property
    def total(self) -> int:
        return sum(i.price_pence for i in self.items)


@dataclass
class Booking:
    id: int
    order_id: int | None
    user_id: int | None
    actor: str
    session_key: str
    slot_id: int
    court: str
    price_pence: int
    method: str
    created_at: datetime
    status: str = "BOOKED"


@dataclass
class CheckoutSession:
    """What `GET /checkout/prepare` opens: the merchant session key the card origin accepts."""

    key: str
    user_id: int
    item_hash: str
    created_at: datetime
    cvc_linked: set[str] = field(default_factory=set)  # card identifiers with a checked CVC


@dataclass
class CardIdentifier:
    id: str
    session_key: str
    last4: str
    expiry: str
    card_type: str


@dataclass
class Transaction:
    uuid: str
    user_id: int
    item_hash: str
    amount: int
    method: str  # saved_card | card
    last4: str
    used: bool = False
