"""Google Calendar by its REST API (httpx): free/busy (`POST /freeBusy`), events (`POST` and
`DELETE /calendars/{id}/events`), and access tokens renewed from the stored refresh token
(`POST {oauth}/token`, grant_type=refresh_token) when missing or refused with 401.

Base URLs come from the settings, so tests aim them at a local server answering Google's
documented shapes. Scopes (seed 003): calendar.events and calendar.freebusy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from autobook.appointments.availability import Interval
from autobook.appointments.calendars import CalendarError
from autobook.appointments.ics import Event
from autobook.config import Settings

SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
)
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TIMEOUT_S = 15


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class GoogleCalendar:
    oauth_url: str
    api_url: str
    client_id: str
    client_secret: str
    refresh_token: str
    calendar_id: str = "primary"
    access_token: str = field(default="", repr=False)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, refresh_token: str, calendar_id: str
    ) -> GoogleCalendar:
        return cls(settings.google_oauth_url, settings.google_calendar_url,
                   settings.google_client_id, settings.google_client_secret,
                   refresh_token, calendar_id)  # fmt: skip

    def _renew(self) -> None:
        answer = self._send("POST", f"{self.oauth_url.rstrip('/')}/token", data={
            "grant_type": "refresh_token", "refresh_token": self.refresh_token,
            "client_id": self.client_id, "client_secret": self.client_secret,
        })  # fmt: skip
        if answer.status_code != 200:
            raise CalendarError(f"Google token renewal: HTTP {answer.status_code}")
        self.access_token = str(answer.json().get("access_token", ""))
        if not self.access_token:
            raise CalendarError("Google token renewal: no access_token in the answer")

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return httpx.request(method, url, timeout=TIMEOUT_S, **kwargs)
        except httpx.HTTPError as exc:
            raise CalendarError(f"Google: {type(exc).__name__}") from exc

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An API call with a fresh access token; one renewal and retry on 401."""
        if not self.access_token:
            self._renew()
        url = f"{self.api_url.rstrip('/')}{path}"
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.access_token}"}
            answer = self._send(method, url, headers=headers, **kwargs)
            if answer.status_code == 401 and attempt == 0:
                self._renew()
                continue
            return answer
        return answer

    def busy(self, start: datetime, end: datetime) -> list[Interval]:
        body = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end),
                "items": [{"id": self.calendar_id}]}  # fmt: skip
        answer = self._call("POST", "/freeBusy", json=body)
        if answer.status_code != 200:
            raise CalendarError(f"Google free/busy: HTTP {answer.status_code}")
        try:
            spans = answer.json()["calendars"][self.calendar_id].get("busy", [])
            return [Interval(_parse(s["start"]), _parse(s["end"])) for s in spans]
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarError("Google free/busy: an answer it can't read") from exc

    def create_event(self, event: Event) -> str:
        body = {
            "summary": event.summary,
            "description": event.description,
            "start": {"dateTime": _rfc3339(event.start)},
            "end": {"dateTime": _rfc3339(event.end)},
            "iCalUID": event.uid,
        }
        answer = self._call(
            "POST", f"/calendars/{quote(self.calendar_id, safe='')}/events", json=body
        )
        if answer.status_code not in (200, 201):
            raise CalendarError(f"Google event write: HTTP {answer.status_code}")
        event_id = answer.json().get("id")
        if not event_id:
            raise CalendarError("Google event write: no id in the answer")
        return str(event_id)

    def delete_event(self, event_id: str) -> None:
        path = f"/calendars/{quote(self.calendar_id, safe='')}/events/{quote(event_id, safe='')}"
        answer = self._call("DELETE", path)
        if answer.status_code not in (200, 204, 404, 410):  # 404/410: already gone
            raise CalendarError(f"Google event delete: HTTP {answer.status_code}")


def authorize_url(settings: Settings, *, redirect_uri: str, state: str) -> str:
    """Google's consent page for this install's client, asking for a refresh token."""
    query = urlencode({
        "client_id": settings.google_client_id, "redirect_uri": redirect_uri,
        "response_type": "code", "scope": " ".join(SCOPES), "access_type": "offline",
        "prompt": "consent", "state": state,
    })  # fmt: skip
    return f"{AUTHORIZE_URL}?{query}"


def exchange_code(settings: Settings, *, code: str, redirect_uri: str) -> str:
    """The refresh token Google gives for the consent's `code` (grant authorization_code)."""
    url = f"{settings.google_oauth_url.rstrip('/')}/token"
    form = {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": settings.google_client_id, "client_secret": settings.google_client_secret,
    }  # fmt: skip
    try:
        answer = httpx.post(url, data=form, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise CalendarError(f"Google sign-in: {type(exc).__name__}") from exc
    token = answer.json().get("refresh_token") if answer.status_code == 200 else None
    if not token:
        raise CalendarError(f"Google sign-in: no refresh token (HTTP {answer.status_code})")
    return str(token)
