"""Live handoff (seed 004): `/handoff/{token}` shows the held browser tab to the person who
pays, and passes their taps, scrolling and typing into it. Chromium's screencast (JPEG frames)
and input events go over the DevTools protocol (a Playwright CDP session) and a WebSocket.

The token in the URL is the only key: unguessable, stored as a hash, valid while the session
waits for the person and until it expires, and one person at a time (a second viewer is
refused while the first is connected). Nothing the person types is logged or stored, and
frames only pass through memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from autobook.db import handoffs as repo
from autobook.db.models import HandoffSession
from autobook.db.session import transaction
from autobook.domain.handoff import SessionState, token_digest
from autobook.runtime import Runtime
from autobook.web.templating import TEMPLATES

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

OPEN = (SessionState.READY_FOR_HANDOFF, SessionState.MONITORING)
# A task's session gives out its link before the handoff service has walked to the page.
PREPARING = (SessionState.CREATED, SessionState.NAVIGATING)
KEYS = {"Backspace": 8, "Tab": 9, "Enter": 13, "ArrowLeft": 37, "ArrowRight": 39}
JPEG_QUALITY = 60
_viewers: set[str] = set()  # sessions with a person connected now


def _session_for(
    runtime: Runtime, token: str, states: tuple[SessionState, ...] = OPEN
) -> HandoffSession | None:
    """The unexpired session this token names, in one of `states`; None otherwise."""
    digest = token_digest(token)
    with transaction(runtime.sessions) as session:
        row = repo.by_token_hash(session, digest)
        if row is None or SessionState(row.state) not in states:
            return None
        if row.handoff_expires_at is None or row.handoff_expires_at <= datetime.now(UTC):
            return None
        session.expunge(row)
        return row


def _touch(runtime: Runtime, session_id: str) -> None:
    with transaction(runtime.sessions) as session:
        repo.update_session(session, session_id, last_activity_at=datetime.now(UTC))


@router.get("/handoff/{token}")
async def live_page(request: Request, token: str) -> Response:
    runtime: Runtime = request.app.state.runtime
    row = await run_in_threadpool(_session_for, runtime, token[:64], OPEN + PREPARING)
    if row is None:
        raise HTTPException(404, "token: this payment link has expired or was already used")
    lead = (row.request or {}).get("lead", {})
    page = "handoff_wait.html" if SessionState(row.state) in PREPARING else "handoff_live.html"
    return TEMPLATES.TemplateResponse(request, page, {
        "first_name": lead.get("firstName", ""), "clinic": urlsplit(row.booking_url).hostname,
        "token": token,
    })  # fmt: skip


@router.websocket("/handoff/{token}/ws")
async def live_socket(websocket: WebSocket, token: str) -> None:
    runtime: Runtime = websocket.app.state.runtime
    service = getattr(websocket.app.state, "handoffs", None)
    row = await run_in_threadpool(_session_for, runtime, token[:64])
    page = service.live.get(row.id) if (row is not None and service is not None) else None
    if row is None or page is None or row.id in _viewers:
        await websocket.close(code=4404)
        return
    await websocket.accept()
    _viewers.add(row.id)
    try:
        await _relay(websocket, page, runtime, row.id)
    except WebSocketDisconnect:
        pass
    finally:
        _viewers.discard(row.id)


async def _relay(websocket: WebSocket, page: Any, runtime: Runtime, session_id: str) -> None:
    cdp = await page.context.new_cdp_session(page)
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=2)

    acks: set[asyncio.Future[Any]] = set()

    def on_frame(params: dict[str, Any]) -> None:
        ack = asyncio.ensure_future(
            cdp.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})
        )
        acks.add(ack)
        ack.add_done_callback(acks.discard)
        if frames.full():  # a slow phone gets the newest picture, not a backlog
            frames.get_nowait()
        frames.put_nowait(params)

    cdp.on("Page.screencastFrame", on_frame)
    await cdp.send("Page.startScreencast", {"format": "jpeg", "quality": JPEG_QUALITY})

    async def send_frames() -> None:
        while True:
            frame = await frames.get()
            meta = frame["metadata"]
            await websocket.send_json({"type": "frame", "data": frame["data"],
                                       "width": meta["deviceWidth"],
                                       "height": meta["deviceHeight"]})  # fmt: skip

    sender = asyncio.create_task(send_frames())
    try:
        while True:
            event = await websocket.receive_json()
            if page.is_closed():
                break
            await _input(cdp, event)
            await run_in_threadpool(_touch, runtime, session_id)
    finally:
        sender.cancel()
        with contextlib.suppress(Exception):
            await cdp.send("Page.stopScreencast")
            await cdp.detach()


async def _type(cdp: Any, char: str) -> None:
    """One character as a key press (keyDown with its text, keyUp), not a paste: a card
    iframe counts and times the keys it sees, and its fields want real input events."""
    down = {"type": "keyDown", "key": char, "text": char, "unmodifiedText": char}
    if char.isdigit():
        down |= {"code": f"Digit{char}", "windowsVirtualKeyCode": ord(char)}
    await cdp.send("Input.dispatchKeyEvent", down)
    await cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})


async def _input(cdp: Any, event: dict[str, Any]) -> None:
    """One input of the person's into the held tab (CSS pixels of the tab)."""
    kind = event.get("type")
    if kind == "tap":
        x, y = float(event["x"]), float(event["y"])
        for phase in ("mousePressed", "mouseReleased"):
            press = {"type": phase, "x": x, "y": y, "button": "left", "clickCount": 1}
            await cdp.send("Input.dispatchMouseEvent", press)
    elif kind == "scroll":
        wheel = {"type": "mouseWheel", "x": 10, "y": 10, "deltaX": 0, "deltaY": float(event["dy"])}
        await cdp.send("Input.dispatchMouseEvent", wheel)
    elif kind == "text" and isinstance(event.get("text"), str):
        for char in event["text"][:100]:
            await _type(cdp, char)
    elif kind == "key" and event.get("key") in KEYS:
        key, code = event["key"], KEYS[event["key"]]
        for phase in ("keyDown", "keyUp"):
            await cdp.send("Input.dispatchKeyEvent", {"type": phase, "key": key,
                                                      "windowsVirtualKeyCode": code})  # fmt: skip
