"""The Estelle adapter on its own in real Chromium, for what the engine cannot easily provoke:
a court taken between the hold and the confirm, and input the site cannot take."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from autobook.domain.tasks import PaymentMethod
from autobook.engine.browsers import BrowserPool
from autobook.sandbox.estelle.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from autobook.sites.base import (
    AdapterContext,
    ConfigError,
    Credentials,
    Payment,
    SlotTaken,
    Want,
)
from autobook.sites.estelle.adapter import EstelleAdapter

pytestmark = pytest.mark.e2e

T = TypeVar("T")
LONDON = ZoneInfo("Europe/London")
EMAIL, PASSWORD = DEMO_USERS[0]
CREDIT = Payment(PaymentMethod.CREDIT)


@pytest.fixture(scope="module")
def club_url() -> Iterator[str]:
    box = Sandbox.create(["estelle"]).start()
    yield box.url("estelle", "web")
    box.stop()


@pytest.fixture
def club(club_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=club_url, timeout=10) as c:
        c.post("/_sandbox/reset").raise_for_status()
        member = {"email": EMAIL, "password": PASSWORD, "name": "Alex Morgan"}
        c.post("/_sandbox/estelle/members", json=member).raise_for_status()
        yield c


def with_adapter(
    club: httpx.Client, use: Callable[[EstelleAdapter], Awaitable[T]], *, log_in: bool = True
) -> T:
    """Run `use` with an adapter (logged in unless told not to) on its own browser, which
    starts only if the adapter opens a page."""

    async def go() -> T:
        async with BrowserPool() as pool:
            urls: dict[str, str | None] = {"estelle": str(club.base_url)}
            ctx = AdapterContext(urls, pool.account("estelle:test"), typing_delay_ms=2)
            adapter = EstelleAdapter(ctx, Credentials(login=EMAIL, password=PASSWORD))
            if log_in:
                await adapter.login(None)
            return await use(adapter)

    return asyncio.run(go())


def club_day(club: httpx.Client) -> date:
    now = datetime.fromisoformat(club.get("/_sandbox/clock").json()["now"])
    return now.astimezone(LONDON).date() + timedelta(days=2)


def want(day: date, **changes: Any) -> Want:
    wanted = Want(venue="padel-courts", activity="padel-60min", day=day, times=(time(18),))
    return replace(wanted, **changes)


def test_a_court_taken_before_confirm_is_slot_taken(club: httpx.Client) -> None:
    day = club_day(club)

    async def use(adapter: EstelleAdapter) -> list[str]:
        slots = await adapter.availability(want(day))
        [slot] = [s for s in slots if s.court == "Padel Court 2" and s.starts_at.hour == 18]
        hold = await adapter.hold(slot, want(day))
        assert hold.price == "£40.00"
        key = f"{day.isoformat()}T18:00/court-2"
        club.post("/_sandbox/estelle/occupy", json={"slot": key}).raise_for_status()
        errors = []
        for _ in range(2):  # the second try walks back to the cards and finds the court full
            with pytest.raises(SlotTaken) as taken:
                await adapter.checkout(hold, CREDIT, dry_run=False)
            errors.append(taken.value.message)
        return errors

    first, second = with_adapter(club, use)
    assert "fully booked" in first
    assert "Padel Court 2" in second and "fully booked" in second
    assert sim_bookings(club) == []
    rejected = club.get("/_sandbox/events", params={"kind": "rejected"}).json()
    assert [e["detail"]["reason"] for e in rejected] == ["full"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"venue": "tennis"}, "venue"),
        ({"activity": "padel-90min"}, "activity"),
        ({"duration_minutes": 90}, "duration_minutes"),
    ],
)
def test_a_want_the_site_cannot_take_names_the_field(
    club: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    day = club_day(club)

    async def use(adapter: EstelleAdapter) -> None:
        await adapter.availability(want(day, **changes))

    with pytest.raises(ConfigError) as error:
        with_adapter(club, use, log_in=False)
    assert error.value.message.startswith(f"{field}:")


def test_paying_by_card_is_refused_before_any_click(club: httpx.Client) -> None:
    day = club_day(club)

    async def use(adapter: EstelleAdapter) -> None:
        [slot, *_] = [s for s in await adapter.availability(want(day)) if s.bookable]
        hold = await adapter.hold(slot, want(day))
        await adapter.checkout(hold, Payment(PaymentMethod.CARD), dry_run=False)

    with pytest.raises(ConfigError) as error:
        with_adapter(club, use)
    assert error.value.message.startswith("payment_method:") and "'credit'" in error.value.message
    assert sim_bookings(club) == []


def sim_bookings(club: httpx.Client) -> list[object]:
    return list(club.get("/_sandbox/events", params={"kind": "booking"}).json())
