"""POST /api/v1/notifications/test: send the test message through `autobook.notify`, to the
URLs in the body or, without any, to the global ones (setting and settings page).

Apprise URLs carry tokens: the answer names a failing URL by its position and scheme only.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator

from autobook import notify
from autobook.db.notify_urls import MAX_URLS, parse_notify_urls
from autobook.web.deps import RuntimeDep
from autobook.web.schemas_info import NotifyTestResult

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotifyTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urls: list[str] | None = Field(
        None,
        max_length=MAX_URLS,
        description="Apprise URLs to try (never stored); omit to test the saved ones.",
        examples=[["discord://webhook_id/webhook_token"]],
    )

    @field_validator("urls")
    @classmethod
    def _apprise_urls(cls, urls: list[str] | None) -> list[str] | None:
        return None if urls is None else parse_notify_urls("\n".join(urls))


@router.post("/test")
def send_test(runtime: RuntimeDep, data: NotifyTest | None = None) -> NotifyTestResult:
    urls = data.urls if data and data.urls is not None else notify.global_urls(runtime)
    if not urls:
        raise HTTPException(422, "urls: no notification URLs are set; add some or send urls")
    result = notify.send_test(urls)  # blocking network I/O: this runs in the thread pool
    return NotifyTestResult(
        ok=result.ok, sent=result.sent, failures=result.failures, message=result.message
    )
