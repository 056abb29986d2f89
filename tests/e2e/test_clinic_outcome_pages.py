"""Reading the page after "Book Appointment" in real Chromium, on payment pages served on
loopback (no simulator): a success that lands on `/success`, one on `/thank-you`, a failure,
and a page that says nothing, which is unknown, never declined."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from playwright.async_api import async_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from autobook.chromium import launch_options
from autobook.sites.outcome import Outcome, PageOutcome, read_outcome
from contract.served import Served

pytestmark = pytest.mark.e2e

PAY_PAGE = """<!doctype html><title>Payment</title>
<div class="cherry">Pay over time with Cherry payment plans</div>
<form method="post" action="/pay"><label>Card number <input name="n"></label>
<button>Book Appointment</button></form>"""
ANSWERS = {
    "/success": "<h1>Thanks!</h1><p>Your confirmation number is <b>AB-12345</b>.</p>",
    "/booking/x/thank-you": "<h1>You're all set!</h1><p>Confirmation number: QX-77</p>",
    "/pay-declined": "<h2>Payment Failed</h2><p>Card Declined. Try another card.</p>",
    "/processing": "<p>Please wait while we talk to your bank…</p>",
}


@pytest.fixture(scope="module")
def clinic() -> Iterator[str]:
    """The payment page; paying answers with a redirect to the `?then=` page of the checkout."""

    async def checkout(request: Request) -> Response:
        return HTMLResponse(PAY_PAGE.replace("/pay", f"/pay?then={request.query_params['then']}"))

    async def pay(request: Request) -> Response:
        return RedirectResponse(request.query_params["then"], status_code=303)

    async def answer(request: Request) -> Response:
        return HTMLResponse(f"<!doctype html>{ANSWERS[request.url.path]}")

    routes = [Route("/checkout", checkout), Route("/pay", pay, methods=["POST"])]
    routes += [Route(path, answer) for path in ANSWERS]
    served = Served(Starlette(routes=routes)).start()
    yield served.url
    served.stop()


def after_paying(origin: str, lands_on: str) -> PageOutcome:
    """Open the payment page, click its button (the site answers with a redirect to
    `lands_on`) and read the outcome."""

    async def go() -> PageOutcome:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
            page = await browser.new_page()
            await page.goto(f"{origin}/checkout?then={lands_on}")
            before = page.url
            await page.get_by_role("button", name="Book Appointment").click()
            seen = await read_outcome(page, wait_s=3, until_changed_from=before)
            await browser.close()
            return seen

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("lands_on", "reference"), [("/success", "AB-12345"), ("/booking/x/thank-you", "QX-77")]
)
def test_success_urls_are_success_with_their_number(
    clinic: str, lands_on: str, reference: str
) -> None:
    seen = after_paying(clinic, lands_on)
    assert (seen.outcome, seen.reference) == (Outcome.SUCCESS, reference)
    assert seen.url.endswith(lands_on)


def test_a_failure_page_is_declined(clinic: str) -> None:
    seen = after_paying(clinic, "/pay-declined")
    assert seen.outcome is Outcome.DECLINED and "Card Declined" in seen.reason


def test_a_page_that_says_nothing_is_unknown_never_declined(clinic: str) -> None:
    seen = after_paying(clinic, "/processing")
    assert seen.outcome is Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("summary", "missing"),
    [
        ("Thursday 10 December 2026 at 2:30pm with Alex, Aesthetic Practitioner", None),
        ("With Alex Morgan · Thursday, December 10, 2:30 PM", None),
        ("Thursday 10 December 2026 at 12:30pm with Alex", "time"),
        ("Friday 11 December 2026 at 2:30pm with Alex", "day"),
        ("Thursday 10 December 2026 at 14:30 with Sam", "provider"),
    ],
)
def test_the_payment_page_must_show_what_was_chosen(summary: str, missing: str | None) -> None:
    """Money is final: a payment page whose summary differs from the slot is never paid."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from autobook.sites.base import SiteChanged
    from autobook.sites.clinic.browser import Hints, Widget

    london = ZoneInfo("Europe/London")
    at = datetime(2026, 12, 10, 14, 30, tzinfo=london)

    async def go() -> str | None:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
            page = await browser.new_page()
            await page.set_content(f"<h1>Payment</h1><p>{summary}</p>")
            widget = Widget(page, "https://clinic.invalid/", london, typing_delay_ms=0,
                            hints=Hints())  # fmt: skip
            try:
                await widget.verify(at, "Alex", step="pay")
            except SiteChanged as exc:
                return exc.message
            finally:
                await browser.close()
            return None

    message = asyncio.run(go())
    if missing is None:
        assert message is None
    else:
        assert message and f"chosen {missing}" in message and "nothing was paid" in message
