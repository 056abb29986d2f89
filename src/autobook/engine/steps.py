"""The execution log of one attempt: every step with its duration, written as it finishes so the
task page and `autobook book` show progress live; and the retry policy for transient failures.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from autobook.db.models import Attempt, AttemptStep, utcnow
from autobook.db.session import transaction
from autobook.logs import redact
from autobook.runtime import Runtime
from autobook.sites.base import SiteError, Transient

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_RETRIES = 3  # issue 4: transient failures get up to 3 retries within one attempt
BACKOFF_BASE_S = 0.4  # 0.4, 0.8, 1.6 s, each times a jitter in [0.5, 1.5)
MAX_DETAIL_CHARS = 2000


@dataclass
class StepEvent:
    """What a progress listener (the CLI's live display) hears about a step."""

    name: str
    status: str  # running, ok, failed, skipped
    detail: str = ""
    duration_ms: int | None = None


Progress = Callable[[StepEvent], None]


class StepNote:
    """What a step says about itself when it ends: a detail line and maybe a screenshot."""

    def __init__(self) -> None:
        self.detail = ""
        self.screenshot: str | None = None
        self.retries: list[str] = []

    def text(self) -> str:
        parts = [*self.retries, self.detail] if self.retries else [self.detail]
        return "; ".join(p for p in parts if p)


class StepLog:
    def __init__(self, runtime: Runtime, attempt_id: int, progress: Progress | None) -> None:
        self.runtime = runtime
        self.attempt_id = attempt_id
        self.progress = progress
        self.seq = 0
        self.current = ""  # the running step, for error messages
        self._held: list[tuple[str, str, datetime, int, StepNote]] | None = None

    def _emit(self, event: StepEvent) -> None:
        if self.progress is not None and self._held is None:
            self.progress(event)

    def _write(self, name: str, status: str, started: datetime, ms: int, note: StepNote) -> None:
        self.seq += 1
        detail = redact(note.text())[:MAX_DETAIL_CHARS] or None
        step = AttemptStep(attempt_id=self.attempt_id, seq=self.seq, name=name, status=status,
                           started_at=started, duration_ms=ms, detail=detail,
                           screenshot_path=note.screenshot)  # fmt: skip
        try:
            with transaction(self.runtime.sessions) as session:
                session.add(step)
        except IntegrityError:
            if self._attempt_exists():
                raise
            # The task was deleted while this attempt ran (its attempts went with it): the
            # attempt goes on to its end, with nothing left to write its steps to.
            log.info("attempt %s: its task was deleted; step %s not recorded", self.attempt_id,
                     name)  # fmt: skip
        self._emit(StepEvent(name, status, detail or "", ms))

    def _attempt_exists(self) -> bool:
        with transaction(self.runtime.sessions) as session:
            return session.get(Attempt, self.attempt_id) is not None

    async def _write_async(
        self, name: str, status: str, started: datetime, ms: int, note: StepNote
    ) -> None:
        """The write off the event loop: a snipe or another attempt may be timing a shot."""
        if self._held is not None:
            self._held.append((name, status, started, ms, note))
            return
        await asyncio.to_thread(self._write, name, status, started, ms, note)

    @asynccontextmanager
    async def deferred(self) -> AsyncIterator[None]:
        """Hold the steps' writes (and progress output) until the block ends: a snipe's last
        second, its shots and its checkout run with no database write or I/O on the way, not
        even in a thread competing for the interpreter. Written in order afterwards, whatever
        the block raised."""
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            for entry in held:
                await asyncio.to_thread(self._write, *entry)

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[StepNote]:
        """Time the block and log it as one step: ok, or failed with the error's message."""
        self.current = name
        started, t0 = utcnow(), time.perf_counter()
        note = StepNote()
        self._emit(StepEvent(name, "running"))
        try:
            yield note
        except SiteError as exc:
            exc.step = exc.step or name
            note.detail = note.detail or exc.message
            await self._write_async(name, "failed", started, _ms_since(t0), note)
            raise
        except Exception as exc:
            note.detail = f"internal error: {type(exc).__name__}"
            await self._write_async(name, "failed", started, _ms_since(t0), note)
            raise
        await self._write_async(name, "ok", started, _ms_since(t0), note)


def _ms_since(t0: float) -> int:
    return round((time.perf_counter() - t0) * 1000)


async def retrying(
    call: Callable[[], Awaitable[T]],
    note: StepNote,
    *,
    before_retry: Callable[[], Awaitable[T | None]] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Run `call`, retrying `Transient` failures up to MAX_RETRIES times with backoff and jitter.

    `before_retry` may short-circuit a retry with a result (e.g. the booking already exists after
    a payment request timed out), so a retry never pays twice.
    """
    for attempt in range(MAX_RETRIES + 1):
        try:
            return await call()
        except Transient as exc:
            if attempt == MAX_RETRIES:
                exc.message = f"{exc.message} (after {MAX_RETRIES} retries)"
                raise
            delay = BACKOFF_BASE_S * 2**attempt * random.uniform(0.5, 1.5)
            note.retries.append(f"retry {attempt + 1}/{MAX_RETRIES} in {delay:.1f}s: {exc.message}")
            await sleep(delay)
            if before_retry is not None:
                found = await before_retry()
                if found is not None:
                    return found
    raise AssertionError("unreachable")  # the loop either returns or raises
