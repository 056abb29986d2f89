"""The engine's retry policy: transient failures get 3 retries; other kinds none."""

from __future__ import annotations

import asyncio

import pytest

from autobook.engine.steps import MAX_RETRIES, StepNote, retrying
from autobook.sites.base import AuthFailed, Transient


async def no_sleep(_: float) -> None:
    return None


def test_transient_failures_are_retried_then_succeed() -> None:
    calls = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise Transient("503")
        return "ok"

    note = StepNote()
    assert asyncio.run(retrying(flaky, note, sleep=no_sleep)) == "ok"
    assert len(calls) == 3
    assert len(note.retries) == 2 and "503" in note.retries[0]


def test_retries_stop_after_the_limit() -> None:
    calls = []

    async def down() -> str:
        calls.append(1)
        raise Transient("timeout")

    with pytest.raises(Transient, match="after 3 retries"):
        asyncio.run(retrying(down, StepNote(), sleep=no_sleep))
    assert len(calls) == MAX_RETRIES + 1


def test_auth_failures_are_never_retried() -> None:
    calls = []

    async def refused() -> str:
        calls.append(1)
        raise AuthFailed("bad password")

    with pytest.raises(AuthFailed):
        asyncio.run(retrying(refused, StepNote(), sleep=no_sleep))
    assert len(calls) == 1


def test_a_retry_is_skipped_when_the_check_finds_the_result() -> None:
    calls = []

    async def pay() -> str:
        calls.append(1)
        raise Transient("timed out after sending")

    async def already() -> str | None:
        return "booked-ABC"

    assert (
        asyncio.run(retrying(pay, StepNote(), before_retry=already, sleep=no_sleep)) == "booked-ABC"
    )
    assert len(calls) == 1
