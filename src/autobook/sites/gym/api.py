"""The gym's JSON API over httpx: the calls its members' front end makes, and the mapping of its
refusals (`{"message", "code"}` with a status) into the engine's error kinds.

Nothing here decides anything: the adapter calls these and turns the answers into slots.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx

from autobook.sites.base import (
    AccountLimit,
    AuthFailed,
    ConfigError,
    NotReleased,
    SiteChanged,
    SiteError,
    SlotTaken,
)
from autobook.sites.http import field, json_body, new_client, send


class SessionRejected(SiteError):
    """401 on a call with a token: the token is unknown or expired, so log in again.

    Never leaves the adapter: it re-logs in once, and a second refusal becomes `Transient`."""

    kind = "session"


class AlreadyBooked(SiteError):
    """409 `already_booked`: this account already holds the slot (an earlier answer was lost)."""

    kind = "already_booked"


class GymApi:
    """One httpx client against one gym's origin, carrying one member's bearer token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = new_client(base_url)
        self.token: str | None = None

    async def close(self) -> None:
        await self.client.aclose()

    # --- authentication -------------------------------------------------------------------
    async def login(self, email: str, password: str) -> dict[str, Any]:
        """A fresh token; the answer's `token` and `expires_at` are what is worth saving."""
        step = "login"
        body = {"email": email, "password": password}
        response = await send(self.client, "POST", "/api/auth/login", step=step, json=body)
        data = _checked(response, step)
        self.token = str(field(data, "token", step=step))
        # `expires_at` is kept when given; the token is checked with `/api/me` before reuse.
        return {"token": self.token, "expires_at": data.get("expires_at")}

    async def me(self) -> dict[str, Any]:
        """The member behind the token; `SessionRejected` when the site no longer accepts it."""
        return await self._get("/api/me", step="login")

    # --- slots and bookings ---------------------------------------------------------------
    async def slots(
        self, day: date, location: str, sub_location: str | None
    ) -> tuple[str | None, list[Any]]:
        """(the date the answer says it lists, when it says so; its slots)."""
        params = {"date": day.isoformat(), "location": location}
        if sub_location:
            params["sub_location"] = sub_location
        data = await self._get("/api/slots", step="availability", params=params)
        slots = field(data, "slots", step="availability")
        if not isinstance(slots, list):
            raise SiteChanged(
                "step availability: field 'slots' is not a list",
                step="availability",
                selector="slots",
            )
        listed = data.get("date") if isinstance(data, dict) else None
        return (listed if isinstance(listed, str) else None), slots

    async def book(self, day: date, at: str, location: str, sub: str | None) -> dict[str, Any]:
        step = "checkout"
        body = {"date": day.isoformat(), "time": at, "location": location, "sub_location": sub}
        response = await send(
            self.client, "POST", "/api/bookings", step=step, json=body, headers=self._auth()
        )
        data: dict[str, Any] = _checked(response, step)
        return data

    async def cancel(self, reference: str) -> dict[str, Any]:
        step = "cancel"
        response = await send(
            self.client, "DELETE", f"/api/bookings/{reference}", step=step, headers=self._auth()
        )
        data: dict[str, Any] = _checked(response, step)
        return data

    async def bookings(self) -> list[Any]:
        params = {"status": "confirmed"}
        data = await self._get("/api/bookings", step="bookings", params=params)
        found = field(data, "bookings", step="bookings")
        return found if isinstance(found, list) else []

    async def _get(self, path: str, *, step: str, params: dict[str, str] | None = None) -> Any:
        response = await send(
            self.client, "GET", path, step=step, params=params, headers=self._auth()
        )
        return _checked(response, step)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def _checked(response: httpx.Response, step: str) -> Any:
    """The JSON body of a 2xx answer; any refusal raised as the error kind it means."""
    data = json_body(response, step=step)
    if response.is_success:
        return data
    raise refusal(response.status_code, data if isinstance(data, dict) else {}, step)


def refusal(status: int, body: dict[str, Any], step: str) -> SiteError:
    """What a gym refusal means for the engine. 5xx and 429 never get here (`send`)."""
    code = str(body.get("code", ""))
    message = str(body.get("message", "")) or f"the site answered {status}"
    said = f"step {step}: {message}"
    if code == "invalid_credentials":
        return AuthFailed(f"step {step}: the gym refused the login ({message})", step=step)
    if status == 401:
        return SessionRejected(said, step=step)
    if code == "slot_locked":
        return NotReleased(said, step=step, opens_at=_instant(body.get("unlocks_at")))
    if code == "daily_limit_reached":
        # The limit is per account and per slot date: another account or another day may work.
        limit = body.get("limit", "?")
        return AccountLimit(
            f"step {step}: this account reached the gym's daily limit of {limit} bookings for "
            "that day; another account or another day may still book it",
            step=step,
        )
    if code in ("slot_full", "slot_past"):
        return SlotTaken(said, step=step)
    if code == "already_booked":
        return AlreadyBooked(said, step=step)
    if code == "invalid_request":
        # We validate venue, sub-location and date first, so this is a field we got wrong.
        return ConfigError(said, step=step)
    return SiteChanged(
        f"step {step}: unexpected answer {status} {code or 'without a code'}: {message}",
        step=step,
        selector=code,
    )


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
