"""Callbacks: each queued event (`handoff.moves`) POSTed as JSON to the session's callbackUrl.

The body is signed with HMAC-SHA256 over its exact bytes with
`AUTOBOOK_HANDOFF_CALLBACK_SECRET`: header `X-Autobook-Signature: sha256=<hex>`, plus
`X-Autobook-Event-Id`, the body's `eventId`, so a receiver can drop a repeat. A 2xx answer is
delivered; anything else is tried again after `AUTOBOOK_HANDOFF_CALLBACK_RETRY_S`, doubling,
until the retries have spanned at least 10 minutes. Every attempt is logged, in the log and on
the event's row. A delivery is claimed before it is sent, so two services never send one twice,
and a session's events go out in the order they happened (one waits for the one before).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from autobook.db.models import HandoffCallback, HandoffSession
from autobook.db.session import transaction
from autobook.runtime import Runtime

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Autobook-Signature"
EVENT_HEADER = "X-Autobook-Event-Id"
MIN_RETRY_SPAN = timedelta(minutes=10)
CLAIM_S = 60.0  # a delivery being sent is not picked up again for this long
TIMEOUT_S = 10.0
BATCH = 20


def body_bytes(body: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed."""
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()


class Deliveries:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.client = httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)

    async def close(self) -> None:
        await self.client.aclose()

    async def send_due(self) -> int:
        """Send every event that is due now; how many were tried."""
        due = await asyncio.to_thread(self._claim_due)
        await asyncio.gather(*(self._send(*item) for item in due))
        return len(due)

    def _claim_due(self) -> list[tuple[int, str, dict[str, Any]]]:
        now = datetime.now(UTC)
        claimed = []
        with transaction(self.runtime.sessions) as session:
            # Every pending event (due or waiting for a retry), oldest first: a session's
            # events go out in order, each only once the one before it was delivered.
            rows = session.execute(
                select(HandoffCallback.id, HandoffCallback.next_attempt_at,
                       HandoffCallback.body, HandoffSession.callback_url,
                       HandoffCallback.session_id)
                .join(HandoffSession, HandoffSession.id == HandoffCallback.session_id)
                .where(HandoffCallback.next_attempt_at.is_not(None))
                .order_by(HandoffCallback.id)
            ).all()  # fmt: skip
            first = {}
            for row in rows:
                first.setdefault(row.session_id, row)
            due = [r for r in first.values() if r.next_attempt_at <= now][:BATCH]
            for callback_id, due_at, body, url, _session in due:
                won = session.execute(
                    update(HandoffCallback)
                    .where(HandoffCallback.id == callback_id,
                           HandoffCallback.next_attempt_at == due_at)
                    .values(next_attempt_at=now + timedelta(seconds=CLAIM_S))
                    .execution_options(synchronize_session=False)
                ).rowcount  # type: ignore[attr-defined]  # fmt: skip
                if won and url:
                    claimed.append((callback_id, url, body))
        return claimed

    async def _send(self, callback_id: int, url: str, body: dict[str, Any]) -> None:
        payload = body_bytes(body)
        headers = {"Content-Type": "application/json", EVENT_HEADER: str(body["eventId"]),
                   SIGNATURE_HEADER: signature(self.settings.handoff_callback_secret or "",
                                               payload)}  # fmt: skip
        status, error = None, None
        try:
            answer = await self.client.post(url, content=payload, headers=headers)
            status = answer.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        await asyncio.to_thread(self._record, callback_id, status, error)

    def _record(self, callback_id: int, status: int | None, error: str | None) -> None:
        now = datetime.now(UTC)
        delivered = status is not None and 200 <= status < 300
        with transaction(self.runtime.sessions) as session:
            row = session.get(HandoffCallback, callback_id)
            assert row is not None
            row.attempts += 1
            row.log = [*row.log, {"at": now.isoformat(), "status": status, "error": error}]
            if delivered:
                row.delivered_at, row.next_attempt_at = now, None
            else:
                row.next_attempt_at = self._retry_at(row, now)
            log.info("callback %s (session %s, %s) attempt %d: %s", row.event_id, row.session_id,
                     row.state, row.attempts,
                     "delivered" if delivered else f"failed ({status or error}); "
                     + (f"next at {row.next_attempt_at:%H:%M:%S}" if row.next_attempt_at
                        else "given up"))  # fmt: skip

    def _retry_at(self, row: HandoffCallback, now: datetime) -> datetime | None:
        base = self.settings.handoff_callback_retry_s
        span = max(MIN_RETRY_SPAN, timedelta(seconds=20 * base))
        if now - row.created_at >= span:
            return None  # given up: polling the status still answers
        return now + timedelta(seconds=base * 2 ** (row.attempts - 1))
