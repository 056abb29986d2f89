"""The Better JSON API over httpx: every call the adapter makes, and what each refusal means.

Requests look like the booking SPA's own: `Origin` of the web site, `Accept: application/json`,
a browser User-Agent and, after login, `Authorization: Bearer <token>`. The token never
appears in an error message.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import httpx

from autobook.sites.base import (
    AuthFailed,
    NotReleased,
    PaymentDeclined,
    SiteChanged,
    SiteError,
    SlotTaken,
    Transient,
)
from autobook.sites.better import models
from autobook.sites.better.models import Booking, Cart, Court, Session
from autobook.sites.http import field, json_body, new_client, send

SOURCE = "activity-booking"
# What the site says, as the notes give it; matched case-insensitively on a fragment.
NOT_VIEWABLE = "within the valid days"
LOAD_SHEDDING = "a lot of people"
FULL = "already full"
BASKET_GONE = ("basket is empty", "basket has changed")


class BetterApi:
    """One account's API session. `token` is set by `login` or `use_token`."""

    def __init__(self, api_url: str, web_url: str) -> None:
        self.client = new_client(api_url.rstrip("/"), {"Origin": web_url.rstrip("/")})
        self.clock_url = api_url.rstrip("/")  # the API's root: any answer carries a Date
        self.token: str | None = None
        # The latest basket the site answered with, and when (monotonic): every change to the
        # basket goes through this session, so a basket read a moment ago is the basket now.
        self.last_cart: tuple[Cart, float] | None = None

    def use_token(self, token: str) -> None:
        self.token = token
        self.client.headers["Authorization"] = f"Bearer {token}"

    async def close(self) -> None:
        await self.client.aclose()

    async def ping(self, connections: int) -> None:
        """`connections` GETs of the API root at once: each takes (or opens) its own keep-alive
        connection, so the shots that follow find that many warm. Any answer will do."""
        await asyncio.gather(
            *(send(self.client, "GET", self.clock_url, step="warm") for _ in range(connections))
        )

    # --- auth -----------------------------------------------------------------------------
    async def login(self, username: str, password: str) -> int | None:
        """Log in and keep the token; the account's membership id. Refusals are final.

        The notes leave the login answer's `user` unspecified: only `token` is read from it,
        and the membership id comes from `GET /auth/user`, where the notes put it."""
        step = "login"
        body = {"username": username, "password": password}
        response = await send(self.client, "POST", "/auth/customer/login", json=body, step=step)
        if 400 <= response.status_code < 500 and response.status_code not in (404, 405):
            raise AuthFailed(f"the site refused the login: {_message(response)}", step=step)
        if not response.is_success:
            raise refusal(response, step)
        data = json_body(response, step=step)
        if isinstance(data, dict) and data.get("status") not in (None, "success"):
            raise AuthFailed(f"the site refused the login: {_message(response)}", step=step)
        token = field(data, "token", step=step)
        if not isinstance(token, str) or not token:
            raise SiteChanged("step login: the answer has no token", step=step, selector="token")
        self.use_token(token)
        accepted, member = await self.session_user()
        if not accepted:
            raise Transient("step login: the site refused the token it had just issued", step=step)
        return member

    async def session_user(self) -> tuple[bool, int | None]:
        """(the site still accepts the token, membership id) from `GET /auth/user`."""
        step = "login"
        response = await send(self.client, "GET", "/auth/user", step=step)
        if response.status_code in (401, 403):
            return False, None
        data = await self._json(response, step)
        return True, models.membership_id(field(data, "data", step=step))

    # --- availability ---------------------------------------------------------------------
    async def sessions(self, venue: str, activity: str, day: date) -> list[Session]:
        """`/v2/times` of a day. A redirect or a page instead of JSON: the week is not open."""
        step = "find"
        path = f"/activities/venue/{venue}/activity/{activity}/v2/times"
        response = await send(self.client, "GET", path, params={"date": day.isoformat()}, step=step)
        json_answer = "json" in response.headers.get("content-type", "")
        if response.is_redirect or (response.is_success and not json_answer):
            raise NotReleased(f"the site does not list {day} yet (its week is not open)", step=step)
        items = models.data_list(await self._json(response, step), step=step)
        return [models.session(item, step=step) for item in items]

    async def courts(self, venue: str, activity: str, session: Session) -> list[Court]:
        """The per-court `/v2/slots` of one session: ids and pricing options for `cart/add`."""
        step = "find"
        path = f"/activities/venue/{venue}/activity/{activity}/v2/slots"
        params = {
            "date": session.day.isoformat(),
            "start_time": session.start.strftime("%H:%M"),
            "end_time": session.end.strftime("%H:%M"),
        }
        if session.composite_key:
            params["composite_key"] = session.composite_key
        response = await send(self.client, "GET", path, params=params, step=step)
        items = models.data_list(await self._json(response, step), step=step)
        return [models.court(item, step=step) for item in items]

    # --- cart -----------------------------------------------------------------------------
    async def cart_add(self, court: Court, membership_id: int | None) -> Cart:
        item = {
            "id": court.id,
            "type": court.cart_type,
            "pricing_option_id": court.pricing_option_id,
            "apply_benefit": True,  # a member never wants to pay for what the benefit covers
            "activity_restriction_ids": [],
        }
        body = {"items": [item], "membership_user_id": membership_id, "selected_user_id": None}
        return await self._cart("POST", "/activities/cart/add", "hold", json=body)

    async def cart(self, step: str) -> Cart:
        return await self._cart("GET", "/activities/cart", step)

    def recent_cart(self, max_age_s: float) -> Cart | None:
        """The basket as the site last answered it, if that was at most `max_age_s` ago."""
        if self.last_cart is None:
            return None
        cart, at = self.last_cart
        return cart if time.monotonic() - at <= max_age_s else None

    async def cart_remove(self, line_ids: list[int], step: str) -> Cart:
        body = {"cart_item_ids": line_ids}
        return await self._cart("POST", "/activities/cart/remove", step, json=body)

    async def cart_line_ids(self, step: str) -> list[int]:
        """The ids of the basket's lines, read from the raw answer: what `cart/remove` needs
        even when the rest of the basket cannot be parsed."""
        response = await send(self.client, "GET", "/activities/cart", step=step)
        data = await self._json(response, step)
        body = data.get("data") if isinstance(data, dict) else None
        lines = body.get("items") if isinstance(body, dict) else None
        found = [ln.get("id", ln.get("cart_item_id")) for ln in lines or [] if isinstance(ln, dict)]
        return [int(i) for i in found if isinstance(i, int | str) and str(i).isdigit()]

    async def _cart(self, method: str, path: str, step: str, **kwargs: Any) -> Cart:
        self.last_cart = None  # whatever happens next, the basket may have changed
        response = await send(self.client, method, path, step=step, **kwargs)
        cart = models.cart(await self._json(response, step), step=step)
        self.last_cart = (cart, time.monotonic())
        return cart

    # --- paying ---------------------------------------------------------------------------
    async def apply_credits(self, pence: int) -> Cart:
        body = {
            "credits_to_reserve": [{"amount": pence, "type": "general"}],
            "cart_source": SOURCE,
        }
        self.last_cart = None
        response = await send(self.client, "POST", "/credits/apply", json=body, step="pay")
        return models.cart(await self._json(response, "pay", declines=True), step="pay")

    async def complete(self, payments: list[dict[str, Any]]) -> str:
        """`POST /checkout/complete`; the order id, which is the booking reference."""
        body = {
            "payments": payments,
            "terms": [1],
            "source": SOURCE,
            "completed_waivers": [],
            "selected_user_id": None,
        }
        self.last_cart = None  # paid or not, the basket is not what it was
        response = await send(self.client, "POST", "/checkout/complete", json=body, step="pay")
        data = await self._json(response, "pay", declines=True)
        return str(field(data, "complete_order_id", step="pay"))

    async def bookings(self, step: str, which: str = "future") -> list[Booking]:
        response = await send(
            self.client, "GET", "/my-account/bookings", params={"filter": which}, step=step
        )
        items = models.data_list(await self._json(response, step), step=step)
        return [models.booking(item, step=step) for item in items]

    async def cancel(self, booking_ids: list[int]) -> None:
        """`PATCH /v1/activities/bookings` with `update_type: cancellation` (notes › After)."""
        body = {"data": {"update_type": "cancellation", "booking_ids": booking_ids}}
        step = "cancel"
        response = await send(self.client, "PATCH", "/v1/activities/bookings", json=body, step=step)
        await self._json(response, step)

    async def _json(self, response: httpx.Response, step: str, *, declines: bool = False) -> Any:
        if not response.is_success:
            raise refusal(response, step, declines=declines)
        return json_body(response, step=step)


def refusal(response: httpx.Response, step: str, *, declines: bool = False) -> SiteError:
    """The error kind of a 3xx/4xx answer (5xx and 429 are already `Transient`).

    `declines`: in payment calls a plain refusal (no field errors) is the site declining.
    """
    status, message = response.status_code, _message(response)
    text = message.casefold()
    if status in (401, 419):
        return Transient(f"step {step}: the site ended the session ({message})", step=step)
    if status == 403:
        return AuthFailed(f"the site refused this account: {message}", step=step)
    if status == 409 and FULL in text:
        return SlotTaken(message, step=step)
    if status in (409, 422) and any(gone in text for gone in BASKET_GONE):
        return SlotTaken(f"the hold was lost: {message}", step=step)
    if status == 409:  # load shedding at release, or another transient conflict
        return Transient(f"step {step}: the site is busy (409: {message})", step=step)
    if status == 422 and NOT_VIEWABLE in text:
        return NotReleased(f"not released yet: {message}", step=step)
    errors = _field_errors(response)
    if status == 422 and declines and not errors:
        return PaymentDeclined(message, step=step)
    selector = errors[0] if errors else response.request.url.path
    return SiteChanged(
        f"step {step}: the site refused the request to {response.request.url.path} "
        f"({status}: {message})",
        step=step,
        selector=selector,
    )


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _message(response: httpx.Response) -> str:
    message = _body(response).get("message")
    if isinstance(message, str) and message.strip():
        return message.strip()[:300]
    return f"HTTP {response.status_code}"


def _field_errors(response: httpx.Response) -> list[str]:
    errors = _body(response).get("errors")
    return [str(key) for key in errors] if isinstance(errors, dict) else []
