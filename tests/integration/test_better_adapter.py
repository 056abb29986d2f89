"""The Better adapter over HTTP against the Better simulator on loopback: login and token reuse,
availability (per-court slots, the pre-release listing, the 422 "valid days"), holds, benefit
and credit checkout, and how each refusal of the site maps into the engine's error kinds.

Everything here runs over the API only; the browser paths (cards, dry runs) are exercised
through the engine in tests/e2e/test_engine_better.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest

from autobook.config import Settings
from autobook.domain.booking import Credentials, Payment, Slot, Want
from autobook.domain.tasks import PaymentMethod
from autobook.engine.browsers import BrowserPool
from autobook.sandbox.better.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from autobook.sites.base import (
    AdapterContext,
    AuthFailed,
    NotReleased,
    PaymentDeclined,
    SiteChanged,
    SlotTaken,
    Transient,
)
from autobook.sites.better.adapter import FRESH_BASKET_S, BetterAdapter
from autobook.sites.registry import adapter_class

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)  # a Wednesday, GMT
TOMORROW = date(2027, 1, 14)  # released
NEXT_RELEASE_DAY = date(2027, 1, 20)  # listed, releases at 22:00 tonight
BEYOND = date(2027, 1, 21)  # not listed yet
HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
MEMBER, CREDIT, CARD = DEMO_USERS
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["better"], seed="demo").start()
    yield sandbox
    sandbox.stop()


def better_urls(box: Sandbox) -> dict[str, str | None]:
    """The two settings, exactly as a person would set them for this Better instance."""
    settings = Settings(
        AUTOBOOK_BETTER_API_URL=box.url("better", "api") + "/api",
        AUTOBOOK_BETTER_WEB_URL=box.url("better", "web"),
    )
    return settings.site_urls()


@pytest.fixture
def admin(box: Sandbox) -> Iterator[httpx.Client]:
    """The simulator's admin API over a fresh demo state, its clock pinned at NOW, with the
    20:00 session tomorrow all free (Court 1 first) so tests never depend on its prefill."""
    with httpx.Client(base_url=box.url("better", "api"), timeout=10) as c:
        c.post("/_sandbox/reset").raise_for_status()
        c.post("/_sandbox/clock", json={"now": NOW.isoformat()}).raise_for_status()
        c.post("/_sandbox/seed/demo").raise_for_status()
        occupy(c, TOMORROW, "20:00", free=[1, 2, 3, 4])
        c.delete("/_sandbox/events").raise_for_status()
        yield c


def occupy(
    admin: httpx.Client,
    day: date,
    start: str,
    *,
    taken: Sequence[int] = (),
    free: Sequence[int] = (),
) -> None:
    key = f"{HENDON}/{B60}/{day}/{start}"
    body = {"key": key, "taken": list(taken), "free": list(free)}
    admin.post("/_sandbox/better/occupancy", json=body).raise_for_status()


def events(admin: httpx.Client, kind: str) -> list[dict[str, Any]]:
    return admin.get("/_sandbox/events", params={"kind": kind}).json()


def want(day: date = TOMORROW, *times: str, courts: tuple[str, ...] = ()) -> Want:
    wanted = tuple(time.fromisoformat(t) for t in times or ("20:00",))
    return Want(HENDON, B60, day, wanted, courts=courts)


async def with_adapter(
    box: Sandbox, user: tuple[str, str], body: Callable[[BetterAdapter], Awaitable[T]]
) -> T:
    pool = BrowserPool()  # launched lazily: these tests never open a page
    adapter = BetterAdapter(AdapterContext(better_urls(box), pool.account("t")), creds(user))
    try:
        return await body(adapter)
    finally:
        await adapter.close()
        await pool.close()


def creds(user: tuple[str, str]) -> Credentials:
    return Credentials(login=user[0], password=user[1])


async def book(adapter: BetterAdapter, method: PaymentMethod, w: Want | None = None) -> Any:
    w = w or want()
    await adapter.login(None)
    slots = [s for s in await adapter.availability(w) if s.bookable and s.court]
    hold = await adapter.hold(slots[0], w)
    return await adapter.checkout(hold, Payment(method), dry_run=False)


# --- registry and settings ---------------------------------------------------------------
def test_registry_gives_the_adapter_and_its_site_facts() -> None:
    assert adapter_class("better") is BetterAdapter
    info = BetterAdapter.info
    assert [v.key for v in info.venues] == [
        "hendon-leisure-centre", "barnet-copthall-leisure-centre",
        "barnet-burnt-oak-leisure-centre",
    ]  # fmt: skip
    assert [(a.key, a.duration_minutes) for a in info.activities] == [
        ("badminton-40min", 40), ("badminton-60min", 60),
    ]  # fmt: skip
    assert [m.value for m in info.payment_methods] == [
        "benefit", "credit", "saved_card", "card", "handoff",
    ]
    # 22:00 London, 7 days ahead: 22:00 GMT in winter, 21:00 UTC in summer
    assert info.release.release_at(date(2027, 1, 20), time(20)) == datetime(
        2027, 1, 13, 22, tzinfo=UTC
    )
    assert info.release.release_at(date(2027, 7, 8), time(20)) == datetime(
        2027, 7, 1, 21, tzinfo=UTC
    )
    assert info.url_settings == ("better_api", "better_web")


# --- login ---------------------------------------------------------------------------------
def test_login_then_reuse_the_saved_token(box: Sandbox, admin: httpx.Client) -> None:
    async def scenario(adapter: BetterAdapter) -> tuple[str | None, str | None, str | None]:
        first = await adapter.login(None)
        again = await adapter.login(first)
        stale = await adapter.login("v4.local.not-a-token-the-site-knows")
        return first, again, stale

    first, again, stale = run(with_adapter(box, CREDIT, scenario))
    assert first and first.startswith("v4.local.")
    assert again == first  # still accepted by GET /auth/user: no new login
    assert stale and stale != first  # refused: logged in again
    logins = events(admin, "login")
    assert [e["detail"]["ok"] for e in logins] == [True, True]
    assert logins[0]["detail"]["origin"] == box.url("better", "web")


def test_wrong_password_is_final_and_tried_once(box: Sandbox, admin: httpx.Client) -> None:
    with pytest.raises(AuthFailed) as caught:
        run(with_adapter(box, (CREDIT[0], "wrong"), lambda a: a.login(None)))
    assert "do not match our records" in caught.value.message
    assert "wrong" not in str(caught.value)
    assert len(events(admin, "login")) == 1


# --- availability --------------------------------------------------------------------------
def test_wanted_times_come_per_court_the_rest_per_session(
    box: Sandbox, admin: httpx.Client
) -> None:
    occupy(admin, TOMORROW, "20:00", taken=[1])
    slots = run(with_adapter(box, CREDIT, lambda a: a.availability(want())))
    at_20 = [s for s in slots if s.starts_at == datetime(2027, 1, 14, 20, tzinfo=LONDON)]
    assert [(s.court, s.bookable) for s in at_20] == [
        ("Court 1", False), ("Court 2", True), ("Court 3", True), ("Court 4", True),
    ]  # fmt: skip
    assert {s.price for s in at_20} == {"£16.40"}
    assert at_20[0].ends_at == datetime(2027, 1, 14, 21, tzinfo=LONDON)
    others = [s for s in slots if s not in at_20]
    assert others and all(s.court is None for s in others)


def test_pre_release_listing_says_when_it_opens(box: Sandbox, admin: httpx.Client) -> None:
    slots = run(with_adapter(box, CREDIT, lambda a: a.availability(want(NEXT_RELEASE_DAY))))
    wanted = [s for s in slots if s.court]
    assert len(wanted) == 4 and not any(s.bookable for s in slots)
    assert {s.released_at for s in slots} == {datetime(2027, 1, 13, 22, tzinfo=UTC)}


def test_a_day_not_listed_yet_is_not_released(box: Sandbox, admin: httpx.Client) -> None:
    with pytest.raises(NotReleased) as caught:
        run(with_adapter(box, CREDIT, lambda a: a.availability(want(BEYOND))))
    assert caught.value.opens_at == datetime(2027, 1, 14, 22, tzinfo=UTC)


def test_week_gate_redirect_is_not_released(box: Sandbox, admin: httpx.Client) -> None:
    admin.put("/_sandbox/better/week-gate", json={"enabled": True}).raise_for_status()
    with pytest.raises(NotReleased):
        run(with_adapter(box, CREDIT, lambda a: a.availability(want(BEYOND))))


# --- hold ----------------------------------------------------------------------------------
def test_hold_prefers_the_wanted_court_and_a_later_attempt_keeps_it(
    box: Sandbox, admin: httpx.Client
) -> None:
    async def scenario(adapter: BetterAdapter) -> list[Any]:
        await adapter.login(None)
        w = want(courts=("Court 3",))
        listed = await adapter.availability(want(TOMORROW, "21:00"))
        at_20 = [s for s in listed if s.starts_at.hour == 20 and s.bookable]
        first = await adapter.hold(at_20[0], w)  # a summary slot: the adapter picks a court
        again = [s for s in await adapter.availability(w) if s.court == "Court 3"]
        assert again[0].bookable  # held by us: still ours to check out
        second = await adapter.hold(again[0], w)  # a later attempt keeps the same hold
        return [first, second]

    occupy(admin, TOMORROW, "20:00", taken=[1])
    first, second = run(with_adapter(box, CREDIT, scenario))
    assert first.slot.court == "Court 3" and first.price == "£16.40"
    holds = events(admin, "hold")
    assert len(holds) == 1 and holds[0]["detail"]["court"] == "Court 3"
    assert second.token == first.token == str(holds[0]["detail"]["cart_item_id"])
    assert second.slot.court == "Court 3"
    assert events(admin, "release_hold") == []


def test_a_new_hold_drops_leftover_basket_lines(box: Sandbox, admin: httpx.Client) -> None:
    """Checkout pays for the whole basket: a hold leaves exactly one line in it."""

    async def scenario(adapter: BetterAdapter) -> list[Any]:
        await adapter.login(None)
        w = want(TOMORROW, "20:00", "21:00")
        courts = [s for s in await adapter.availability(w) if s.court and s.bookable]
        first = await adapter.hold(courts[0], w)
        later = next(s for s in courts if s.starts_at.hour == 21)
        return [first, await adapter.hold(later, w)]

    occupy(admin, TOMORROW, "21:00", free=[1, 2, 3, 4])
    first, second = run(with_adapter(box, CREDIT, scenario))
    dropped = events(admin, "release_hold")
    assert [e["detail"]["cart_item_id"] for e in dropped] == [int(first.token)]
    assert second.slot.starts_at.hour == 21


def test_a_slot_rebuilt_from_its_site_id_is_held(box: Sandbox, admin: httpx.Client) -> None:
    """A slot that did not come from this adapter's listing (a worker's stored choice)."""

    async def scenario(adapter: BetterAdapter) -> Any:
        await adapter.login(None)
        listed = next(s for s in await adapter.availability(want()) if s.court == "Court 2")
        bare = Slot(listed.site_id, listed.starts_at, listed.ends_at, court="Court 2")
        return await adapter.hold(bare, want())

    held = run(with_adapter(box, CREDIT, scenario))
    assert held.slot.court == "Court 2"
    assert [e["detail"]["court"] for e in events(admin, "hold")] == ["Court 2"]


def test_a_court_taken_meanwhile_is_slot_taken(box: Sandbox, admin: httpx.Client) -> None:
    async def scenario(adapter: BetterAdapter) -> None:
        await adapter.login(None)
        slot = next(s for s in await adapter.availability(want()) if s.court == "Court 2")
        occupy(admin, TOMORROW, "20:00", taken=[2])  # a competitor got there first
        await adapter.hold(slot, want())

    with pytest.raises(SlotTaken, match="already full"):
        run(with_adapter(box, CREDIT, scenario))


def test_load_shedding_409_is_transient(box: Sandbox, admin: httpx.Client) -> None:
    async def scenario(adapter: BetterAdapter) -> None:
        await adapter.login(None)
        slot = next(s for s in await adapter.availability(want(NEXT_RELEASE_DAY)) if s.court)
        admin.put("/_sandbox/better/load-shedding", json={"rate": 1.0, "window_s": 60})
        admin.post("/_sandbox/clock", json={"now": "2027-01-13T22:00:01+00:00"})
        await adapter.hold(slot, want(NEXT_RELEASE_DAY))

    with pytest.raises(Transient, match="a lot of people"):
        run(with_adapter(box, CREDIT, scenario))


def test_hold_before_release_is_not_released(box: Sandbox, admin: httpx.Client) -> None:
    async def scenario(adapter: BetterAdapter) -> None:
        await adapter.login(None)
        slot = next(s for s in await adapter.availability(want(NEXT_RELEASE_DAY)) if s.court)
        await adapter.hold(slot, want(NEXT_RELEASE_DAY))

    with pytest.raises(NotReleased):
        run(with_adapter(box, CREDIT, scenario))


# --- checkout over the API -------------------------------------------------------------------
def test_benefit_books_at_no_cost(box: Sandbox, admin: httpx.Client) -> None:
    confirmation = run(with_adapter(box, MEMBER, lambda a: book(a, PaymentMethod.BENEFIT)))
    bookings = events(admin, "booking")
    assert len(bookings) == 1 and bookings[0]["detail"]["method"] == "benefit"
    assert confirmation.reference == bookings[0]["reference"]
    assert (confirmation.court, confirmation.price) == ("Court 1", "£0.00")
    assert confirmation.starts_at == datetime(2027, 1, 14, 20, tzinfo=LONDON)
    assert confirmation.venue == "Hendon Leisure Centre"
    web = box.url("better", "web")
    assert confirmation.url == f"{web}/booking-confirmed/{bookings[0]['reference']}"


def test_credit_books_and_the_booking_is_listed_after(box: Sandbox, admin: httpx.Client) -> None:
    async def scenario(adapter: BetterAdapter) -> tuple[Any, list[Any]]:
        confirmation = await book(adapter, PaymentMethod.CREDIT)
        return confirmation, await adapter.bookings(want())

    confirmation, listed = run(with_adapter(box, CREDIT, scenario))
    bookings = events(admin, "booking")
    assert len(bookings) == 1 and bookings[0]["detail"]["method"] == "credit"
    assert (confirmation.court, confirmation.price) == ("Court 1", "£16.40")
    assert [c.reference for c in listed] == [confirmation.reference]


def test_checkout_pays_for_the_hold_only(box: Sandbox, admin: httpx.Client) -> None:
    """Something else lands in the basket after the hold (a person, another tab): checkout
    removes it first, so only the held slot is paid for."""

    async def scenario(adapter: BetterAdapter) -> Any:
        await adapter.login(None)
        w = want(TOMORROW, "20:00", "21:00")
        listed = [s for s in await adapter.availability(w) if s.court and s.bookable]
        hold = await adapter.hold(listed[0], w)
        stray = next(s for s in listed if s.starts_at.hour == 21)
        await adapter.api.cart_add(stray.extra["court"], adapter.membership_id)
        return await adapter.checkout(hold, Payment(PaymentMethod.CREDIT), dry_run=False)

    occupy(admin, TOMORROW, "21:00", free=[1, 2, 3, 4])
    confirmation = run(with_adapter(box, CREDIT, scenario))
    booked = events(admin, "booking")
    assert [e["slot"] for e in booked] == [f"{HENDON}/{B60}/{TOMORROW}/20:00"]
    assert confirmation.reference == booked[0]["reference"]
    assert [e["detail"]["reason"] for e in events(admin, "release_hold")] == ["removed"]


def test_benefit_that_does_not_cover_the_booking_is_declined(
    box: Sandbox, admin: httpx.Client
) -> None:
    with pytest.raises(PaymentDeclined, match="benefit does not cover"):
        run(with_adapter(box, CREDIT, lambda a: book(a, PaymentMethod.BENEFIT)))
    assert events(admin, "booking") == []


def test_too_little_credit_is_declined(box: Sandbox, admin: httpx.Client) -> None:
    user = ("poor@example.com", "Poor-pass-1")
    body = {"email": user[0], "password": user[1], "credit_pence": 500}
    admin.post("/_sandbox/better/users", json=body).raise_for_status()
    with pytest.raises(PaymentDeclined, match=r"£5.00 available, £16.40 needed"):
        run(with_adapter(box, user, lambda a: book(a, PaymentMethod.CREDIT)))
    assert events(admin, "booking") == []


def test_site_changed_credit_block_stops_credit_loudly(box: Sandbox, admin: httpx.Client) -> None:
    admin.put("/_sandbox/faults", json={"site_changed": True}).raise_for_status()
    with pytest.raises(SiteChanged) as caught:
        run(with_adapter(box, CREDIT, lambda a: book(a, PaymentMethod.CREDIT)))
    assert caught.value.step == "pay"
    assert caught.value.selector == "credits.general.total_available"
    assert events(admin, "booking") == []


def test_a_dropped_hold_is_slot_taken_at_checkout(box: Sandbox, admin: httpx.Client) -> None:
    admin.put("/_sandbox/faults", json={"drop_cart_rate": 1.0}).raise_for_status()
    with pytest.raises(SlotTaken, match=r"dropped the hold|hold was lost"):
        run(with_adapter(box, CREDIT, lambda a: book(a, PaymentMethod.CREDIT)))
    assert events(admin, "booking") == []


@pytest.mark.parametrize(("user", "method", "calls"), [
    (MEMBER, PaymentMethod.BENEFIT, ["/checkout/complete"]),
    (CREDIT, PaymentMethod.CREDIT, ["/credits/apply", "/checkout/complete"]),
])  # fmt: skip
def test_checkout_right_after_the_hold_is_only_the_paying_calls(
    box: Sandbox,
    admin: httpx.Client,
    user: tuple[str, str],
    method: PaymentMethod,
    calls: list[str],
) -> None:
    """The hold's own answer is the basket read back (a moment old), so between the cart add
    and the booking there is nothing but what paying needs; a basket read longer ago than
    FRESH_BASKET_S is asked for again."""

    async def hold_then_pay(adapter: BetterAdapter, wait_s: float) -> int:
        w = want()
        await adapter.login(None)
        slot = next(s for s in await adapter.availability(w) if s.bookable and s.court)
        hold = await adapter.hold(slot, w)
        await asyncio.sleep(wait_s)
        seq = events(admin, "request")[-1]["seq"]
        await adapter.checkout(hold, Payment(method), dry_run=False)
        return seq

    since = run(with_adapter(box, user, lambda a: hold_then_pay(a, 0)))
    asked = admin.get("/_sandbox/events", params={"since": since}).json()
    until_booked = asked[: [e["kind"] for e in asked].index("booking")]
    assert [e["path"].removeprefix("/api") for e in until_booked if e["kind"] == "request"] == calls
    since = run(with_adapter(box, user, lambda a: hold_then_pay(a, FRESH_BASKET_S + 0.1)))
    asked = admin.get("/_sandbox/events", params={"since": since, "kind": "request"}).json()
    assert asked[0]["path"].removeprefix("/api") == "/activities/cart"


def test_server_errors_are_transient(box: Sandbox, admin: httpx.Client) -> None:
    admin.put("/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()
    with pytest.raises(Transient, match="503"):
        run(with_adapter(box, CREDIT, lambda a: a.login(None)))


def test_another_better_instance_by_the_two_settings_alone(admin: httpx.Client) -> None:
    """A second simulator on other ports, reached only through AUTOBOOK_BETTER_API_URL and
    AUTOBOOK_BETTER_WEB_URL: books with credit and with benefit."""
    other = Sandbox.create(["better"], seed="demo").start()
    try:
        with httpx.Client(base_url=other.url("better", "api"), timeout=10) as c:
            c.post("/_sandbox/clock", json={"now": NOW.isoformat()}).raise_for_status()
            occupy(c, TOMORROW, "20:00", free=[1, 2, 3, 4])
            by_credit = run(with_adapter(other, CREDIT, lambda a: book(a, PaymentMethod.CREDIT)))
            by_benefit = run(with_adapter(other, MEMBER, lambda a: book(a, PaymentMethod.BENEFIT)))
            booked = events(c, "booking")
        assert [e["detail"]["method"] for e in booked] == ["credit", "benefit"]
        assert [by_credit.reference, by_benefit.reference] == [e["reference"] for e in booked]
        assert by_credit.url.startswith(other.url("better", "web"))
        assert events(admin, "booking") == []  # the first instance saw nothing
    finally:
        other.stop()
