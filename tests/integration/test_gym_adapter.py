"""The gym adapter over real HTTP against the gym simulator: login and saved-token reuse,
availability per sub-location, booking with the membership, existing bookings, and every
refusal mapped into the engine's error kinds (read back from the simulator's own event log)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from autobook.domain.booking import Credentials, Payment, Want
from autobook.domain.tasks import PaymentMethod
from autobook.engine.browsers import BrowserPool
from autobook.sandbox.gym.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from autobook.sites.base import (
    AccountLimit,
    AdapterContext,
    AuthFailed,
    ConfigError,
    NotReleased,
    SiteChanged,
    SlotTaken,
    Transient,
)
from autobook.sites.gym.adapter import GymAdapter

T = TypeVar("T")
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)  # slots of Fri 15 Jan up to 09:00 are open
DAY = date(2027, 1, 15)
ALEX, SAM = DEMO_USERS[0], DEMO_USERS[1]
BENEFIT = Payment(PaymentMethod.BENEFIT)
REFERENCE = re.compile(r"^GYM-[A-Z0-9]{6}$")


@pytest.fixture(scope="module")
def gym_url() -> Iterator[str]:
    box = Sandbox.create(["gym"], seed="quiet").start()
    yield box.url("gym", "web")
    box.stop()


@pytest.fixture
def admin(gym_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gym_url, timeout=10) as c:
        c.post("/_sandbox/reset").raise_for_status()
        c.post("/_sandbox/seed/quiet").raise_for_status()
        c.post("/_sandbox/clock", json={"now": NOW.isoformat()}).raise_for_status()
        yield c


def with_adapter(
    gym_url: str, use: Callable[[GymAdapter], Awaitable[T]], user: tuple[str, str] = ALEX
) -> T:
    """Run `use` with a fresh adapter for `user`; the browser is never launched over HTTP."""

    async def go() -> T:
        pool = BrowserPool()
        ctx = AdapterContext({"gym": gym_url}, pool.account("gym:test"), typing_delay_ms=0)
        adapter = GymAdapter(ctx, Credentials(login=user[0], password=user[1]))
        try:
            return await use(adapter)
        finally:
            await adapter.close()
            await pool.close()

    return asyncio.run(go())


def want(venue: str = "X1", sub: str | None = "A", *times: str, **more: Any) -> Want:
    wanted = tuple(time.fromisoformat(t) for t in times or ("07:00",))
    fields: dict[str, Any] = {"activity": "gym-60min", **more}
    return Want(venue=venue, day=DAY, times=wanted, sub_location=sub, **fields)


def events(admin: httpx.Client, kind: str) -> list[dict[str, Any]]:
    return list(admin.get("/_sandbox/events", params={"kind": kind}).json())


async def book_at(adapter: GymAdapter, wanted: Want, at: str) -> Any:
    """Log in, find the slot at `at` and check it out with the membership."""
    await adapter.login(None)
    slots = await adapter.availability(wanted)
    slot = next(s for s in slots if s.starts_at.astimezone(LONDON).strftime("%H:%M") == at)
    return await adapter.checkout(await adapter.hold(slot, wanted), BENEFIT, dry_run=False)


# --- login ------------------------------------------------------------------------------------
def test_login_saves_a_token_and_reuses_it_while_valid(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> tuple[str | None, str | None]:
        first = await adapter.login(None)
        again = await adapter.login(first)
        return first, again

    first, again = with_adapter(gym_url, go)
    assert first is not None and again == first
    assert json.loads(first)["expires_at"].startswith("2027-01-13T21:30")
    assert len(events(admin, "login")) == 1  # the second login only checked the token

    stale = json.dumps({"token": "no-longer-valid"})
    renewed = with_adapter(gym_url, lambda a: a.login(stale))
    assert renewed not in (None, stale) and len(events(admin, "login")) == 2


def test_bad_password_is_auth_failed_and_tried_once(gym_url: str, admin: httpx.Client) -> None:
    with pytest.raises(AuthFailed, match="Invalid email or password") as info:
        with_adapter(gym_url, lambda a: a.login(None), user=(ALEX[0], "wrong"))
    assert "wrong" not in str(info.value)
    assert [e["detail"]["ok"] for e in events(admin, "login")] == [False]


def test_a_dropped_session_is_renewed_once(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> int:
        await adapter.login(None)
        adapter.api.token = "dropped-by-the-site"
        return len(await adapter.availability(want("Fitness", None)))

    assert with_adapter(gym_url, go) == 16
    assert len(events(admin, "login")) == 2


def test_sessions_that_always_expire_are_transient(gym_url: str, admin: httpx.Client) -> None:
    admin.put("/_sandbox/faults", json={"expire_sessions": True}).raise_for_status()

    async def go(adapter: GymAdapter) -> Any:
        await adapter.login(None)
        return await adapter.availability(want())

    with pytest.raises(Transient, match="Session expired"):
        with_adapter(gym_url, go)


# --- availability -----------------------------------------------------------------------------
def test_availability_lists_every_hour_with_its_state(gym_url: str, admin: httpx.Client) -> None:
    admin.post("/_sandbox/gym/fill", json={"slot": "2027-01-15T08:00|X1|A"}).raise_for_status()

    async def go(adapter: GymAdapter) -> Any:
        await adapter.login(None)
        return await adapter.availability(want())

    slots = {s.starts_at.astimezone(LONDON).strftime("%H:%M"): s for s in with_adapter(gym_url, go)}
    assert len(slots) == 16 and min(slots) == "06:00" and max(slots) == "21:00"
    open_, full, locked = slots["07:00"], slots["08:00"], slots["10:00"]
    assert open_.bookable and open_.court == "A" and open_.price == "£0.00"
    assert open_.site_id == "2027-01-15T07:00|X1|A" and open_.released_at is None
    assert (open_.ends_at - open_.starts_at).total_seconds() == 3600
    assert not full.bookable and full.extra["status"] == "full"
    assert not locked.bookable
    assert locked.released_at == datetime(2027, 1, 13, 10, 0, tzinfo=LONDON)


def test_a_location_without_sub_location_lists_both(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> Any:
        await adapter.login(None)
        return await adapter.availability(want("X3", None))

    slots = with_adapter(gym_url, go)
    assert sorted({s.court for s in slots}) == ["A", "B"] and len(slots) == 32


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        (want("X2", None), "venue 'X2'"),
        (want("Fitness", "A"), "sub_location 'A'"),
        (want("X1", "C"), "sub_location 'C'"),
        (want(activity="yoga"), "activity 'yoga'"),
        (want(duration_minutes=90), "duration_minutes 90"),
    ],
)
def test_bad_want_is_a_config_error_naming_the_field(
    gym_url: str, admin: httpx.Client, wanted: Want, field: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(field)):
        with_adapter(gym_url, lambda a: a.availability(wanted))
    assert events(admin, "request") == []  # refused before asking the site


def test_site_changed_names_the_step_and_the_field(gym_url: str, admin: httpx.Client) -> None:
    admin.put("/_sandbox/faults", json={"site_changed": True}).raise_for_status()

    async def go(adapter: GymAdapter) -> Any:
        await adapter.login(None)
        return await adapter.availability(want())

    with pytest.raises(SiteChanged) as info:
        with_adapter(gym_url, go)
    assert info.value.step == "availability" and info.value.selector == "status"
    assert "'status'" in info.value.message


def test_server_errors_are_transient(gym_url: str, admin: httpx.Client) -> None:
    admin.put("/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()
    with pytest.raises(Transient, match="step login: the site answered 503"):
        with_adapter(gym_url, lambda a: a.login(None))


# --- booking ----------------------------------------------------------------------------------
def test_books_with_the_membership(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> Any:
        confirmation = await book_at(adapter, want(), "07:00")
        return confirmation, await adapter.bookings(want()), await adapter.bookings(want("X3"))

    confirmation, mine, elsewhere = with_adapter(gym_url, go)
    assert REFERENCE.match(confirmation.reference)
    assert confirmation.court == "A" and confirmation.venue == "X1"
    assert confirmation.price == "£0.00"
    assert confirmation.starts_at == datetime(2027, 1, 15, 7, 0, tzinfo=LONDON)
    assert confirmation.url == f"{gym_url}/bookings/{confirmation.reference}"
    assert [b.reference for b in mine] == [confirmation.reference] and elsewhere == []
    booked = events(admin, "booking")
    assert len(booked) == 1 and booked[0]["reference"] == confirmation.reference
    assert booked[0]["actor"] == ALEX[0] and booked[0]["detail"]["method"] == "membership"


def test_a_booking_the_site_already_has_is_returned(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> Any:
        first = await book_at(adapter, want(), "07:00")
        # A retry whose first answer was lost: the site says "already booked".
        slot = (await adapter.availability(want()))[1]
        assert not slot.bookable and slot.extra["my_reference"] == first.reference
        return first, await adapter.checkout(
            await adapter.hold(slot, want()), BENEFIT, dry_run=False
        )

    first, second = with_adapter(gym_url, go)
    assert second.reference == first.reference
    assert len(events(admin, "booking")) == 1


def test_full_slot_is_slot_taken(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> Any:
        await adapter.login(None)
        slot = (await adapter.availability(want()))[1]  # 07:00, free when listed
        admin.post("/_sandbox/gym/fill", json={"slot": slot.site_id}).raise_for_status()
        return await adapter.checkout(await adapter.hold(slot, want()), BENEFIT, dry_run=False)

    with pytest.raises(SlotTaken, match="This slot is full"):
        with_adapter(gym_url, go)
    assert events(admin, "booking") == []


def test_daily_limit_is_account_limit_naming_it(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> Any:
        for at in ("06:00", "07:00", "08:00"):
            await book_at(adapter, want("Fitness", None), at)

    with pytest.raises(AccountLimit, match="daily limit of 2 bookings") as info:
        with_adapter(gym_url, go)
    assert info.value.step == "checkout"
    assert len(events(admin, "booking")) == 2


def test_locked_slot_is_not_released_with_its_opening(gym_url: str, admin: httpx.Client) -> None:
    with pytest.raises(NotReleased) as info:
        with_adapter(gym_url, lambda a: book_at(a, want(), "11:00"))
    assert info.value.opens_at == datetime(2027, 1, 13, 11, 0, tzinfo=LONDON)


def test_only_the_membership_pays(gym_url: str, admin: httpx.Client) -> None:
    async def go(adapter: GymAdapter) -> Any:
        await adapter.login(None)
        slot = (await adapter.availability(want()))[1]
        hold = await adapter.hold(slot, want())
        return await adapter.checkout(hold, Payment(PaymentMethod.CREDIT), dry_run=False)

    with pytest.raises(ConfigError, match=r"'credit'.*membership"):
        with_adapter(gym_url, go)
    assert events(admin, "booking") == []
