"""What the booking web pages show: view models built from the shared state (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from autobook.sandbox.better.catalog import RESOURCES, money
from autobook.sandbox.better.models import Session, User

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

AUTH_COOKIE = "better.org.uk-authToken"
CONSENT_COOKIE = "OptanonAlertBoxClosed"


def token_from_cookie(raw: str | None) -> str | None:
    """The cookie holds the token JSON-quoted (`"v4.local…"`); accept it bare or %22-encoded."""
    if not raw:
        return None
    return raw.replace("%22", '"').strip().strip('"') or None


def by_time_url(venue: str, activity: str, day: date) -> str:
    return f"/location/{venue}/{activity}/{day.isoformat()}/by-time"


def span(s: Session) -> str:
    return f"{s.start.strftime('%H:%M')}-{s.end.strftime('%H:%M')}"


@dataclass
class SlotView:
    session: Session
    released: bool
    free: int
    href: str
    opens: str  # "22:00 on Tue 14 Oct" when not yet released

    @property
    def label(self) -> str:
        return f"{self.session.start.strftime('%H:%M')} - {self.session.end.strftime('%H:%M')}"

    @property
    def price(self) -> str:
        return money(self.session.activity.price_at(self.session.start))


@dataclass
class ModalView:
    slot: SlotView
    options: list[dict[str, Any]] = field(default_factory=list)
    default: dict[str, Any] | None = None
    ticketed: bool = False


def slot_views(sim: BetterSim, venue: str, activity: str, day: date) -> list[SlotView]:
    state = sim.state
    if not state.day_listed(venue, activity, day):
        return []
    views = []
    for s in state.day_sessions(venue, activity, day):
        if state.started(s):
            continue
        opens = state.release_of(s).astimezone(state.today_zone())
        views.append(
            SlotView(
                s, state.released(s), len(s.free_places()),
                f"{by_time_url(venue, activity, day)}/slot/{span(s)}",
                opens.strftime("%H:%M on %a %-d %b"),
            )
        )  # fmt: skip
    return views


def modal_view(slot: SlotView) -> ModalView:
    """Options of "Select location": every court, full ones as "FULL - Court n"; the default
    is Court 1 whatever its state, as on the real site."""
    s = slot.session
    if s.activity.kind != RESOURCES:
        return ModalView(slot, ticketed=True)
    options = [
        {
            "slot_id": p.slot_id,
            "full": not p.free or not slot.released,
            "label": s.place_name(p) if p.free and slot.released else f"FULL - {s.place_name(p)}",
        }
        for p in s.places
    ]
    return ModalView(slot, options, options[0])


def day_tabs(sim: BetterSim, venue: str, activity: str, day: date) -> list[dict[str, Any]]:
    state = sim.state
    today = state.today()
    tabs = []
    for n in range(0, state.release.days_ahead + 2):
        d = today + timedelta(days=n)
        if n and not state.day_listed(venue, activity, d):
            break
        tabs.append({"label": d.strftime("%a %-d %b"), "href": by_time_url(venue, activity, d),
                     "current": d == day})  # fmt: skip
    return tabs


def basket_lines(sim: BetterSim, user: User) -> list[dict[str, Any]]:
    state = sim.state
    lines = []
    for item in state.cart_of(user).items:
        s, p = state.place(item.slot_id)
        lines.append(
            {
                "id": item.id,
                "name": s.activity.name,
                "venue": s.venue.name,
                "when": f"{s.day.strftime('%A %-d %B %Y')}, {span(s).replace('-', ' - ')}",
                "court": s.place_name(p),
                "price": money(item.price_pence),
                "benefit": item.benefit_applied,
                "held_until": item.held_until.astimezone(state.today_zone()).strftime("%H:%M"),
            }
        )
    return lines
