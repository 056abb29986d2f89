"""Masked screenshots show no card digits, CVV or password: the engine's `masked_screenshot` of
the Better checkout (a new card typed into the payment iframe; a saved card's CVV) and of the
login form with a password typed. Every sensitive field's box must be solid mask colour in the
PNG, read pixel by pixel; the same box in an unmasked screenshot is not, so the check can fail.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, Page

from autobook.domain.booking import Card, Credentials, Payment, Want
from autobook.domain.tasks import PaymentMethod
from autobook.engine.browsers import MASK_COLOR, BrowserPool, masked_screenshot
from autobook.sandbox.better.site import DEMO_CARD_CVV, DEMO_USERS
from autobook.sandbox.runner import Sandbox
from autobook.sites.better.adapter import BetterAdapter
from engine_support import LONDON, drive_adapter, sandbox_fixture, sim_fixture

pytestmark = pytest.mark.e2e

NOW = datetime(2027, 1, 13, 9, 30, tzinfo=LONDON)
WANT = Want("hendon-leisure-centre", "badminton-60min", date(2027, 1, 14), (time(20, 0),))
NEW_USER = ("masked@example.com", "Masked-pass-1")
CARD = Card("4929000000006", "12", "30", "987", "Nia Newcard", "1 High Street", "London", "N4 1AA")
MAGENTA = tuple(int(MASK_COLOR[i : i + 2], 16) for i in (1, 3, 5))
CARD_FIELDS = ("cardholder-name", "card-number", "expiry-date", "security-code")


# --- a tiny PNG reader (8-bit RGB/RGBA, non-interlaced: what Chromium writes) -----------------
class Png:
    def __init__(self, data: bytes) -> None:
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        pos, idat = 8, b""
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos : pos + 4])
            kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
            if kind == b"IHDR":
                self.width, self.height, depth, color = struct.unpack(">IIBB", body[:10])
                assert depth == 8 and color in (2, 6) and body[12] == 0, "unsupported PNG"
                self.channels = 4 if color == 6 else 3
            elif kind == b"IDAT":
                idat += body
            pos += 12 + length
        self.raw = zlib.decompress(idat)
        self.rows: list[bytearray] = []  # unfiltered on demand, top down

    def _row(self, y: int) -> bytearray:
        stride = self.width * self.channels
        while len(self.rows) <= y:
            n = len(self.rows)
            start = n * (stride + 1)
            kind, row = self.raw[start], bytearray(self.raw[start + 1 : start + 1 + stride])
            prev = self.rows[-1] if self.rows else bytearray(stride)
            self.rows.append(_unfilter(kind, row, prev, self.channels))
        return self.rows[y]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = x * self.channels
        r, g, b = self._row(y)[i : i + 3]
        return r, g, b


def _unfilter(kind: int, row: bytearray, prev: bytearray, bpp: int) -> bytearray:
    """Undo one row's PNG filter; one tight loop per kind (pure Python is slow)."""
    n = len(row)
    if kind == 2:  # Up, most of Chromium's rows: no dependency along the row
        return bytearray((a + b) & 0xFF for a, b in zip(row, prev, strict=True))
    if kind == 1:  # Sub
        for i in range(bpp, n):
            row[i] = (row[i] + row[i - bpp]) & 0xFF
    elif kind == 3:  # Average
        for i in range(n):
            left = row[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + (left + prev[i]) // 2) & 0xFF
    elif kind == 4:  # Paeth
        for i in range(n):
            a, b = (row[i - bpp], prev[i - bpp]) if i >= bpp else (0, 0)
            c, up = b, prev[i]
            pa, pb, pc = abs(up - c), abs(a - c), abs(a + up - 2 * c)
            pred = a if pa <= pb and pa <= pc else (up if pb <= pc else c)
            row[i] = (row[i] + pred) & 0xFF
    return row


# --- fixtures and helpers ---------------------------------------------------------------------
def court_and_new_user(sim: httpx.Client) -> None:
    """Two courts free at the wanted time, and an account with no saved card."""
    body = {"key": "hendon-leisure-centre/badminton-60min/2027-01-14/20:00", "free": [1, 2]}
    sim.post("/_sandbox/better/occupancy", json=body).raise_for_status()
    user = {"email": NEW_USER[0], "password": NEW_USER[1]}
    sim.post("/_sandbox/better/users", json=user).raise_for_status()


box = sandbox_fixture("better", "demo")
sim = sim_fixture("better", "api", "demo", now=NOW, prepare=court_and_new_user)


async def box_pixels(page: Page, field: Locator, png: Png) -> set[tuple[int, int, int]]:
    """Every colour inside the field's box (inset 2 px from the anti-aliased edge) in a
    full-page screenshot, whose origin is the document's, not the viewport's."""
    bounds = await field.bounding_box()
    assert bounds is not None, "the field is not on screen"
    sx, sy = await page.evaluate("() => [window.scrollX, window.scrollY]")
    left, top = int(bounds["x"] + sx) + 2, int(bounds["y"] + sy) + 2
    right, bottom = (
        int(bounds["x"] + sx + bounds["width"]) - 2,
        int(bounds["y"] + sy + bounds["height"]) - 2,
    )
    assert right > left and bottom > top
    return {png.pixel(x, y) for x in range(left, right) for y in range(top, bottom)}


async def assert_masked(page: Page, fields: list[Locator], tmp: Path) -> None:
    shot = await masked_screenshot(page, tmp / "masked.png", BetterAdapter.info.sensitive_selectors)
    masked = Png(shot.read_bytes())
    plain = Png(await page.screenshot(full_page=True, animations="disabled"))
    for field in fields:
        assert await box_pixels(page, field, masked) == {MAGENTA}
        assert await box_pixels(page, field, plain) != {MAGENTA}  # the check can fail


def at_checkout(
    box: Sandbox, user: tuple[str, str], payment: Payment, then: Callable[[Page], Awaitable[None]]
) -> None:
    """Hold a court and go to the pay button as a dry run, then look at the page."""

    async def use(adapter: BetterAdapter) -> None:
        slot = next(s for s in await adapter.availability(WANT) if s.bookable and s.court)
        hold = await adapter.hold(slot, WANT)
        assert await adapter.checkout(hold, payment, dry_run=True) is None
        page = adapter.ctx.browser.current()
        assert page is not None
        await then(page)

    urls: dict[str, str | None] = {
        "better_api": box.url("better", "api") + "/api",
        "better_web": box.url("better", "web"),
    }
    drive_adapter(BetterAdapter, Credentials(*user), urls, use, typing_ms=40, log_in=True)


# --- the tests -----------------------------------------------------------------------------
def test_card_typed_into_the_payment_iframe_is_masked(
    box: Sandbox, sim: httpx.Client, tmp_path: Path
) -> None:
    async def look(page: Page) -> None:
        frame = page.frame_locator("iframe#payment-iframe")
        fields = [frame.locator(f'input[name="{name}"]') for name in CARD_FIELDS]
        assert await fields[1].input_value() == CARD.number  # the digits are really there
        assert await fields[3].input_value() == CARD.cvv
        await assert_masked(page, fields, tmp_path)

    at_checkout(box, NEW_USER, Payment(PaymentMethod.CARD, card=CARD), look)
    assert sim.get("/_sandbox/events", params={"kind": "booking"}).json() == []


def test_saved_card_cvv_is_masked(box: Sandbox, sim: httpx.Client, tmp_path: Path) -> None:
    async def look(page: Page) -> None:
        cvv = page.get_by_label("Security Code (CVV)")
        assert await cvv.input_value() == DEMO_CARD_CVV
        await assert_masked(page, [cvv], tmp_path)

    payment = Payment(PaymentMethod.SAVED_CARD, cvv=DEMO_CARD_CVV)
    at_checkout(box, DEMO_USERS[2], payment, look)


def test_password_typed_into_the_login_form_is_masked(
    box: Sandbox, sim: httpx.Client, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with BrowserPool() as pool:
            page = await pool.account("login").page()
            await page.goto(box.url("better", "web") + "/")
            await page.click("#onetrust-accept-btn-handler")
            await page.click('[data-testid="login"]')
            await page.locator("#username").press_sequentially(NEW_USER[0])
            password = page.locator("#password")
            await password.press_sequentially(NEW_USER[1])
            assert await password.input_value() == NEW_USER[1]
            await assert_masked(page, [password], tmp_path)

    asyncio.run(scenario())
