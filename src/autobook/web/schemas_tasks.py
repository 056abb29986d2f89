"""What the REST API shows of tasks, their attempts, bookings, log lines and CSV imports.

Free text written by sites, the engine and the worker (errors, step details, log lines) goes
through `shown_text` on the way out, so a secret quoted by mistake is masked.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime

from pydantic import BaseModel, Field

from autobook.db.bookings import local_date
from autobook.db.models import Attempt, Booking, SystemLog, Task
from autobook.db.taskrepo import AttemptSummary
from autobook.logs import redact
from autobook.web.schemas import AccountPublic, ErrorEntry

# A service URL other than a web page (discord://, json://, mailto://…) is an Apprise URL:
# its path carries the webhook token, which `redact` leaves alone.
_SERVICE_URL = re.compile(r"(?i)\b(?!https?://)([a-z][a-z0-9+.-]{1,30})://[^\s'\"<>]+")


def shown_text(text: str | None) -> str | None:
    """Free text from sites, the engine and the log, as the API shows it: anything that looks
    like a secret masked, service URLs cut to their scheme."""
    return _SERVICE_URL.sub(r"\1://…", redact(text)) if text else text


class TaskPublic(BaseModel):
    id: int
    site: str
    venue: str
    sub_location: str | None
    activity: str
    duration_minutes: int | None
    target_date: date
    times: list[str] = Field(description="Ordered time preferences, local to the site (HH:MM).")
    courts: list[str] = Field(description="Ordered court preferences; others still acceptable.")
    account_ids: list[int]
    payment_method: str
    payment_profile_id: int | None
    strategy: str
    dry_run: bool
    poll_interval_s: int
    status: str
    next_run_at: datetime | None
    last_checked_at: datetime | None
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: Task) -> TaskPublic:
        return cls(
            id=task.id,
            site=task.site,
            venue=task.venue,
            sub_location=task.sub_location,
            activity=task.activity,
            duration_minutes=task.duration_minutes,
            target_date=task.target_date,
            times=list(task.time_preferences),
            courts=list(task.court_preferences),
            account_ids=[a.id for a in task.accounts],
            payment_method=task.payment_method,
            payment_profile_id=task.payment_profile_id,
            strategy=task.strategy,
            dry_run=task.dry_run,
            poll_interval_s=task.poll_interval_s,
            status=task.status,
            next_run_at=task.next_run_at,
            last_checked_at=task.last_checked_at,
            error=shown_text(task.error),
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


class StepPublic(BaseModel):
    name: str
    status: str
    started_at: datetime
    duration_ms: int | None
    detail: str | None
    has_screenshot: bool


class AttemptPublic(BaseModel):
    id: int
    account_id: int | None
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None = Field(description="booked, dry_run, no_slot, auth, … (None: running)")
    error: str | None
    dry_run: bool
    steps: list[StepPublic]

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptPublic:
        steps = [
            StepPublic(
                name=s.name,
                status=s.status,
                started_at=s.started_at,
                duration_ms=s.duration_ms,
                detail=shown_text(s.detail),
                has_screenshot=s.screenshot_path is not None,
            )
            for s in attempt.steps
        ]
        return cls(
            id=attempt.id,
            account_id=attempt.account_id,
            started_at=attempt.started_at,
            finished_at=attempt.finished_at,
            outcome=attempt.outcome,
            error=shown_text(attempt.error),
            dry_run=attempt.dry_run,
            steps=steps,
        )


class AttemptSummaryPublic(BaseModel):
    total: int
    by_outcome: dict[str, int]
    last_started_at: datetime | None
    last_outcome: str | None
    last_error: str | None

    @classmethod
    def of(cls, summary: AttemptSummary) -> AttemptSummaryPublic:
        data = asdict(summary)
        data["last_error"] = shown_text(summary.last_error)
        return cls(**data)


class BookingPublic(BaseModel):
    id: int
    task_id: int | None
    account_id: int | None
    site: str
    location: str = Field(description="The venue (seed 002's location).")
    sub_location: str | None
    court: str | None
    reference: str | None
    price: str | None = Field(examples=["£14.00"])
    booking_date: date = Field(description="The slot's local date at the site (seed 002).")
    starts_at: datetime
    ends_at: datetime | None
    status: str
    error_message: str | None
    has_screenshot: bool
    booked_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, booking: Booking) -> BookingPublic:
        return cls(
            id=booking.id,
            task_id=booking.task_id,
            account_id=booking.account_id,
            site=booking.site,
            location=booking.venue,
            sub_location=booking.sub_location,
            court=booking.court,
            reference=booking.reference,
            price=booking.price,
            booking_date=local_date(booking.starts_at),
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            status=booking.status,
            error_message=shown_text(booking.error_message),
            has_screenshot=booking.screenshot_path is not None,
            booked_at=booking.booked_at,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )


class TaskDetail(TaskPublic):
    release_at: datetime | None = Field(
        description="When the first wanted slot is released by the site's rule in effect (UTC);"
        " a snipe fires then. Null when the site's adapter is unavailable."
    )
    accounts: list[AccountPublic]
    attempts: AttemptSummaryPublic
    recent_attempts: list[AttemptPublic] = Field(description="The latest attempts, newest first.")
    booking: BookingPublic | None


class LogPublic(BaseModel):
    id: int
    timestamp: datetime
    level: str
    source: str
    message: str
    task_id: int | None

    @classmethod
    def of(cls, entry: SystemLog) -> LogPublic:
        return cls(
            id=entry.id,
            timestamp=entry.timestamp,
            level=entry.level,
            source=entry.source,
            message=shown_text(entry.message) or "",
            task_id=entry.task_id,
        )


class ImportRowError(ErrorEntry):
    line: int = Field(description="The CSV line (1 is the header; 0 the file as a whole).")


class ImportResult(BaseModel):
    created: list[TaskPublic]
    skipped_lines: list[int] = Field(description='Rows whose Status is not "Book".')
    errors: list[ImportRowError] = Field(description="Bad rows (only when all_or_nothing=false).")


class ImportFailed(BaseModel):
    detail: list[ImportRowError]


class BookingCancelled(BaseModel):
    booking: BookingPublic
    cancelled_on_site: bool = Field(description="Whether the site itself was told.")
    note: str
