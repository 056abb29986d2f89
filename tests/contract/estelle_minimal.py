"""A second Estelle Manor, written from ../shared/sites/estelle.md alone, to book on.

It shares no code with the simulator in `autobook.sandbox.estelle` and keeps to what the notes
promise: the login form's fields, `#book-now-button`, the texts "Padel Courts", the month in
capitals and "BOOK - 1Hr", `#from_date` in DD/MM/YYYY, "Show Availability" and the slot cards'
spans. Everything the notes leave open differs from the simulator, and `Variant` switches some
of it: a public home page, a Book Now panel with buttons instead of links, a read-only date
field, a confirm dialog or a confirm page without ids, a confirmation in other words, no My
Bookings or a list instead of a table. `ignore_date` makes it a broken site that lists today
whatever date is asked for.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

LONDON = ZoneInfo("Europe/London")
COURTS = ("Padel 1", "Padel 2", "Padel 3")
HOURS = range(7, 22)
AHEAD_DAYS = 14  # the notes: courts open 14 days ahead at midnight, Europe/London
COOKIE = "manor_session"
MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST",
          "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")  # fmt: skip


@dataclass(frozen=True)
class Variant:
    dialog: bool = True  # a confirm dialog on the cards page; else a confirm page
    fetch: bool = False  # Show Availability fetches the cards; else it loads a new page
    apply_id: bool = True  # the "Show Availability" link has id btnApply
    month_buttons: bool = True  # month buttons; else only "BOOK - 1Hr"
    my_bookings: bool = False  # a "My bookings" list (li items, not a table)
    days_listed: int = 1  # the cards of this many days from the date asked
    ignore_date: bool = False  # broken: lists today whatever the date field says
    beaten: bool = False  # someone else confirms every slot just before this member does
    misdated: bool = False  # broken: books the day after the card's, and says so
    silent: bool = False  # after Confirm, a page that says nothing about the booking


@dataclass
class Booking:
    reference: str
    member: str
    start: datetime
    court: str


@dataclass
class MinimalEstelle:
    """The site's state, read by the tests directly (it runs in the test's own process)."""

    members: dict[str, str]
    variant: Variant = field(default_factory=Variant)
    bookings: list[Booking] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    closed: set[date] = field(default_factory=set)  # days without a court to book
    signer: URLSafeSerializer = field(default_factory=lambda: URLSafeSerializer("not-secret"))
    refs: itertools.count[int] = field(default_factory=lambda: itertools.count(48213))

    def taken(self, start: datetime, court: str) -> bool:
        return any(b.start == start and b.court == court for b in self.bookings)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/", self.home),
            Route("/page/login", self.login, methods=["GET", "POST"]),
            Route("/page/logout", self.logout, methods=["POST"]),
            Route("/account", self.account),
            Route("/account/bookings", self.my_bookings),
            Route("/spa/category/42", self.padel),
            Route("/spa/777", self.dates),
            Route("/spa/777/slots", self.slots),
            Route("/spa/777/confirm", self.confirm_page),
            Route("/spa/777/book", self.book, methods=["POST"]),
            Route("/spa/777/success/{reference}", self.success),
        ])  # fmt: skip

    # --- pages ---------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        member = self.member(request)
        mine = '<a href="/account/bookings">My bookings</a>' if self.variant.my_bookings else ""
        body = f"""
<h1>Estelle Manor</h1><p>A country house hotel and members' club.</p>
<button type="button" id="book-now-button">Book now</button>
<div id="choices" hidden><h2>What would you like to book?</h2>
  <button type="button" data-go="/spa/category/42">Padel Courts</button>
  <button type="button" disabled>Treatments</button></div>
{mine if member else ""}
<script>document.getElementById("book-now-button").onclick = () =>
  document.getElementById("choices").hidden = false;</script>"""
        return page("Home", body, member)

    async def login(self, request: Request) -> Response:
        form = """<form method="post"><label>Email <input type="email" name="email"></label>
<label>Password <input type="password" name="password"></label>
<input type="submit" value="Sign in"></form>"""
        if request.method == "GET":
            return page("Sign in", form, None)
        data = await request.form()
        email, password = str(data.get("email", "")), str(data.get("password", ""))
        ok = self.members.get(email) == password
        self.logins.append((email, ok))
        if not ok:  # the same form again, in words of its own
            return page("Sign in", "<p>We couldn't sign you in with those details.</p>" + form)
        response = RedirectResponse("/account", status_code=303)
        response.set_cookie(COOKIE, self.signer.dumps(email), httponly=True)
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    async def account(self, request: Request) -> Response:
        member = self.member(request)
        if member is None:
            return RedirectResponse("/page/login", status_code=303)
        return page("Your account", f"<p>Signed in as {html.escape(member)}.</p>", member)

    async def my_bookings(self, request: Request) -> Response:
        member = self.member(request)
        if member is None:
            return RedirectResponse("/page/login", status_code=303)
        items = "".join(
            f"<li>{b.court} · {b.start:%a %d %b %Y} · {b.start:%H:%M} · ref {b.reference}</li>"
            for b in self.bookings if b.member == member
        )  # fmt: skip
        return page(
            "My bookings", f"<ul>{items}</ul>" if items else "<p>Nothing booked.</p>", member
        )

    async def padel(self, request: Request) -> Response:
        if (bounce := self.check(request)) is not None:
            return bounce
        buttons = ""
        if self.variant.month_buttons:
            today = datetime.now(LONDON).date()
            months = sorted({(d.year, d.month) for d in days(today, today, AHEAD_DAYS + 1)})
            buttons = "".join(
                f'<button type="button" data-go="/spa/777?m={y}-{m:02d}">{MONTHS[m - 1]}</button>'
                for y, m in months
            )
        body = f'<h1>Padel</h1>{buttons}<p><a href="/spa/777">BOOK - 1Hr</a></p>'
        return page("Padel", body, self.member(request))

    async def dates(self, request: Request) -> Response:
        if (bounce := self.check(request)) is not None:
            return bounce
        today = datetime.now(LONDON).date()
        asked = request.query_params.get("from_date", "")
        shown = asked or today.strftime("%d/%m/%Y")
        apply_id = ' id="btnApply"' if self.variant.apply_id else ""
        results = self.cards_html(asked) if asked and not self.variant.fetch else ""
        go = (
            "fetch('/spa/777/slots?from_date=' + encodeURIComponent(field.value))"
            ".then(r => r.text()).then(t => { results.innerHTML = t; });"
            if self.variant.fetch
            else "location.href = '/spa/777?from_date=' + encodeURIComponent(field.value);"
        )
        body = f"""<h1>Padel court hire</h1>
<p>Date <input id="from_date" name="from_date" value="{shown}" readonly></p>
<p><a href="#"{apply_id} role="button">Show Availability</a></p>
<div id="results">{results}</div>
<div id="ask" role="dialog" aria-modal="true" hidden><p id="ask-what"></p>
  <button type="button" id="ask-yes">Confirm</button>
  <button type="button" id="ask-no">Cancel</button></div>
<script>
const field = document.getElementById("from_date"), results = document.getElementById("results");
document.querySelector("[role=button]").onclick = (e) => {{ e.preventDefault(); {go} }};
results.onclick = (e) => {{
  const card = e.target.closest("[data-slot]"); if (!card) return;
  if ({str(not self.variant.dialog).lower()}) {{
    location.href = "/spa/777/confirm?slot=" + card.dataset.slot; return; }}
  document.getElementById("ask-what").textContent = card.dataset.what;
  const ask = document.getElementById("ask"); ask.hidden = false;
  document.getElementById("ask-no").onclick = () => {{ ask.hidden = true; }};
  document.getElementById("ask-yes").onclick = () => {{
    const form = new URLSearchParams({{slot: card.dataset.slot}});
    fetch("/spa/777/book", {{method: "POST", body: form}})
      .then(r => r.json()).then(a => {{ ask.innerHTML = "<p>" + a.message + "</p>"; }});
  }};
}};
</script>"""
        return page("Padel court hire", body, self.member(request))

    async def slots(self, request: Request) -> Response:
        if self.member(request) is None:
            return RedirectResponse("/page/login", status_code=303)
        return HTMLResponse(self.cards_html(request.query_params.get("from_date", "")))

    async def confirm_page(self, request: Request) -> Response:
        if (bounce := self.check(request)) is not None:
            return bounce
        start, court = parse_slot(request.query_params.get("slot", ""))
        body = f"""<h1>Almost there</h1><p>{court}, {start:%A %d %B %Y} at {start:%I:%M %p}</p>
<form method="post" action="/spa/777/book"><input type="hidden" name="slot"
  value="{request.query_params.get("slot", "")}"><input type="submit" value="Confirm booking">
</form>"""
        return page("Check your booking", body, self.member(request))

    async def book(self, request: Request) -> Response:
        member = self.member(request)
        data = await request.form()
        start, court = parse_slot(str(data.get("slot", "")))
        if self.variant.beaten and not self.taken(start, court):
            self.bookings.append(Booking("X-first", "quicker@example.com", start, court))
        if member is None or self.taken(start, court):
            message = "Sorry, this slot is no longer available."
            if self.variant.dialog:
                return JSONResponse({"message": message}, status_code=409)
            return page("Sorry", f"<p>{message}</p>", member, status=409)
        if self.variant.misdated:
            start += timedelta(days=1)
        reference = f"PD-{next(self.refs)}"
        self.bookings.append(Booking(reference, member, start, court))
        if self.variant.dialog:
            return JSONResponse({"message": f"Thank you, see you on court. Ref {reference}"})
        if self.variant.silent:
            return page("Padel", "<h1>Padel</h1><p>See you soon.</p>", member)
        return RedirectResponse(f"/spa/777/success/{reference}", status_code=303)

    async def success(self, request: Request) -> Response:
        reference = request.path_params["reference"]
        [booked] = [b for b in self.bookings if b.reference == reference]
        body = f"""<h1>You're in</h1><p>See you on court. Reference number {reference}</p>
<p>Date: {booked.start:%d/%m/%Y}</p><p>Time: {booked.start:%H:%M}</p>"""
        return page("Booked", body, self.member(request))

    # --- helpers -------------------------------------------------------------------------
    def cards_html(self, asked: str) -> str:
        today = datetime.now(LONDON).date()
        try:
            first = datetime.strptime(asked, "%d/%m/%Y").date()
        except ValueError:
            return "<p>Please choose a date.</p>"
        if self.variant.ignore_date:
            first = today
        cards = []
        for day in days(today, first, self.variant.days_listed):
            if day in self.closed:
                continue
            for court in reversed(COURTS):  # court by court, not hour by hour
                for hour in HOURS:
                    start = datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)
                    cards.append(card(start, court, self.taken(start, court)))
        return "".join(cards) or "<p>Nothing to book on this date.</p>"

    def member(self, request: Request) -> str | None:
        try:
            email = self.signer.loads(request.cookies.get(COOKIE, ""))
        except BadSignature:
            return None
        return email if email in self.members else None

    def check(self, request: Request) -> Response | None:
        """Booking pages need a member who clicked here from the site (the notes: a direct
        URL was sent home)."""
        if self.member(request) is None:
            return RedirectResponse("/page/login", status_code=303)
        if not request.headers.get("referer", "").startswith(str(request.base_url)):
            return RedirectResponse("/", status_code=303)
        return None


def days(today: date, first: date, count: int) -> list[date]:
    last = today + timedelta(days=AHEAD_DAYS)
    return [d for d in (first + timedelta(days=i) for i in range(count)) if today <= d <= last]


def card(start: datetime, court: str, taken: bool) -> str:
    key = f"{start:%Y%m%d%H}-{COURTS.index(court)}"
    what = f"{court} on {start:%d %B} at {start:%H:%M}"
    return f"""<div class="cardBtn" data-slot="{key}" data-what="{what}">
<div class="cardBtn-bd vr vr_centered">
<span class="slot_start" hidden>{start:%d/%m/%Y %H:%M:%S}</span>
<span class="slot_start_show">{start:%I:%M %p}</span> <span class="slot-subject-spa">{court}</span>
<span class="totalBooked">{int(taken)}</span> of <span class="totalSlots">1</span></div></div>"""


def parse_slot(key: str) -> tuple[datetime, str]:
    stamp, _, index = key.partition("-")
    start = datetime.strptime(stamp, "%Y%m%d%H").replace(tzinfo=LONDON)
    return start, COURTS[int(index)]


def page(title: str, body: str, member: str | None = None, status: int = 200) -> HTMLResponse:
    if member:
        who = '<form method="post" action="/page/logout"><button>Sign out</button></form>'
    else:
        who = '<a href="/page/login">Sign in</a>'
    return HTMLResponse(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script>document.addEventListener("click", e => {{ const b = e.target.closest("[data-go]");
  if (b) location.href = b.dataset.go; }});</script></head>
<body><header><a href="/">Home</a> {who}</header><main>{body}</main></body></html>""",
        status_code=status,
    )
