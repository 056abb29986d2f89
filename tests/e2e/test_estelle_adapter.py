"""The Estelle adapter on its own in real Chromium, for what the engine cannot easily provoke:
a court taken between the hold and the confirm, and input the site cannot take."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from autobook.domain.booking import Credentials, Hold, Payment, Slot, Want
from autobook.domain.tasks import PaymentMethod
from autobook.engine.browsers import BrowserPool
from autobook.sandbox.estelle.site import DEMO_USERS
from autobook.sites.base import AdapterContext, ConfigError, SlotTaken
from autobook.sites.estelle.adapter import EstelleAdapter
from engine_support import (
    LONDON,
    add_estelle_member,
    drive_adapter,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    sim_now,
)

pytestmark = pytest.mark.e2e

T = TypeVar("T")
EMAIL, PASSWORD = DEMO_USERS[0]
CREDIT = Payment(PaymentMethod.CREDIT)
MEMBER = Credentials(login=EMAIL, password=PASSWORD)


box = sandbox_fixture("estelle")
club = sim_fixture("estelle", prepare=add_estelle_member)


def with_adapter(
    club: httpx.Client, use: Callable[[EstelleAdapter], Awaitable[T]], *, log_in: bool = True
) -> T:
    """Run `use` with an adapter (logged in unless told not to) on its own browser, which
    starts only if the adapter opens a page."""
    urls: dict[str, str | None] = {"estelle": str(club.base_url)}
    return drive_adapter(EstelleAdapter, MEMBER, urls, use, typing_ms=2, log_in=log_in)


def club_day(club: httpx.Client) -> date:
    return sim_now(str(club.base_url)).date() + timedelta(days=2)


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
    rejected = sim_events(str(club.base_url), "rejected")
    assert [e["detail"]["reason"] for e in rejected] == ["full"]


def test_saved_cookies_spare_a_login_until_the_site_ends_the_session(club: httpx.Client) -> None:
    """Each login starts in a fresh browser context, as a new worker would."""

    async def go() -> list[int]:
        logins = []
        async with BrowserPool() as pool:
            urls: dict[str, str | None] = {"estelle": str(club.base_url)}
            state: str | None = None
            for run in range(3):
                ctx = AdapterContext(urls, pool.account(f"estelle:{run}"), typing_delay_ms=2)
                adapter = EstelleAdapter(ctx, MEMBER)
                state = await adapter.login(state)
                logins.append(len(sim_events(str(club.base_url), "login")))
                if run == 1:  # the site forgets the session, as after a logout elsewhere
                    cookies = {c["name"]: c["value"] for c in json.loads(state or "")["cookies"]}
                    with httpx.Client(base_url=club.base_url, cookies=cookies) as elsewhere:
                        assert elsewhere.get("/page/logout").status_code == 302
        return logins

    assert asyncio.run(go()) == [1, 1, 2]


def test_a_repeat_check_is_one_more_show_availability(club: httpx.Client) -> None:
    """Polling for a cancellation: the second look re-presses the button, no new walk."""
    day = club_day(club)

    async def use(adapter: EstelleAdapter) -> tuple[int, int]:
        first = await adapter.availability(want(day))
        occupy = {"slot": f"{day.isoformat()}T18:00/court-1", "actor": "someone-else"}
        club.post("/_sandbox/estelle/occupy", json=occupy).raise_for_status()
        second = await adapter.availability(want(day))
        return sum(s.bookable for s in first), sum(s.bookable for s in second)

    club.delete("/_sandbox/events").raise_for_status()
    free_before, free_after = with_adapter(club, use)
    assert free_after == free_before - 1
    paths = [e["path"] for e in sim_events(str(club.base_url), "request")]
    assert paths.count("/spa") == 1 and paths.count("/spa/category/padel-courts") == 1
    assert paths.count("/spa/16499/availability") == 2


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


@pytest.mark.parametrize("method", [PaymentMethod.BENEFIT, PaymentMethod.HANDOFF])
def test_a_payment_method_the_site_lacks_names_the_field(
    club: httpx.Client, method: PaymentMethod
) -> None:
    slot = Slot("05/12/2026 18:00:00|Padel Court 1", datetime(2026, 12, 5, 18, tzinfo=LONDON),
                datetime(2026, 12, 5, 19, tzinfo=LONDON), court="Padel Court 1")  # fmt: skip

    async def use(adapter: EstelleAdapter) -> None:
        await adapter.checkout(Hold(slot, token="-"), Payment(method), dry_run=True)

    with pytest.raises(ConfigError) as error:
        with_adapter(club, use, log_in=False)
    assert error.value.message.startswith("payment_method:")
    assert repr(method.value) in error.value.message


def test_paying_by_card_is_refused_before_any_click(club: httpx.Client) -> None:
    day = club_day(club)

    async def use(adapter: EstelleAdapter) -> None:
        slots = await adapter.availability(want(day))
        [slot, *_] = [s for s in slots if s.bookable and s.starts_at.hour == 18]
        hold = await adapter.hold(slot, want(day))
        await adapter.checkout(hold, Payment(PaymentMethod.CARD), dry_run=False)

    with pytest.raises(ConfigError) as error:
        with_adapter(club, use)
    assert error.value.message.startswith("payment_method:") and "'credit'" in error.value.message
    assert sim_bookings(club) == []


def sim_bookings(club: httpx.Client) -> list[dict[str, Any]]:
    return sim_events(str(club.base_url), "booking")
