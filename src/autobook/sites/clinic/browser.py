"""A Moxie-style booking widget driven as a person uses it: by what the page shows, not by its
markup. The only module of the clinic adapter that imports Playwright.

Services, providers and times are found by their names ("Botox", "Brandi", "2:30 PM" or
"14:30"); the day in an ARIA calendar grid, a strip of day links or a date field; contact and
card fields by their labels; buttons by role and name ("Next step", "Continue", "Book
Appointment"). URLs are followed, never built: the session is whatever page the browser is on.
A clinic whose page words things differently gets `Hints` from its profile.

A missing element is `SiteChanged` naming the step and what was looked for; the page's own
words for a time that is gone or a day not open yet become `SlotTaken` and `NotReleased`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NoReturn
from zoneinfo import ZoneInfo

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page, async_playwright

from autobook.chromium import launch_options
from autobook.sites.base import ConfigError, NotReleased, SiteChanged, SlotTaken, Transient
from autobook.sites.clinic.catalogue import Catalogue, Provider, Service, slugify
from autobook.sites.outcome import DEFAULT_WAIT_S, PageOutcome, look, read_outcome
from autobook.sites.pages import goto, network_of, type_like_human

ELEMENT_TIMEOUT_MS = 10_000  # a step's controls once the page has moved on
TIMES_TIMEOUT_MS = 15_000  # moxie.md: times appear 2-10 s after a day is clicked
QUIET_MS = 250  # a one-page app redraws after its requests; a person waits as long
IDLE_TIMEOUT_MS = 3_000
MAX_ROUNDS = 6  # "Next" rounds from the time to the payment step (moxie.md: at most 8)
MAX_PERIODS = 14  # weeks or months paged forward looking for a day
SENSITIVE = "data-autobook-sensitive"  # marks fields typed into, for masked screenshots

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
DURATION_RE = re.compile(r"\b(\d{1,3})\s*min(?:ute)?s?\b", re.I)
PRICE_RE = re.compile(r"[£$€]\s?\d[\d,]*(?:\.\d{2})?")
NO_TIMES_RE = re.compile(r"no (?:times|availability|appointments)|opens on|not available", re.I)
OPENS_ON_RE = re.compile(r"opens on \w+,? (\d{1,2} \w+ \d{4})", re.I)
GONE_RE = re.compile(r"no longer available|just taken|already (?:been )?booked", re.I)
NEXT_PERIOD = r"^\s*(next\s*(month|week)?\s*[›>→]?|[›>→])\s*$"  # not "Next step"
ANY_PROVIDER_RE = re.compile(r"first available|no preference|any provider|anyone", re.I)


@dataclass(frozen=True)
class Hints:
    """A clinic's own words where they differ from the common ones (from its profile)."""

    book_now: str = r"^(book now|book online|book an appointment)$"
    forward: str = r"^(next( step)?|continue( to payment)?|review|proceed)$"
    confirm: str = r"^confirm selection$"
    pay: str = r"^(book appointment|pay( now)?|complete booking|confirm (and pay|booking))$"
    first_name: str = r"first\s*name|given name"
    last_name: str = r"last\s*name|surname|family name"
    phone: str = r"phone|mobile"
    email: str = r"e-?mail"
    card_number: str = r"card\s*number"
    expiry: str = r"expir|mm\s*/\s*yy"
    cvv: str = r"cvv|cvc|security code"
    tick: tuple[str, ...] = ()  # labels of checkboxes to tick before going on (consents)
    extra: dict[str, str] = field(default_factory=dict)  # label → value for extra fields


@dataclass(frozen=True)
class Patient:
    first_name: str
    last_name: str
    phone: str
    email: str


@dataclass(frozen=True)
class CardEntry:
    number: str
    expiry: str  # "MM/YY"
    cvv: str

    def __repr__(self) -> str:  # never the number or the CVV, even in a traceback
        return f"CardEntry(ending {self.number[-4:]})"


READ_CARDS_JS = """(durations) => {
  // Each visible element whose own text holds a duration, climbed to the largest ancestor
  // that holds only that one duration: the service's card.
  const re = new RegExp(durations, 'i');
  const own = (e) => [...e.childNodes].filter(n => n.nodeType === 3)
    .map(n => n.textContent).join(' ');
  const count = (e) => (e.innerText.match(new RegExp(durations, 'gi')) || []).length;
  const cards = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!e.offsetParent || !re.test(own(e))) continue;
    let card = e;
    while (card.parentElement && card.parentElement !== document.body
           && count(card.parentElement) === 1) card = card.parentElement;
    if (!cards.includes(card)) cards.push(card);
  }
  return cards.map(c => c.innerText);
}"""
RADIO_NAMES_JS = """() => [...document.querySelectorAll('input[type=radio], [role=radio]')]
  .filter(r => r.offsetParent || (r.closest('label') && r.closest('label').offsetParent))
  .map(r => {
    const box = r.closest('label') || (r.id && document.querySelector(`label[for="${r.id}"]`)) || r;
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.textContent.trim();
      if (t) return t;
    }
    return r.getAttribute('aria-label') || '';
  })"""


class Widget:
    """One patient's way through one clinic's widget in one tab."""

    def __init__(
        self,
        page: Page,
        booking_url: str,
        zone: ZoneInfo,
        *,
        typing_delay_ms: int,
        hints: Hints,
        answer_wait_s: float = DEFAULT_WAIT_S,
    ) -> None:
        self.page = page
        self.url = booking_url
        self.zone = zone
        self.typing_delay_ms = typing_delay_ms
        self.hints = hints
        self.answer_wait_s = answer_wait_s
        self.network = network_of(page)  # before the first click, so its requests are seen

    # --- opening and reading --------------------------------------------------------------
    async def open(self, *, step: str) -> None:
        """The booking page; a clinic home page's "Book Now" is followed to the widget."""
        await goto(self.page, self.url, step=step)
        await self._settle()
        if not await self._service_texts():
            book = self._button_or_link(self.hints.book_now)
            if await book.count():
                await self._click(book.first, step=step)
        if not await self._service_texts():
            await self.page.wait_for_timeout(2_000)  # a one-page app still drawing
        if not await self._service_texts():
            self._changed(step, 'a list of services with durations ("30 min")')

    async def catalogue(self, *, step: str) -> Catalogue:
        """The services shown (names, minutes, prices); providers are read per service."""
        services = []
        for text in await self._service_texts():
            match = DURATION_RE.search(text)
            assert match is not None  # the script only returns cards with a duration
            # The line before the duration (a category heading may come before it).
            lines = [ln.strip(" ·-–|\t") for ln in text[: match.start()].splitlines()]
            name = next((ln for ln in reversed(lines) if ln), "")
            if not name:
                continue
            price = PRICE_RE.search(text, match.end())
            services.append(
                Service(slugify(name), name, int(match[1]), price[0] if price else None)
            )
        if not services:
            self._changed(step, "service names before their durations")
        title = await self.page.title()
        clinic = re.split(r"\s[·|–-]\s", title)[-1].strip() or title
        return Catalogue(name=clinic, services=tuple(services))

    async def providers(self, service: Service, *, step: str) -> tuple[Provider, ...]:
        """The providers offered for `service` (after choosing it), "first available" left out."""
        await self.choose_service(service, step=step)
        await self._reach_providers(step)
        names = await self.page.evaluate(RADIO_NAMES_JS)
        return tuple(Provider(slugify(n), n) for n in names if n and not ANY_PROVIDER_RE.search(n))

    # --- steps ----------------------------------------------------------------------------
    async def choose_service(self, service: Service, *, step: str) -> None:
        name = self.page.get_by_text(service.name, exact=True)
        target = await self._first_visible(name)
        if target is None:
            self._changed(step, f"the service {service.name!r}")
        await target.click()
        await self._settle()

    async def choose_provider(self, provider: Provider | None, *, step: str) -> None:
        """The provider's radio (or "first available" for None), confirmed if the page asks."""
        pattern = (
            ANY_PROVIDER_RE
            if provider is None
            else re.compile(rf"^\s*{re.escape(provider.name)}\b", re.I)
        )
        await self._reach_providers(step, pattern)
        chosen = await self._radio(pattern)
        if chosen is None:
            who = provider.name if provider else "first available"
            self._changed(step, f"a choice of provider named {who!r}")
        await chosen.check(force=True)
        confirm = self.page.get_by_role("button", name=re.compile(self.hints.confirm, re.I))
        if await self._first_visible(confirm) is not None:
            await self._click(confirm.first, step=step)

    async def choose_day(self, day: date, *, step: str) -> None:
        """Go forward through the calendar (months) or the day strip (weeks) to `day`."""
        await self.forward(step=step, unless=self._day_or_date_field)
        for _ in range(MAX_PERIODS):
            field_ = self.page.locator("input[type=date]")
            if await self._first_visible(field_) is not None:
                await field_.first.fill(day.isoformat())
                await self._settle()
                return
            cell = await self._day(day)
            if cell is not None and await cell.get_attribute("aria-disabled") == "true":
                raise SlotTaken(f"step {step}: {day:%-d %B} shows as unavailable", step=step)
            if cell is not None:
                await self._click(cell, step=step)
                return
            nxt = await self._first_visible(self._button_or_link(NEXT_PERIOD))
            if nxt is None:
                break
            await self._click(nxt, step=step)
        self._changed(step, f"the day {day:%-d %B %Y} in a calendar, a day strip or a date field")

    async def times(self, *, step: str) -> list[time]:
        """The start times shown for the chosen day (they may appear seconds after the click)."""
        shown = self.page.get_by_text(
            re.compile(r"^\s*\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?)?\s*$", re.I)
        )
        nothing = self.page.get_by_text(NO_TIMES_RE)
        try:
            await shown.or_(nothing).first.wait_for(state="visible", timeout=TIMES_TIMEOUT_MS)
        except PlaywrightError:
            self._changed(step, 'times ("2:30 PM" or "14:30") or a no-times message')
        if not await shown.count():
            text = await nothing.first.inner_text()
            if OPENS_ON_RE.search(text):
                self._not_released(text, step)
            return []
        found = {_parse_time(t) for t in await shown.all_inner_texts()}
        return sorted(t for t in found if t is not None)

    async def choose_time(self, at: time, *, step: str) -> None:
        await self.times(step=step)  # wait until they are drawn
        label = self.page.get_by_text(_time_pattern(at))
        target = await self._first_visible(label)
        if target is None:
            raise SlotTaken(f"step {step}: {at:%H:%M} is no longer listed", step=step)
        await target.click()
        await self._settle()
        await self.forward(step=step)
        text = await self._body_text()
        if (opens := OPENS_ON_RE.search(text)) is not None:
            self._not_released(opens[0], step)
        if (gone := GONE_RE.search(text)) is not None:
            raise SlotTaken(f"step {step}: {gone[0]}", step=step)

    async def fill_to_payment(self, patient: Patient, *, step: str) -> None:
        """Fill the contact fields each step shows (phone first, then name and email, or all
        at once), tick what the profile says, and go on until the card form shows."""
        for _ in range(MAX_ROUNDS):
            if await self.at_payment():
                return
            await self._fill_contact(patient)
            for label in self.hints.tick:
                await self.page.get_by_label(re.compile(label, re.I)).first.check()
            await self.forward(step=step)
            await self._refused(step)
        if not await self.at_payment():
            self._changed(step, 'the payment step (a "Card number" field)')

    async def at_payment(self) -> bool:
        number = self.page.get_by_label(re.compile(self.hints.card_number, re.I))
        return await self._first_visible(number) is not None

    async def verify(self, at: datetime, provider: str | None, *, step: str) -> None:
        """Money is final: the payment page must show the day, the time and the provider
        that were chosen (in whatever format it writes them), else nothing is paid."""
        text = await self._body_text()
        local = at.astimezone(self.zone)
        mon = MONTHS[local.month - 1][:3]  # "10 December", "Dec 10", "December 10th"
        day = re.compile(rf"\b{local.day}(st|nd|rd|th)?\b.{{0,12}}\b{mon}"
                         rf"|\b{mon}\w*\.? {local.day}\b", re.I)  # fmt: skip
        hour = re.compile(rf"(?<![\d:]){_time_words(local.time())}(?!\d)", re.I)
        checks = {"day": day, "time": hour}
        if provider:
            checks["provider"] = re.compile(re.escape(provider.split()[0]), re.I)
        missing = [name for name, pattern in checks.items() if not pattern.search(text)]
        if missing:
            raise SiteChanged(
                f"step {step}: the payment page does not show the chosen {', '.join(missing)} "
                f"({local:%-d %B %H:%M}{', ' + provider if provider else ''}); nothing was paid",
                step=step, selector="the booking summary",
            )  # fmt: skip

    async def type_card(self, card: CardEntry, *, step: str) -> Locator:
        """Type the card into the fields labelled for it; the pay button."""
        h = self.hints
        for pattern, value in ((h.card_number, card.number), (h.expiry, card.expiry),
                               (h.cvv, card.cvv)):  # fmt: skip
            box = await self._first_visible(self.page.get_by_label(re.compile(pattern, re.I)))
            if box is None:
                self._changed(step, f"a card field labelled /{pattern}/")
            await box.evaluate(f"e => e.setAttribute('{SENSITIVE}', '')")
            await box.fill("")
            await type_like_human(box, value, mean_delay_ms=self.typing_delay_ms)
        return await self.pay_button(step=step)

    async def pay_button(self, *, step: str) -> Locator:
        button = self.page.get_by_role("button", name=re.compile(self.hints.pay, re.I))
        found = await self._first_visible(button)
        if found is None:
            self._changed(step, f"a pay button named /{self.hints.pay}/")
        return found

    async def pay(self, button: Locator) -> PageOutcome:
        """Click the pay button and read what the page answers."""
        before = self.page.url
        with contextlib.suppress(PlaywrightError):  # the click may have gone through anyway
            await button.click()
        return await read_outcome(self.page, wait_s=self.answer_wait_s, until_changed_from=before)

    async def outcome_now(self) -> PageOutcome:
        return await look(self.page)

    # --- moving on ------------------------------------------------------------------------
    async def forward(
        self, *, step: str, unless: Callable[[], Awaitable[bool]] | None = None
    ) -> None:
        """Click the page's forward button ("Next step", "Continue"…) and let it settle."""
        if unless is not None and await unless():
            return
        button = self.page.get_by_role("button", name=re.compile(self.hints.forward, re.I))
        found = await self._first_visible(button, timeout_ms=ELEMENT_TIMEOUT_MS)
        if found is None:
            self._changed(step, f"a button named /{self.hints.forward}/")
        await self._click(found, step=step)

    async def _click(self, target: Locator, *, step: str) -> None:
        """Click; if that loads another page, wait for it and check the site answered."""
        url = self.page.url
        try:
            await target.click()
            await self.page.wait_for_load_state("domcontentloaded")
        except PlaywrightError as exc:  # timeouts included
            why = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            raise Transient(f"step {step}: the page did not answer ({why})", step=step) from None
        await self._settle()
        if self.page.url != url:
            await self._alive(step)

    async def _alive(self, step: str) -> None:
        seen = await look(self.page)
        if seen.outcome.value == "session_gone":
            raise SlotTaken(f"step {step}: {seen.reason}", step=step)
        heading = await self._first_visible(self.page.get_by_role("heading", level=1))
        if heading is not None and re.search(r"went wrong|service unavailable|error",
                                             await heading.inner_text(), re.I):  # fmt: skip
            raise Transient(f"step {step}: {await heading.inner_text()}", step=step)

    async def _settle(self) -> None:
        """Let a click's requests finish (a real Moxie page never goes idle: bounded)."""
        await self.network.quiet(quiet_ms=QUIET_MS, bound_ms=IDLE_TIMEOUT_MS)

    # --- plumbing -------------------------------------------------------------------------
    async def _service_texts(self) -> list[str]:
        texts: list[str] = await self.page.evaluate(READ_CARDS_JS, DURATION_RE.pattern)
        return texts

    async def _reach_providers(self, step: str, pattern: re.Pattern[str] = ANY_PROVIDER_RE) -> None:
        """Provider choices show in a panel after the service, or on the next page."""
        if await self._radio(pattern) is None:
            await self.forward(step=step)

    async def _radio(self, pattern: re.Pattern[str]) -> Locator | None:
        radio = self.page.get_by_role("radio", name=pattern)
        if not await radio.count():
            radio = self.page.get_by_label(pattern)
        return await self._first_visible(radio, or_attached=True)

    async def _day_or_date_field(self) -> bool:
        return await self._first_visible(
            self.page.locator("input[type=date]").or_(self.page.get_by_role("gridcell"))
        ) is not None or bool(await self._body_text() and re.search(
            r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*\s+\d{1,2}\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug"
            r"|Sep|Oct|Nov|Dec)", await self._body_text()))  # fmt: skip

    async def _day(self, day: date) -> Locator | None:
        """The clickable day: a grid cell under its month's title, or a link naming the day."""
        month = f"{MONTHS[day.month - 1]} {day.year}"
        grid = self.page.get_by_role("grid")
        if await grid.count() and month in await self._body_text():
            cell = grid.get_by_role("gridcell", name=str(day.day), exact=True)
            found = await self._first_visible(cell)
            if found is not None:
                return found
        abbr = MONTHS[day.month - 1][:3]
        named = re.compile(rf"(^|\D){day.day}\s+{abbr}", re.I)
        return await self._first_visible(
            self.page.get_by_role("link", name=named).or_(
                self.page.get_by_role("button", name=named)
            )
        )

    async def _fill_contact(self, patient: Patient) -> None:
        h = self.hints
        values = ((h.first_name, patient.first_name), (h.last_name, patient.last_name),
                  (h.phone, patient.phone), (h.email, patient.email),
                  *h.extra.items())  # fmt: skip
        for pattern, value in values:
            box = await self._first_visible(self.page.get_by_label(re.compile(pattern, re.I)))
            if box is None or await box.get_attribute("type") in ("checkbox", "radio"):
                continue
            if await box.input_value() != value:
                if pattern == h.phone:
                    await box.evaluate(f"e => e.setAttribute('{SENSITIVE}', '')")
                await box.fill(value)

    async def _refused(self, step: str) -> None:
        """The page's complaint about the details typed, as a ConfigError naming it."""
        errors = self.page.locator("[aria-invalid=true]")
        alert = await self._first_visible(self.page.get_by_role("alert"))
        if await errors.count() or (alert is not None and not await self.at_payment()):
            words = await alert.inner_text() if alert is not None else ""
            texts = await self.page.locator(".field-error, [id$=-error]").all_inner_texts()
            why = " ".join([" ".join(words.split()), *texts]).strip() or "invalid details"
            raise ConfigError(f"step {step}: the clinic refused the patient's details: {why}",
                              step=step)  # fmt: skip

    def _button_or_link(self, pattern: str) -> Locator:
        named = re.compile(pattern, re.I)
        return self.page.get_by_role("link", name=named).or_(
            self.page.get_by_role("button", name=named)
        )

    async def _first_visible(
        self, locator: Locator, *, timeout_ms: int = 0, or_attached: bool = False
    ) -> Locator | None:
        """The first visible match (waiting up to `timeout_ms`); with `or_attached`, a hidden
        radio inside a visible label counts."""
        if timeout_ms:
            try:
                await locator.first.wait_for(state="visible", timeout=timeout_ms)
            except PlaywrightError:
                return None
        for i in range(await locator.count()):
            item = locator.nth(i)
            if await item.is_visible():
                return item
        if or_attached and await locator.count():
            return locator.first
        return None

    async def _body_text(self) -> str:
        try:
            return " ".join((await self.page.locator("body").inner_text()).split())
        except PlaywrightError:
            return ""

    def _not_released(self, message: str, step: str) -> NoReturn:
        match = OPENS_ON_RE.search(message)
        opens = None
        if match:
            day = datetime.strptime(match[1], "%d %B %Y").date()
            opens = datetime.combine(day, time(0), self.zone)
        raise NotReleased(f"step {step}: {message}", step=step, opens_at=opens)

    def _changed(self, step: str, what: str) -> NoReturn:
        raise SiteChanged(
            f"step {step}: expected {what} is not on the page", step=step, selector=what
        )


def _time_words(at: time) -> str:
    """ "2:30 PM", "2:30pm", "02:30 p.m." or "14:30" for 14:30, as a regular expression."""
    h12 = at.hour % 12 or 12
    half = "a" if at.hour < 12 else "p"
    return rf"(0?{h12}[:.]{at.minute:02d}\s*{half}\.?m\.?|0?{at.hour}[:.]{at.minute:02d})"


def _time_pattern(at: time) -> re.Pattern[str]:
    """A label that is the time and nothing else."""
    return re.compile(rf"^\s*{_time_words(at)}\s*$", re.I)


def _parse_time(text: str) -> time | None:
    match = re.match(r"^\s*(\d{1,2})[:.](\d{2})\s*([ap])?", text, re.I)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if match[3]:
        hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


async def read_pages(url: str, zone: ZoneInfo, hints: Hints) -> Catalogue:
    """What a clinic without data offers, read from its pages in a browser of its own."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        try:
            widget = Widget(await browser.new_page(), url, zone, typing_delay_ms=0, hints=hints)
            await widget.open(step="offered")
            catalogue = await widget.catalogue(step="offered")
            services = []
            for service in catalogue.services:
                await widget.open(step="offered")
                providers = await widget.providers(service, step="offered")
                services.append(dataclasses.replace(service, providers=providers))
            return dataclasses.replace(catalogue, services=tuple(services))
        finally:
            await browser.close()


def sensitive_selectors() -> Sequence[str]:
    return (f"[{SENSITIVE}]", "input[type=tel]")
