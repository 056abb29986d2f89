"""What the REST API shows (`XPublic`) and the few API-only refinements of the domain's input
models. No output schema has a field that could hold a password, card number, CVV or token."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime

from pydantic import BaseModel, Field, SecretStr

from autobook.db.bookings import local_date
from autobook.db.models import (
    ApiToken,
    Attempt,
    Booking,
    PaymentProfile,
    SiteAccount,
    SystemLog,
    Task,
)
from autobook.db.stats import Stats
from autobook.db.taskrepo import AttemptSummary
from autobook.domain.accounts import CVV_WARNING, PaymentProfileCreate
from autobook.logs import redact

MAX_ID = 2**31 - 1  # PostgreSQL `integer`: larger ids would be a database error, not a 404


class ErrorEntry(BaseModel):
    field: str | None = Field(description="The input field at fault, when there is one.")
    message: str


class ErrorBody(BaseModel):
    detail: list[ErrorEntry]


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        401: "Missing or invalid API token",
        404: "No record with this id",
        409: "Would break a uniqueness rule",
        413: "Body too large",
        422: "Invalid input; each entry names the field",
    }.items()
}


class AccountPublic(BaseModel):
    id: int
    site: str
    display_name: str
    login: str
    daily_limit: int | None
    has_session: bool = Field(description="A saved site session (cookies/token) is stored.")
    needs_login: bool = Field(description="The site refused the stored password last time.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: SiteAccount) -> AccountPublic:
        return cls(
            id=account.id,
            site=account.site,
            display_name=account.display_name,
            login=account.login,
            daily_limit=account.daily_limit,
            has_session=account.session_state_enc is not None,
            needs_login=account.needs_login,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class PaymentProfileIn(PaymentProfileCreate):
    """`PaymentProfileCreate` with the CVV warning on the field itself and ids the database
    can hold."""

    cvv: SecretStr | None = Field(
        None, description=f"Optional; needs store_cvv=true. {CVV_WARNING}"
    )
    account_id: int | None = Field(None, ge=1, le=MAX_ID)


class PaymentProfilePublic(BaseModel):
    id: int
    alias: str
    cardholder_name: str
    card_last4: str
    card_display: str = Field(examples=["•••• 1234"])
    expiry_month: str
    expiry_year: str
    has_cvv: bool = Field(description=f"A CVV is stored. {CVV_WARNING}")
    account_id: int | None
    address_line_1: str
    city: str
    postcode: str
    created_at: datetime

    @classmethod
    def of(cls, profile: PaymentProfile) -> PaymentProfilePublic:
        return cls(
            id=profile.id,
            alias=profile.alias,
            cardholder_name=profile.cardholder_name,
            card_last4=profile.card_last4,
            card_display=f"•••• {profile.card_last4}",
            expiry_month=profile.expiry_month,
            expiry_year=profile.expiry_year,
            has_cvv=profile.cvv_enc is not None,
            account_id=profile.account_id,
            address_line_1=profile.address_line_1,
            city=profile.city,
            postcode=profile.postcode,
            created_at=profile.created_at,
        )


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked=token.revoked,
        )


# --- tasks, attempts, bookings ----------------------------------------------------------------
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


# --- sites, stats --------------------------------------------------------------------------
class VenuePublic(BaseModel):
    key: str
    name: str
    sub_locations: list[str]


class ActivityPublic(BaseModel):
    key: str
    name: str
    duration_minutes: int | None


class ReleasePublic(BaseModel):
    description: str = Field(examples=["7 days ahead at 22:00 Europe/London"])
    days_ahead: int | None
    at: str | None = Field(description="Local time of day (HH:MM) for a days-ahead rule.")
    hours_before: float | None
    zone: str


class SitePublic(BaseModel):
    name: str = Field(description="The stable key used everywhere else (`site`).")
    title: str
    available: bool = Field(description="False when this site's adapter could not be loaded.")
    zone: str | None
    venues: list[VenuePublic]
    activities: list[ActivityPublic]
    payment_methods: list[str]
    release: ReleasePublic | None
    transports: list[str]

    @classmethod
    def unavailable(cls, name: str, title: str) -> SitePublic:
        return cls(name=name, title=title, available=False, zone=None, venues=[], activities=[],
                   payment_methods=[], release=None, transports=[])  # fmt: skip


class DayCountPublic(BaseModel):
    date: str = Field(description="YYYY-MM-DD, the sites' local date.")
    count: int


class AccountCountPublic(BaseModel):
    account_id: int | None
    display_name: str
    count: int


class StatsPublic(BaseModel):
    tasks_total: int
    tasks_by_status: dict[str, int]
    active_tasks: int
    next_run_at: datetime | None = Field(description="The soonest planned action of a task.")
    success_rate: float | None = Field(
        description="Succeeded / ended (succeeded, failed, expired) tasks; null until one ends."
    )
    attempts_total: int
    attempts_by_outcome: dict[str, int]
    bookings_total: int
    bookings_by_status: dict[str, int]
    bookings_by_location: dict[str, int] = Field(description="Pending and confirmed bookings.")
    bookings_by_account: list[AccountCountPublic]
    bookings_today: int
    upcoming_bookings: int
    bookings_by_day: list[DayCountPublic]

    @classmethod
    def of(cls, stats: Stats) -> StatsPublic:
        data = asdict(stats)
        data["bookings_by_day"] = [
            DayCountPublic(date=d.day.isoformat(), count=d.count) for d in stats.bookings_by_day
        ]
        return cls(**data)


class NotifyTestResult(BaseModel):
    ok: bool
    sent: int = Field(description="Services that accepted the message.")
    failures: list[str] = Field(description='Each as "URL 2 (discord) …": no URL is shown.')
    message: str
