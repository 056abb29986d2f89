"""Contract tests of the Estelle Manor simulator over real HTTP, against ../shared/sites/estelle.md.

A browser sends the page it came from as the Referer; `Member` does the same, so these tests can
walk the click-through the site insists on. `Html` is a tiny stdlib parser for checking selectors
(tag, id, class, attributes) and texts without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from html.parser import HTMLParser
from time import monotonic, sleep
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from autobook.sandbox.estelle.site import DEMO_USERS, EstelleSim
from autobook.sandbox.runner import Sandbox

LONDON = ZoneInfo("Europe/London")

DEMO = ("alex.member@example.com", "padel-demo-1")
DEMO_2 = ("sam.member@example.com", "padel-demo-2")
VOID = {"input", "meta", "link", "br", "img", "hr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    parents: list[Element] = field(default_factory=list, repr=False)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def matches(self, tag: str | None, cls: str | None, **attrs: str) -> bool:
        if tag and self.tag != tag:
            return False
        if cls and not set(cls.split(".")) <= self.classes:
            return False
        return all(self.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())


class Html(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parents=list(self._open))
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.matches(tag, cls, **attrs)]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one {tag} .{cls} {attrs}, found {len(found)}"
        return found[0]

    def within(
        self, parent: Element, tag: str | None = None, cls: str | None = None
    ) -> list[Element]:
        return [e for e in self.elements if parent in e.parents and e.matches(tag, cls)]


def text(element: Element) -> str:
    return " ".join(element.text.split())


@dataclass
class Card:
    slot_start: str
    court: str
    booked: int
    total: int
    href: str

    @property
    def key(self) -> str:
        return httpx.URL(self.href).params["slot"]


def cards_of(html: str) -> list[Card]:
    doc = Html(html)
    cards = []
    for outer in doc.all("div", "cardBtn"):
        (body,) = doc.within(outer, "div", "cardBtn-bd.vr.vr_centered")
        spans = {cls: text(doc.within(body, "span", cls)[0]) for cls in SPAN_CLASSES}
        cards.append(
            Card(
                spans["slot_start"],
                spans["slot-subject-spa"],
                int(spans["totalBooked"]),
                int(spans["totalSlots"]),
                outer.attrs["data-href"],
            )
        )
    return cards


SPAN_CLASSES = ("slot_start", "slot-subject-spa", "totalBooked", "totalSlots")


class Member(httpx.Client):
    """One member's browser: a cookie jar plus the Referer of the page last shown."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url=base_url, timeout=10)
        self.last_page: str | None = None

    def open(self, path: str, **params: Any) -> httpx.Response:
        """Follow a link on the current page (the browser sends that page as Referer)."""
        headers = {"referer": str(self.base_url.join(self.last_page))} if self.last_page else {}
        response = self.get(path, params=params or None, headers=headers)
        if response.status_code == 200:
            self.last_page = response.url.path
        return response

    def login(self, who: tuple[str, str] = DEMO) -> httpx.Response:
        response = self.post("/page/login", data={"email": who[0], "password": who[1]})
        self.last_page = "/page/login"
        return response

    def click_through(self, month: str | None = None) -> httpx.Response:
        """Home → Book Now → Padel Courts → the month button or BOOK - 1Hr."""
        for path in ("/", "/spa", "/spa/category/padel-courts"):
            assert self.open(path).status_code == 200, path
        if month:
            return self.open("/spa/16499", month=month)
        return self.open("/spa/16499")

    def show_availability(self, day: str) -> httpx.Response:
        """What "Show Availability" fetches; sent from the availability page."""
        headers = {"referer": str(self.base_url.join("/spa/16499")), "x-requested-with": "fetch"}
        return self.get("/spa/16499/availability", params={"from_date": day}, headers=headers)

    def confirm_page(self, key: str) -> httpx.Response:
        headers = {"referer": str(self.base_url.join("/spa/16499"))}
        return self.get("/spa/16499/confirm", params={"slot": key}, headers=headers)

    def confirm(self, key: str, view: str) -> httpx.Response:
        headers = {"referer": str(self.base_url.join("/spa/16499/confirm"))}
        return self.post("/spa/16499/book", data={"slot": key, "view": view}, headers=headers)

    def book(self, key: str) -> httpx.Response:
        """Card click → confirm page → Confirm Booking."""
        page = self.confirm_page(key)
        assert page.status_code == 200, page.text
        view = view_of(page.text)
        return self.confirm(key, view or "")


def view_of(html: str) -> str | None:
    match = re.search(r'name="view" value="([0-9a-f]+)"', html)
    return match.group(1) if match else None


# --- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["estelle"], seed="demo").start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def url(box: Sandbox) -> str:
    """The site's base URL, with the site reset, re-seeded and its clock back to real time."""
    base = box.url("estelle", "web")
    admin(base, "post", "/reset")
    admin(base, "post", "/clock", json={"offset_s": 0})
    admin(base, "post", "/seed/demo")
    return base


@pytest.fixture
def sim(box: Sandbox) -> EstelleSim:
    site = box.sites["estelle"]
    assert isinstance(site, EstelleSim)
    return site


@pytest.fixture
def member(url: str) -> Iterator[Member]:
    with Member(url) as client:
        assert client.login().status_code == 302
        yield client


ADMIN = httpx.Client(timeout=10)  # one shared client: building one per call costs ~0.2 s


def admin(base: str, method: str, path: str, **kwargs: Any) -> Any:
    response = ADMIN.request(method, f"{base}/_sandbox{path}", **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def put_setting(base: str, name: str, body: dict[str, Any]) -> None:
    """PUT /_sandbox/<name> (faults, competitors, cancellations); the site echoes the settings."""
    response = ADMIN.put(f"{base}/_sandbox/{name}", json=body)
    assert response.status_code == 200, response.text
    settings = response.json()
    assert settings == {**settings, **body}
    assert admin(base, "get", f"/{name}") == settings


def events(base: str, kind: str) -> list[dict[str, Any]]:
    return admin(base, "get", "/events", params={"kind": kind})


def set_clock(base: str, instant: datetime) -> None:
    admin(base, "post", "/clock", json={"now": instant.isoformat()})


def london(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=LONDON)


def site_today(base: str) -> date:
    now = datetime.fromisoformat(admin(base, "get", "/clock")["now"])
    return now.astimezone(LONDON).date()


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def free_card(client: Member, day: date, hour: int | None = None) -> Card:
    cards = cards_of(client.show_availability(uk(day)).text)
    for card in cards:
        if card.booked == 0 and (hour is None or card.slot_start.endswith(f" {hour:02d}:00:00")):
            return card
    raise AssertionError(f"no free card on {day} at {hour}")


# --- login ----------------------------------------------------------------------------------------
def test_login_page_has_the_form_the_bots_fill(url: str) -> None:
    page = ADMIN.get(f"{url}/page/login")
    assert page.status_code == 200
    doc = Html(page.text)
    assert doc.one("input", name="email").attrs["type"] == "email"
    assert doc.one("input", name="password").attrs["type"] == "password"
    form = doc.one("form", id="login-form")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/page/login"
    assert doc.one("input", type_="submit")


def test_wrong_password_shows_an_error_and_logs_a_failed_login(url: str) -> None:
    with Member(url) as client:
        page = client.login((DEMO[0], "wrong"))
        assert page.status_code == 200
        error = Html(page.text).one("div", id="login-error")
        assert "email address or password you entered is incorrect" in text(error)
        assert "em_session" not in client.cookies
        missing = client.post("/page/login", data={"email": DEMO[0]})
        assert missing.status_code == 400
        assert "Please enter your email address and password." in missing.text
    logins = events(url, "login")
    assert [(e["actor"], e["detail"]["ok"]) for e in logins] == [(DEMO[0], False)]


def test_login_sets_a_session_cookie_and_lands_on_home(url: str) -> None:
    with Member(url) as client:
        response = client.login()
        assert response.status_code == 302 and response.headers["location"] == "/"
        assert "HttpOnly" in response.headers["set-cookie"]
        home = client.open("/")
        assert home.status_code == 200
        book_now = Html(home.text).one("a", id="book-now-button")
        assert text(book_now) == "Book Now" and book_now.attrs["href"] == "/spa"
    assert events(url, "login")[-1]["detail"] == {"ok": True}


@pytest.mark.parametrize("path", ["/", "/spa", "/spa/16499", "/page/my-bookings"])
def test_pages_need_a_login(url: str, path: str) -> None:
    response = ADMIN.get(f"{url}{path}")
    assert response.status_code == 302 and response.headers["location"] == "/page/login"


# --- the click-through and its bot detection ------------------------------------------------------
def test_click_through_reaches_the_availability_page(url: str, member: Member) -> None:
    member.open("/")
    book = Html(member.open("/spa").text)
    (padel,) = [a for a in book.all("a") if text(a) == "Padel Courts"]
    padel_page = Html(member.open(padel.attrs["href"]).text)
    labels = [text(a) for a in padel_page.all("a", "btn")]
    assert labels[-1] == "BOOK - 1Hr"
    today = site_today(url)
    assert labels[0] == today.strftime("%B").upper()
    page = member.open("/spa/16499")
    assert page.status_code == 200
    doc = Html(page.text)
    assert doc.one("input", id="from_date").attrs["value"] == uk(today)
    apply = doc.one("a", id="btnApply")
    assert text(apply) == "Show Availability"


def test_month_buttons_are_the_bookable_months(url: str, member: Member) -> None:
    set_clock(url, london(date(2026, 12, 20), 12))
    member.click_through()
    padel = Html(member.open("/spa/category/padel-courts").text)
    months = [
        text(a) for a in padel.all("a", "btn.btn-secondary")
    ]  # the notes: a.btn.btn-secondary
    assert months == ["DECEMBER", "JANUARY"]
    january = member.open("/spa/16499", month="2027-01")
    assert Html(january.text).one("input", id="from_date").attrs["value"] == "01/01/2027"


def test_direct_url_to_the_booking_page_redirects_home(url: str, member: Member) -> None:
    direct = member.get("/spa/16499")
    assert direct.status_code == 302 and direct.headers["location"] == "/"
    forged = member.get("/spa/16499", headers={"referer": f"{url}/spa/category/padel-courts"})
    assert forged.status_code == 302, "a Referer without the session's click-through must fail"
    skipped = member.get("/spa/category/padel-courts", headers={"referer": f"{url}/"})
    assert skipped.status_code == 302, "home was never shown in this session"
    assert member.click_through().status_code == 200
    typed = member.get("/spa/16499")
    assert typed.status_code == 302, "typing the URL after a click-through still fails"
    foreign = member.get("/spa/16499", headers={"referer": "https://example.org/spa/16499"})
    assert foreign.status_code == 302
    xhr = member.get("/spa/16499/availability", params={"from_date": uk(site_today(url))})
    assert xhr.status_code == 302 and xhr.headers["location"] == "/"
    assert len(events(url, "bot_redirect")) == 6


def test_bot_detection_can_be_switched_off(url: str, member: Member) -> None:
    rules = admin(url, "get", "/estelle/rules")
    admin(url, "put", "/estelle/rules", json={**rules, "bot_detection": False})
    assert member.get("/spa/16499").status_code == 200


def test_one_login_works_across_tabs(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=3)
    member.click_through()
    card = free_card(member, day)
    other_tab = Member(url)
    other_tab.cookies = member.cookies
    assert other_tab.click_through().status_code == 200
    assert other_tab.show_availability(uk(day)).status_code == 200
    assert member.book(card.key).status_code == 303, "the first tab still books"
    assert len(events(url, "login")) == 1


# --- availability and release ---------------------------------------------------------------------
def test_slot_cards_carry_the_selectors_and_formats(
    url: str, member: Member, sim: EstelleSim
) -> None:
    day = site_today(url) + timedelta(days=2)
    with sim.lock:  # another member holds the first court-hour, so both card states show
        sim.club.book(sim.club.open_slots(day)[0], "rival@example.com", "seed", record=False)
    member.click_through()
    response = member.show_availability(uk(day))
    assert response.status_code == 200
    cards = cards_of(response.text)
    assert len(cards) == 14 * 3  # 07:00..20:00, three courts
    assert {c.court for c in cards} == {"Padel Court 1", "Padel Court 2", "Padel Court 3"}
    starts = sorted({c.slot_start for c in cards})
    assert starts[0] == f"{uk(day)} 07:00:00" and starts[-1] == f"{uk(day)} 20:00:00"
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:00:00", c.slot_start) for c in cards)
    assert all(c.total == 1 and c.booked in (0, 1) for c in cards)
    assert any(c.booked == 1 for c in cards) and any(c.booked == 0 for c in cards)
    assert "7:00 AM" in response.text and "8:00 PM" in response.text  # span.slot_start_show


def test_today_hides_hours_already_past(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=1)
    set_clock(url, london(day, 15, 30))
    member.click_through()
    starts = {c.slot_start[-8:] for c in cards_of(member.show_availability(uk(day)).text)}
    assert min(starts) == "16:00:00"


def test_dates_open_14_days_ahead_at_midnight_on_the_site_clock(url: str, member: Member) -> None:
    eve = date(2026, 12, 1)
    set_clock(url, london(eve, 23, 59, 40))  # the clock ticks on: room for a loaded machine
    member.click_through()
    assert cards_of(member.show_availability(uk(eve + timedelta(days=14))).text)
    closed = member.show_availability(uk(eve + timedelta(days=15)))
    assert closed.status_code == 200 and not cards_of(closed.text)
    message = text(Html(closed.text).one("div", id="availability-message"))
    assert message == (
        "This date is not yet available to book. Padel courts can be booked up to 14 days in "
        "advance, from midnight."
    )
    set_clock(url, london(eve + timedelta(days=1)))
    assert cards_of(member.show_availability(uk(eve + timedelta(days=15))).text)


@pytest.mark.parametrize(
    ("day", "release_utc"),
    [
        (date(2026, 4, 12), datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),  # clocks go forward at 01:00
        (date(2026, 11, 8), datetime(2026, 10, 24, 23, 0, tzinfo=UTC)),  # BST midnight, then GMT
    ],
)
def test_release_across_a_dst_change_is_local_midnight(
    url: str, member: Member, sim: EstelleSim, day: date, release_utc: datetime
) -> None:
    # The site's clock keeps ticking after it is set: 20 s before the release leaves room for
    # a loaded machine (1 s did not); next_release_after below pins the exact instant.
    set_clock(url, release_utc - timedelta(seconds=20))
    member.click_through()
    assert not cards_of(member.show_availability(uk(day)).text)
    set_clock(url, release_utc)
    assert cards_of(member.show_availability(uk(day)).text)
    assert sim.next_release_after(release_utc - timedelta(hours=12)) == release_utc
    after = sim.next_release_after(release_utc)
    assert after is not None and after.astimezone(LONDON).time() == time(0, 0)
    assert after.astimezone(LONDON).date() == release_utc.astimezone(LONDON).date() + timedelta(1)


def test_release_rule_is_settable(url: str, member: Member, sim: EstelleSim) -> None:
    rules = admin(url, "get", "/estelle/rules")
    assert (rules["days_ahead"], rules["release_hour"]) == (14, 0)
    admin(url, "put", "/estelle/rules", json={**rules, "days_ahead": 7, "release_hour": 7})
    set_clock(url, london(date(2026, 12, 1), 6, 59, 40))
    member.click_through()
    assert not cards_of(member.show_availability("08/12/2026").text)
    assert cards_of(member.show_availability("07/12/2026").text)
    set_clock(url, london(date(2026, 12, 1), 7))
    assert cards_of(member.show_availability("08/12/2026").text)
    nxt = sim.next_release_after(london(date(2026, 12, 1), 7))
    assert nxt == london(date(2026, 12, 2), 7)
    bad = ADMIN.put(f"{url}/_sandbox/estelle/rules", json={**rules, "first_hour": 21})
    assert bad.status_code == 422


def test_clock_skew_moves_the_date_header(url: str) -> None:
    set_clock(url, datetime(2027, 1, 5, 12, 0, tzinfo=UTC))
    (header,) = ADMIN.get(f"{url}/page/login").headers.get_list("date")  # one, the site's
    assert header.startswith("Tue, 05 Jan 2027 12:00:")


# --- booking --------------------------------------------------------------------------------------
def test_booking_confirms_with_a_reference_and_one_event(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=4)
    member.click_through()
    card = free_card(member, day, 19)
    page = member.confirm_page(card.key)
    doc = Html(page.text)
    assert text(doc.one("button", id="btnConfirm")) == "Confirm Booking"
    assert text(doc.one("td", id="summary-court")) == card.court
    assert text(doc.one("td", id="summary-time")) == "7:00 PM - 8:00 PM"
    done = member.confirm(card.key, view_of(page.text) or "")
    assert done.status_code == 303
    reference = done.headers["location"].rsplit("/", 1)[-1]
    confirmation = member.get(done.headers["location"])
    assert "Booking Confirmed" in confirmation.text
    assert text(Html(confirmation.text).one("strong", id="booking-reference")) == reference
    (booking,) = events(url, "booking")
    assert booking["actor"] == DEMO[0] and booking["slot"] == card.key
    assert booking["reference"] == reference
    assert booking["detail"] == {"court": card.court, "price": 40.0, "method": "web"}
    after = [c for c in cards_of(member.show_availability(uk(day)).text) if c.key == card.key]
    assert after[0].booked == 1
    mine = member.get("/page/my-bookings")
    assert reference in mine.text
    stranger = Member(url)
    stranger.login(DEMO_2)
    assert stranger.get(f"/spa/booking/{reference}").status_code == 404


def test_full_court_and_one_court_per_member_per_hour(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=5)
    member.click_through()
    cards = cards_of(member.show_availability(uk(day)).text)
    hour = next(
        h
        for h in range(7, 17)
        if all(c.booked == 0 for c in cards if c.slot_start.endswith(f" {h:02d}:00:00"))
    )
    court_1, court_2 = [c for c in cards if c.slot_start.endswith(f" {hour:02d}:00:00")][:2]
    assert member.book(court_1.key).status_code == 303
    again = member.confirm(court_2.key, view_of(member.confirm_page(court_2.key).text) or "")
    assert again.status_code == 409
    assert "You already have a booking at this time." in again.text
    with Member(url) as other:
        other.login(DEMO_2)
        other.click_through()
        shown = other.confirm_page(court_1.key)
        assert "fully booked" in shown.text and 'id="btnConfirm"' not in shown.text
        taken = other.confirm(court_1.key, "")
        assert taken.status_code == 409
        assert text(Html(taken.text).one("div", id="booking-error")) == (
            "Sorry, this time slot is fully booked. Please choose another time."
        )
    assert [e["detail"]["reason"] for e in events(url, "rejected")] == ["limit", "full"]
    assert len(events(url, "booking")) == 1


def test_unreleased_slot_cannot_be_booked(url: str, member: Member) -> None:
    key = f"{(site_today(url) + timedelta(days=20)).isoformat()}T10:00/court-1"
    member.click_through()
    page = member.confirm_page(key)
    assert "not yet available to book" in page.text and 'id="btnConfirm"' not in page.text
    refused = member.confirm(key, "")
    assert refused.status_code == 403
    assert events(url, "rejected")[0]["detail"]["reason"] == "not_released"
    assert not events(url, "booking")


def test_confirm_without_the_confirm_page_redirects_home(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=2)
    member.click_through()
    card = free_card(member, day)
    response = member.post("/spa/16499/book", data={"slot": card.key, "view": ""})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert not events(url, "booking")


def test_bad_input_gets_the_sites_4xx(url: str, member: Member) -> None:
    member.click_through()
    for bad in ("31/02/2026", "2026-12-01", ""):
        response = member.show_availability(bad)
        assert response.status_code == 400
        assert "Please enter a valid date in the format DD/MM/YYYY." in response.text
    past = member.show_availability(uk(site_today(url) - timedelta(days=1)))
    assert "Please select a date from today onwards." in past.text
    nonsense = member.confirm_page("court-9")
    assert nonsense.status_code == 400 and "couldn't find that time slot" in unescape(nonsense.text)
    empty = member.confirm("", "")
    assert empty.status_code == 400
    closed = member.confirm(
        f"{(site_today(url) + timedelta(days=2)).isoformat()}T23:00/court-1", ""
    )
    assert closed.status_code == 404
    missing = member.get("/no/such/page")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert ADMIN.post(f"{url}/_sandbox/seed/nope").status_code == 404


# --- faults, pacing, competitors, cancellations ---------------------------------------------------
def test_expired_sessions_are_logged_out(url: str, member: Member) -> None:
    member.click_through()
    put_setting(url, "faults", {"expire_sessions": True})
    home = member.get("/")
    assert home.status_code == 302 and home.headers["location"] == "/page/login"
    xhr = member.show_availability(uk(site_today(url)))
    assert xhr.status_code == 302 and xhr.headers["location"] == "/page/login"
    put_setting(url, "faults", {})
    assert member.get("/").headers["location"] == "/page/login", "the session stays gone"
    member.login()
    assert member.get("/").status_code == 200


def test_dropped_slot_fails_the_confirm_step(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=3)
    member.click_through()
    card = free_card(member, day)
    put_setting(url, "faults", {"drop_cart_rate": 1.0})
    response = member.book(card.key)
    assert response.status_code == 409
    assert "Sorry, this slot is no longer available. Please choose another time." in response.text
    assert events(url, "rejected")[0]["detail"]["reason"] == "dropped"
    assert not events(url, "booking")


def test_implausibly_fast_confirm_is_refused_when_pacing_is_on(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=3)
    rules = admin(url, "get", "/estelle/rules")
    admin(url, "put", "/estelle/rules", json={**rules, "min_confirm_ms": 300})
    member.click_through()
    card = free_card(member, day)
    fast = member.book(card.key)
    assert fast.status_code == 403
    assert "We were unable to process your booking." in fast.text
    assert events(url, "rejected")[0]["detail"]["reason"] == "too_fast"
    page = member.confirm_page(card.key)
    sleep(0.4)
    assert member.confirm(card.key, view_of(page.text) or "").status_code == 303


def wait_for_events(base: str, kind: str, count: int, timeout_s: float = 5.0) -> list[Any]:
    deadline = monotonic() + timeout_s
    found = events(base, kind)
    while monotonic() < deadline and len(found) < count:
        sleep(0.1)
        found = events(base, kind)
    return found


def test_competitors_grab_at_the_release_instant(url: str) -> None:
    release = london(site_today(url) + timedelta(days=3))
    day = (release + timedelta(days=14)).date()
    targets = [f"{day.isoformat()}T{h}:00/court-{c}" for h in (19, 20) for c in (1, 2, 3)]
    put_setting(url, "competitors", {"count": 2, "reaction_ms": 100, "targets": targets})
    # A jump forward past several releases does not replay them...
    set_clock(url, release + timedelta(days=2, seconds=30))
    sleep(1.5)  # the loop wakes at least once a second
    assert events(url, "booking") == []
    # ...and a jump back does not stall the loop: it fires at the next release.
    set_clock(url, release - timedelta(seconds=1.5))
    grabbed = wait_for_events(url, "booking", 2)
    sleep(0.3)  # no third grab: two competitors, one release
    assert events(url, "booking") == grabbed
    assert sorted(e["actor"] for e in grabbed) == ["competitor-1", "competitor-2"]
    assert all(e["slot"] in targets and e["t"] >= release.timestamp() + 0.1 for e in grabbed)
    assert all(e["detail"]["method"] == "competitor" for e in grabbed)
    assert len({e["slot"] for e in grabbed}) == 2


def test_cancellations_free_slots(url: str) -> None:
    admin(url, "post", "/reset")  # no demo bookings: the canceller can only pick ours
    admin(url, "post", "/estelle/members", json={"email": DEMO[0], "password": DEMO[1]})
    day = site_today(url) + timedelta(days=3)
    with Member(url) as member:
        member.login()
        member.click_through()
        card = free_card(member, day)
        assert member.book(card.key).status_code == 303
        put_setting(url, "cancellations", {"per_minute": 600})  # one a second
        deadline = monotonic() + 5
        while monotonic() < deadline and not events(url, "cancel"):
            sleep(0.1)
        put_setting(url, "cancellations", {"per_minute": 0})
        (cancel,) = events(url, "cancel")
        assert cancel["actor"] == "canceller" and cancel["slot"] == card.key
        again = [c for c in cards_of(member.show_availability(uk(day)).text) if c.key == card.key]
        assert again[0].booked == 0
        assert member.book(card.key).status_code == 303


def test_cancelled_booking_by_admin_frees_the_court(url: str, member: Member) -> None:
    day = site_today(url) + timedelta(days=2)
    member.click_through()
    card = free_card(member, day)
    reference = member.book(card.key).headers["location"].rsplit("/", 1)[-1]
    admin(url, "post", f"/estelle/bookings/{reference}/cancel")
    (cancel,) = events(url, "cancel")
    assert cancel["reference"] == reference and cancel["slot"] == card.key
    assert member.book(card.key).status_code == 303


def test_admin_adds_members_and_occupies_slots(url: str) -> None:
    admin(url, "post", "/estelle/members", json={"email": "New@Example.com", "password": "pw"})
    with Member(url) as client:
        assert client.login(("new@example.com", "pw")).status_code == 302
        client.click_through()
        day = site_today(url) + timedelta(days=6)
        card = free_card(client, day)
        admin(url, "post", "/estelle/occupy", json={"slot": card.key})
        assert client.book(card.key).status_code == 409
    state = admin(url, "get", "/state")
    assert "new@example.com" in state["members"] and state["open_until"]
    assert any(b["slot"] == card.key and b["method"] == "seed" for b in state["bookings"])


def test_demo_users_match_the_seed(sim: EstelleSim, url: str) -> None:
    assert [m for m, _ in DEMO_USERS] == admin(url, "get", "/state")["members"]
    assert DEMO_USERS[0] == DEMO and DEMO_USERS[1] == DEMO_2


def test_untargeted_competitors_chase_the_date_just_released(url: str, sim: EstelleSim) -> None:
    key = sim.competitor_grab("competitor-9", [])
    assert key is not None
    state = admin(url, "get", "/state")
    assert key.startswith(state["open_until"]) and int(key[11:13]) >= 17
    (booking,) = events(url, "booking")
    assert booking["actor"] == "competitor-9" and booking["slot"] == key
    assert sim.competitor_grab("competitor-9", ["not-a-key", key]) is None
    assert sim.cancel_random() is not None and events(url, "cancel")
