"""What a user asks for when creating a task, validated once for the CLI, the API, forms and CSV.

Times are parsed with `timeparse` ("7pm", "19:00"), kept in order, and stored as "HH:MM".
"""

from __future__ import annotations

from datetime import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from autobook.domain.sites import Site
from autobook.domain.taskdates import AMBIGUOUS_MEANS, TaskDate
from autobook.domain.tasks import PaymentMethod, Strategy
from autobook.domain.text import check_text
from autobook.domain.timeparse import parse_time

MAX_TIMES = 8
MAX_ACCOUNTS = 20
MIN_POLL_S = 5  # politeness: no site should be polled more often by one task
MAX_POLL_S = 86_400
MAX_NOTIFY_URLS = 10
MAX_URL_CHARS = 1000


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    site: Site
    venue: str = Field(min_length=1, max_length=200)
    sub_location: str | None = Field(None, max_length=50)
    activity: str = Field("", max_length=200)
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)
    target_date: TaskDate = Field(
        description="The slot's day at the site, YYYY-MM-DD or DD/MM/YYYY: from today to two "
        "years ahead."
    )
    times: list[str] = Field(
        min_length=1,
        max_length=MAX_TIMES,
        description="Wanted start times, best first, on the site's clock. A time the clocks "
        f"skip is refused; one they pass twice means {AMBIGUOUS_MEANS}.",
    )
    courts: list[str] = Field(default_factory=list, max_length=20)
    account_ids: list[int] = Field(default_factory=list, max_length=MAX_ACCOUNTS)
    payment_method: PaymentMethod
    payment_profile_id: int | None = Field(None, ge=1, le=2**31 - 1)
    strategy: Strategy = Strategy.WATCH
    dry_run: bool = False
    book_all: bool = Field(
        False,
        description="Book every listed time (each its own booking, spread over the accounts), "
        "not just the best one.",
    )
    poll_interval_s: int = Field(30, ge=MIN_POLL_S, le=MAX_POLL_S)
    notify_urls: list[SecretStr] = Field(
        default_factory=list,
        max_length=MAX_NOTIFY_URLS,
        description="Apprise URLs that hear about this task besides the global ones. "
        "Write-only: they carry tokens, are stored encrypted and never shown again.",
    )

    @field_validator("venue", "sub_location", "activity", "courts")
    @classmethod
    def _text(cls, value: str | list[str] | None) -> str | list[str] | None:
        """The one text rule (`domain.text`), so a CSV cell is held to what the API checks."""
        for text in value if isinstance(value, list) else [value]:
            if text is not None:
                check_text(text, one_line=True)
        return value

    @field_validator("times")
    @classmethod
    def _times(cls, values: list[str]) -> list[str]:
        parsed: list[str] = []
        for raw in values:
            value = parse_time(raw).strftime("%H:%M")
            if value in parsed:
                raise ValueError(f"time {raw!r} is listed twice")
            parsed.append(value)
        return parsed

    @field_validator("account_ids")
    @classmethod
    def _accounts(cls, values: list[int]) -> list[int]:
        if len(set(values)) != len(values):
            raise ValueError("an account is listed twice")
        if any(not 1 <= v <= 2**31 - 1 for v in values):
            raise ValueError("account ids are positive whole numbers")
        return values

    @field_validator("notify_urls")
    @classmethod
    def _urls(cls, values: list[SecretStr]) -> list[SecretStr]:
        for i, value in enumerate(values, start=1):
            url = value.get_secret_value().strip()
            scheme, sep, rest = url.partition("://")
            if not sep or not scheme.isascii() or not scheme.replace("+", "").isalnum() or not rest:
                raise ValueError(f"URL {i} is not an Apprise URL like discord://… or json://…")
            if len(url) > MAX_URL_CHARS or not url.isprintable():
                raise ValueError(f"URL {i} is too long or has control characters")
        return values

    def notify_url_values(self) -> list[str]:
        return [v.get_secret_value().strip() for v in self.notify_urls]

    @field_validator("sub_location")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _payment(self) -> TaskCreate:
        if self.payment_method is PaymentMethod.CARD and self.payment_profile_id is None:
            raise ValueError("payment_profile_id: paying by card needs a payment profile")
        return self

    def time_values(self) -> list[time]:
        return [time.fromisoformat(t) for t in self.times]

    def columns(self) -> dict[str, Any]:
        """The `Task` columns this spec sets."""
        data = self.model_dump(exclude={"times", "courts", "account_ids", "notify_urls"})
        data["site"] = self.site.value
        data["payment_method"] = self.payment_method.value
        data["strategy"] = self.strategy.value
        data["time_preferences"] = list(self.times)
        data["court_preferences"] = list(self.courts)
        return data
