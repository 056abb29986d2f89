"""A local server answering Google's documented shapes (no tests here): the OAuth token
endpoint (authorization_code and refresh_token grants) and Calendar v3's freeBusy, events
insert and delete. Access tokens can be expired at will and calls made to fail with a 5xx,
to test renewal and failures at the HTTP boundary, never by patching our own code."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response

from autobook.sandbox.runner import ServerThread

CLIENT_ID, CLIENT_SECRET = "1234-test.apps.googleusercontent.com", "GOCSPX-test-secret"
AUTH_CODE = "4/0AQlEd8x-test-code"


@dataclass
class GoogleState:
    refresh_token: str = field(default_factory=lambda: "1//0g" + secrets.token_urlsafe(16))
    access_tokens: set[str] = field(default_factory=set)
    busy: list[dict[str, str]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_calls: int = 0
    fail_next: int = 0  # answer this many calendar calls with 503

    def expire_tokens(self) -> None:
        self.access_tokens.clear()


def _error(code: int, status: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, code)


def google_app(state: GoogleState) -> FastAPI:
    app = FastAPI()

    @app.post("/token")
    def token(
        grant_type: str = Form(), client_id: str = Form(""), client_secret: str = Form(""),
        refresh_token: str = Form(""), code: str = Form(""),
    ) -> Response:  # fmt: skip
        state.token_calls += 1
        if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, 401)
        if grant_type == "refresh_token" and refresh_token != state.refresh_token:
            return JSONResponse({"error": "invalid_grant"}, 400)
        if grant_type == "authorization_code" and code != AUTH_CODE:
            return JSONResponse({"error": "invalid_grant"}, 400)
        access = "ya29." + secrets.token_urlsafe(12)
        state.access_tokens.add(access)
        body = {"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar.events"}  # fmt: skip
        if grant_type == "authorization_code":
            body["refresh_token"] = state.refresh_token
        return JSONResponse(body)

    def refused(request: Request) -> Response | None:
        if (
            request.headers.get("authorization", "").removeprefix("Bearer ")
            not in state.access_tokens
        ):
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if state.fail_next:
            state.fail_next -= 1
            return _error(503, "UNAVAILABLE", "The service is currently unavailable.")
        return None

    @app.post("/calendar/v3/freeBusy")
    async def free_busy(request: Request) -> Response:
        if (answer := refused(request)) is not None:
            return answer
        body = await request.json()
        calendars = {item["id"]: {"busy": state.busy} for item in body["items"]}
        return JSONResponse({"kind": "calendar#freeBusy", "timeMin": body["timeMin"],
                             "timeMax": body["timeMax"], "calendars": calendars})  # fmt: skip

    @app.post("/calendar/v3/calendars/{calendar_id}/events")
    async def insert(calendar_id: str, request: Request) -> Response:
        if (answer := refused(request)) is not None:
            return answer
        event = await request.json() | {"id": secrets.token_hex(13), "status": "confirmed",
                                         "kind": "calendar#event"}  # fmt: skip
        state.events[event["id"]] = event | {"calendarId": calendar_id}
        return JSONResponse(event)

    @app.delete("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    def remove(calendar_id: str, event_id: str, request: Request) -> Response:
        if (answer := refused(request)) is not None:
            return answer
        if state.events.pop(event_id, None) is None:
            return _error(410, "GONE", "Resource has been deleted")
        return Response(status_code=204)

    return app


@contextmanager
def google_server() -> Iterator[tuple[str, GoogleState]]:
    state = GoogleState()
    thread = ServerThread(google_app(state))
    thread.start()
    try:
        yield thread.url, state
    finally:
        thread.stop()
