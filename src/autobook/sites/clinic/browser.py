"""The clinic's booking widget driven in the account's browser tab, as a patient clicks and
types through its five steps. The only module of the clinic adapter that imports Playwright.

Each method does one thing on one step and reads back what the page says. A missing element is
`SiteChanged` naming the step and the selector; the site's own words for a time that is gone, a
day not open yet, a declined card or a dead session become `SlotTaken`, `NotReleased`,
`PaymentDeclined` and `SlotTaken` with that text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from autobook.sites.base import (
    ConfigError,
    NotReleased,
    PaymentDeclined,
    SiteChanged,
    SlotTaken,
    Transient,
)
from autobook.sites.web import goto, require, type_like_human

# The widget's pages are rendered by the server: what a step shows is there once it has
# loaded, so this wait only leaves room for a slow script, and a redesign fails fast.
ELEMENT_TIMEOUT_MS = 5_000
STEP1_PATH_RE = re.compile(r"/book/s/([\w-]+)/step/1$")
OPENS_ON_RE = re.compile(r"opens on \w+ (\d{1,2} \w+ \d{4}) at midnight")

# Selectors the adapter relies on, named once so a redesign is a one-line change.
SERVICE_OPTION = ".service-option[data-service]"
PROVIDER_OPTION = ".provider-option[data-provider]"
TIMES_OR_NONE = ".time-slots, .no-times"
TIME_SLOT = ".time-slot[data-time]"
NOT_OPEN = ".not-yet-open"
FORM_ALERT = ".form-alert"
FIELD_ERROR = ".field-error"
CONTINUE = "button.btn-continue"
PAY_BUTTON = "#payment-form button:has-text('Book Appointment')"
PAY_OUTCOME = ".confirmation-number, .error-message, .field-error, .message-page"
GONE_PAGE = ".message-page"
ANY_PROVIDER = "any"  # the "First Available" choice at step 2
SERVICE_FIELDS = {
    "key": "@data-service",
    "name": ".service-name",
    "duration": ".service-duration",
    "price": ".service-price",
}
PROVIDER_FIELDS = {"key": "@data-provider", "name": ".provider-name"}
READ_ROWS_JS = """(elements, fields) => elements.map(e => Object.fromEntries(
    Object.entries(fields).map(([name, what]) => [name, what.startsWith('@')
        ? e.getAttribute(what.slice(1))
        : (e.querySelector(what)?.innerText ?? null)])))"""


@dataclass(frozen=True)
class ServiceOption:
    key: str
    name: str
    minutes: int
    price: str  # as the widget prints it: "£250"


@dataclass(frozen=True)
class ProviderOption:
    key: str
    name: str


@dataclass(frozen=True)
class Patient:
    first_name: str
    last_name: str
    phone: str
    email: str


@dataclass(frozen=True)
class CardEntry:
    number: str
    expiry: str  # "MM/YY", as the payment form takes it
    cvv: str

    def __repr__(self) -> str:  # never the number or the CVV, even in a traceback
        return f"CardEntry(ending {self.number[-4:]})"


@dataclass(frozen=True)
class Booked:
    reference: str
    provider: str
    price: str
    url: str


class Widget:
    """One patient's way through the widget in one tab. `base_url` is the clinic's site."""

    def __init__(self, page: Page, base_url: str, zone: ZoneInfo, *, typing_delay_ms: int) -> None:
        self.page = page
        self.base = base_url.rstrip("/")
        self.zone = zone  # the widget shows and takes UK wall time
        self.typing_delay_ms = typing_delay_ms

    # --- sessions -------------------------------------------------------------------------
    async def start(self, *, step: str) -> str:
        """Open a new booking session at step 1; its URL (everything the handoff needs)."""
        await goto(self.page, f"{self.base}/book", step=step)
        if not STEP1_PATH_RE.search(self.page.url):
            raise SiteChanged(
                f"step {step}: /book did not open step 1 of a booking session",
                step=step,
                selector="/book → /book/s/{id}/step/1",
            )
        return self.session_url()

    def session_url(self) -> str:
        """The current session's URL prefix, `…/book/s/{id}`."""
        return self.page.url.split("/step/")[0].split("/confirmation")[0]

    async def open(self, url: str, *, step: str) -> None:
        """Load a page of an existing session; a dead session means the hold is gone."""
        await goto(self.page, url, step=step)
        await self._alive(step)

    # --- steps 1 to 3 ---------------------------------------------------------------------
    async def services(self, *, step: str) -> list[ServiceOption]:
        rows = await self._rows(SERVICE_OPTION, SERVICE_FIELDS, step=step)
        found = []
        for row in rows:
            minutes = re.match(r"\d+", row["duration"])  # "30 min"
            if minutes is None:
                raise SiteChanged(
                    f"step {step}: no minutes in the duration {row['duration']!r}",
                    step=step,
                    selector=SERVICE_FIELDS["duration"],
                )
            found.append(ServiceOption(row["key"], row["name"], int(minutes[0]), row["price"]))
        return found

    async def choose_service(self, key: str, *, step: str) -> None:
        await self._choose(f".service-option[data-service={json.dumps(key)}]", step=step)

    async def providers(self, *, step: str) -> list[ProviderOption]:
        """The named providers of step 2 ("First Available" is not one)."""
        rows = await self._rows(PROVIDER_OPTION, PROVIDER_FIELDS, step=step)
        return [ProviderOption(r["key"], r["name"]) for r in rows if r["key"] != ANY_PROVIDER]

    async def choose_provider(self, key: str, *, step: str) -> None:
        await self._choose(f".provider-option[data-provider={json.dumps(key)}]", step=step)

    async def times(self, session_url: str, day: date, *, step: str) -> list[str]:
        """Free start times ("HH:MM") on `day`; NotReleased when the day is not open yet."""
        await self.open(f"{session_url}/step/3?date={day.isoformat()}", step=step)
        await require(self.page, TIMES_OR_NONE, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)
        not_open = self.page.locator(NOT_OPEN)
        if await not_open.count():
            self._not_released(await _text(not_open), step)
        rows = await self._rows(TIME_SLOT, {"time": "@data-time"}, step=step, required=False)
        return [row["time"] for row in rows]

    async def choose_time(self, hhmm: str, *, step: str) -> None:
        """Pick a time on the day shown and continue; the site's refusal if it is gone."""
        slot = self.page.locator(f"{TIME_SLOT}[data-time={json.dumps(hhmm)}]")
        if not await slot.count():
            raise SlotTaken(f"step {step}: {hhmm} is no longer listed", step=step)
        await slot.click()
        await self._continue(step=step)
        alert = self.page.locator(FORM_ALERT)
        if await alert.count():
            message = await _text(alert)
            if OPENS_ON_RE.search(message):
                self._not_released(message, step)
            raise SlotTaken(f"step {step}: {message}", step=step)

    def _not_released(self, message: str, step: str) -> NoReturn:
        """Raise NotReleased with the instant the page names ("opens on … at midnight")."""
        match = OPENS_ON_RE.search(message)
        opens = None
        if match:
            day = datetime.strptime(match[1], "%d %B %Y").date()
            opens = datetime.combine(day, datetime.min.time(), self.zone)
        raise NotReleased(f"step {step}: {message}", step=step, opens_at=opens)

    # --- step 4 ---------------------------------------------------------------------------
    async def fill_contact(self, patient: Patient, *, step: str) -> None:
        """Type the patient's details and continue to payment; the site's field errors if any."""
        fields = {
            "#first_name": patient.first_name,
            "#last_name": patient.last_name,
            "#phone": patient.phone,
            "#email": patient.email,
        }
        for selector, value in fields.items():
            field = await require(self.page, selector, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)
            await field.fill(value)  # the widget does not watch keystrokes here
        await self._continue(step=step)
        errors = await self.page.locator(FIELD_ERROR).all_inner_texts()
        if errors:
            raise ConfigError(
                f"step {step}: the clinic refused the patient's details: {' '.join(errors)}",
                step=step,
            )

    # --- step 5 ---------------------------------------------------------------------------
    async def at_payment(self, step5_url: str, *, step: str) -> Locator | None:
        """Be on the session's payment step: its "Book Appointment" button, or None when the
        session is already paid (the site then shows its confirmation, never the form)."""
        here = self.page.url == step5_url and await self.page.locator(PAY_BUTTON).is_visible()
        if not here:  # another page, or the step re-rendered with an error and no form
            await self.open(step5_url, step=step)
        if "/confirmation" in self.page.url:
            return None
        return await require(self.page, PAY_BUTTON, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)

    async def type_card(self, card: CardEntry, *, step: str) -> None:
        """Type the card one key at a time, only into the payment form's own fields."""
        form = self.page.locator("#payment-form")
        for selector, value in (("#card_number", card.number), ("#expiry", card.expiry),
                                ("#cvv", card.cvv)):  # fmt: skip
            field = await require(form, selector, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)
            await field.fill("")
            await type_like_human(field, value, mean_delay_ms=self.typing_delay_ms)

    async def pay(self, button: Locator, *, step: str) -> Booked:
        """Click "Book Appointment" and read the outcome the page shows."""
        await self._submit(button, step=step)
        outcome = await require(self.page, PAY_OUTCOME, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)
        if "/confirmation" in self.page.url:
            return await self.confirmation(step=step)
        await self._alive(step)
        field_errors = await self.page.locator(FIELD_ERROR).all_inner_texts()
        if field_errors:  # the site's checks of the card fields: retrying cannot help
            raise PaymentDeclined(" ".join(field_errors), step=step)
        reason = await _headline(outcome)
        if await outcome.evaluate("e => e.classList.contains('slot-unavailable')"):
            raise SlotTaken(f"step {step}: {reason}", step=step)
        raise PaymentDeclined(reason, step=step)

    async def confirmation(self, *, step: str) -> Booked:
        """What the confirmation page says: reference, provider and price."""
        ref = await require(
            self.page, ".confirmation-number", step=step, timeout_ms=ELEMENT_TIMEOUT_MS
        )
        provider = await _text(self.page.locator(".summary-provider"))
        return Booked(
            reference=await _text(ref),
            provider=provider.split(",")[0].strip(),  # "Brandi, Nurse Injector"
            price=await _text(self.page.locator(".summary-price")),
            url=self.page.url,
        )

    async def is_confirmed(self, session_url: str, *, step: str) -> Booked | None:
        """The booking a session made, if it was paid (a completed session shows it)."""
        await goto(self.page, f"{session_url}/confirmation", step=step)
        if "/confirmation" not in self.page.url or await self.page.locator(GONE_PAGE).count():
            return None
        return await self.confirmation(step=step)

    # --- plumbing -------------------------------------------------------------------------
    async def _rows(
        self, selector: str, fields: dict[str, str], *, step: str, required: bool = True
    ) -> list[dict[str, str]]:
        """One dict per element matching `selector`, read in one round trip: each field is an
        attribute ("@name") or the text of a child element (a CSS selector)."""
        if required:
            await require(self.page, selector, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)
        rows = await self.page.locator(selector).evaluate_all(READ_ROWS_JS, fields)
        for row in rows:
            for name, value in row.items():
                if value is None:
                    where = f"{selector} {fields[name]}"
                    raise SiteChanged(
                        f"step {step}: expected {where!r} is missing", step=step, selector=where
                    )
        return [{k: " ".join(v.split()) for k, v in row.items()} for row in rows]

    async def _choose(self, option: str, *, step: str) -> None:
        await (await require(self.page, option, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)).click()
        await self._continue(step=step)

    async def _continue(self, *, step: str) -> None:
        button = await require(self.page, CONTINUE, step=step, timeout_ms=ELEMENT_TIMEOUT_MS)
        await self._submit(button, step=step)

    async def _submit(self, button: Locator, *, step: str) -> None:
        """Click a button that posts the step's form and wait for the next page."""
        try:
            async with self.page.expect_navigation() as navigation:
                await button.click()
            response = await navigation.value
        except PlaywrightError as exc:  # timeouts included: the site did not answer
            why = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
            raise Transient(f"step {step}: the form was not answered ({why})", step=step) from None
        if response is not None and response.status >= 500:
            raise Transient(f"step {step}: the site answered {response.status}", step=step)
        await self._alive(step)

    async def _alive(self, step: str) -> None:
        """A "Session Expired" or "not found" page: the held time is released."""
        gone = self.page.locator(GONE_PAGE)
        if await gone.count():
            raise SlotTaken(f"step {step}: {await _headline(gone)}", step=step)


async def _text(locator: Locator) -> str:
    return " ".join((await locator.first.inner_text()).split())


async def _headline(box: Locator) -> str:
    """A message box as the site words it, "Heading: first paragraph", without its buttons:
    "Payment Failed: Card Declined. Your card was declined. …"."""
    heading = box.locator("h1, h2")
    para = box.locator("p")
    parts = [await _text(loc) for loc in (heading, para) if await loc.count()]
    return ": ".join(parts) or await _text(box)
