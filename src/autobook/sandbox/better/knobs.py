"""Settings of the Better simulator that tests change through `/_sandbox/better/...`."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Holds(BaseModel):
    minutes: float = Field(10.0, gt=0, le=24 * 60, description="how long a cart item is held")


class LoadShedding(BaseModel):
    """At release the real site answers 409 "Sorry, a lot of people…" to some cart requests."""

    rate: float = Field(0.0, ge=0, le=1, description="share of cart requests shed")
    window_s: float = Field(5.0, ge=0, le=3600, description="seconds after a release it lasts")


class BotDetection(BaseModel):
    """The payment iframe's automation traps; all on by default, like the real one."""

    webdriver: bool = Field(True, description="refuse cards typed with navigator.webdriver true")
    instant_typing: bool = Field(True, description="refuse card numbers not typed key by key")
    min_key_gap_ms: float = Field(30.0, ge=0, le=2000, description="median gap a human leaves")


class WeekGate(BaseModel):
    """Notes › Errors: "HTML / redirect instead of JSON from `/times`" when the week is not
    open yet. Off by default (the generic 422 is then the answer)."""

    enabled: bool = Field(False, description="redirect /times beyond the window to the web page")


class NewUser(BaseModel):
    """`POST /_sandbox/better/users`: an account, optionally with credit, benefit, saved card."""

    email: str
    password: str
    first_name: str = "Test"
    last_name: str = "User"
    customer_id: str | None = None
    member: bool = True  # has a membership_user record
    benefit: bool = False
    credit_pence: int = Field(0, ge=0)
    saved_card_last4: str | None = Field(None, pattern=r"^\d{4}$")
    saved_card_cvv: str | None = Field(None, pattern=r"^\d{3,4}$")
    saved_card_expiry: str = Field("1230", pattern=r"^\d{4}$")


class SessionRelease(BaseModel):
    """`POST /_sandbox/better/release/session`: make one session release at `at`."""

    key: str = Field(description="venue/activity/YYYY-MM-DD/HH:MM")
    at: str = Field(description="ISO instant with a UTC offset")


class Occupancy(BaseModel):
    """`POST /_sandbox/better/occupancy`: book (by "public") or free given courts of a session."""

    key: str
    taken: list[int] = Field(default_factory=list, description="court numbers booked by others")
    free: list[int] = Field(default_factory=list, description="court numbers to free")


class Variation(BaseModel):
    """`/_sandbox/better/variation`: answer with only what the site notes document, so a
    client cannot lean on what our simulator happens to add. Off by default."""

    documented_only: bool = Field(
        False,
        description="basket lines carry only an id and a nested cartable_resource, per-court "
        "slots and /auth/user only the documented fields, bookings nest their date and time "
        "and lose their order id, and every list comes in reverse order",
    )
