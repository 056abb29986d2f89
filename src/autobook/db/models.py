"""The data model of every seed: accounts, payment profiles, tasks, bookings, attempts and their
execution log, the system log, admin users and API tokens, handoff sessions and the public
appointment page.

Columns ending in `_enc` hold Fernet ciphertext (see `vault.py`); `ENCRYPTED_COLUMNS` lists them
all so that key rotation cannot miss one. Datetimes are stored zone-aware (UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from autobook.domain.statuses import BookingStatus, TaskStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes (SQLite has no
    zone support and would otherwise return naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a zone-aware column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Meta(Base):
    """Key/value facts about this database, e.g. the vault's canary."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AdminUser(Timestamps, Base):
    __tablename__ = "admin_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random id, this row only its sha256, so that
    signing out, a password change or "sign out everywhere" ends it on the server at once."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    prefix: Mapped[str] = mapped_column(String(16))  # shown to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SiteAccount(Timestamps, Base):
    """A login on a target site (seed 000 UserAccount, seed 002 accounts)."""

    __tablename__ = "site_accounts"
    __table_args__ = (UniqueConstraint("site", "login", name="uq_site_accounts_site_login"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(32), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    login: Mapped[str] = mapped_column(String(255))
    password_enc: Mapped[str] = mapped_column(Text)
    # Personal data, not a secret: stored plain and shown to the admin (the clinic needs it).
    phone: Mapped[str | None] = mapped_column(String(32))
    session_state_enc: Mapped[str | None] = mapped_column(Text)  # browser storage / API token
    daily_limit: Mapped[int | None] = mapped_column(Integer)  # bookings a day the site allows
    needs_login: Mapped[bool] = mapped_column(Boolean, default=False)  # last login was refused

    payment_profiles: Mapped[list[PaymentProfile]] = relationship(back_populates="account")


class PaymentProfile(Timestamps, Base):
    """A card (seed 000 §2.2). The number is encrypted; the CVV is opt-in and encrypted."""

    __tablename__ = "payment_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_accounts.id", ondelete="SET NULL"), index=True
    )
    alias: Mapped[str] = mapped_column(String(100))
    cardholder_name: Mapped[str] = mapped_column(String(100))
    card_number_enc: Mapped[str] = mapped_column(Text)
    card_last4: Mapped[str] = mapped_column(String(4))
    expiry_month: Mapped[str] = mapped_column(String(2))
    expiry_year: Mapped[str] = mapped_column(String(2))
    cvv_enc: Mapped[str | None] = mapped_column(Text)
    address_line_1: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(16), default="")

    account: Mapped[SiteAccount | None] = relationship(back_populates="payment_profiles")


class TaskAccount(Base):
    """The accounts of a task, in order (seed 002's divide and conquer uses several)."""

    __tablename__ = "task_accounts"
    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("site_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Task(Timestamps, Base):
    """A booking goal: what to book, where, when, how to pay, and how to go after it."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_due", "status", "next_run_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(32))
    venue: Mapped[str] = mapped_column(String(200))  # venue or location (seed 002)
    sub_location: Mapped[str | None] = mapped_column(String(50))
    activity: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    target_date: Mapped[date] = mapped_column(Date)
    time_preferences: Mapped[list[Any]] = mapped_column(default=list)  # ["19:00", "20:00"]
    court_preferences: Mapped[list[Any]] = mapped_column(default=list)
    payment_method: Mapped[str] = mapped_column(String(16))  # domain.tasks.PaymentMethod
    payment_profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_profiles.id", ondelete="SET NULL")
    )
    strategy: Mapped[str] = mapped_column(String(16), default="watch")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # False: the best of the ordered times (seeds 000/001). True: every listed time, each its
    # own booking, spread over the task's accounts within their daily limits (seed 002).
    book_all: Mapped[bool] = mapped_column(Boolean, default=False)
    poll_interval_s: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.PENDING.value)
    next_run_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    notify_urls_enc: Mapped[str | None] = mapped_column(Text)  # Apprise URLs carry tokens
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]

    accounts: Mapped[list[SiteAccount]] = relationship(
        secondary="task_accounts", order_by="TaskAccount.position", viewonly=True
    )


class Listing(Base):
    """One page of a site that many watch tasks read (site, venue, activity, day): when it was
    last looked at, whether that worked, and which worker looks at it now (a lease, so that on
    PostgreSQL each listing has one looker across all `autobook worker` processes)."""

    __tablename__ = "listings"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)  # worker.listings.key_of
    site: Mapped[str] = mapped_column(String(32))
    venue: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(String(200), default="")
    sub_location: Mapped[str | None] = mapped_column(String(50))
    day: Mapped[date] = mapped_column(Date)
    tasks: Mapped[int] = mapped_column(Integer, default=0)  # watch tasks served at the last look
    interval_s: Mapped[int] = mapped_column(Integer, default=30)
    looked_at: Mapped[datetime | None]  # the latest look, whatever came of it
    ok_at: Mapped[datetime | None]  # the latest successful look
    error: Mapped[str | None] = mapped_column(Text)  # why the latest look failed; None if fine
    owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]


class ListingWorker(Base):
    """A worker that looks at listings, and when it last said so: the live ones share them."""

    __tablename__ = "listing_workers"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime]


class Booking(Timestamps, Base):
    """A booking made on a site (seed 000 Booking, seed 002 bookings)."""

    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_accounts.id", ondelete="SET NULL"), index=True
    )
    site: Mapped[str] = mapped_column(String(32))
    venue: Mapped[str] = mapped_column(String(200), default="")  # seed 002 location
    sub_location: Mapped[str | None] = mapped_column(String(50))
    court: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[str | None] = mapped_column(String(32))  # as the site shows it: "£14.00"
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.CONFIRMED.value)
    error_message: Mapped[str | None] = mapped_column(Text)
    screenshot_path: Mapped[str | None] = mapped_column(String(500))
    booked_at: Mapped[datetime | None]


class Attempt(Base):
    """One run of the engine for a task (seed 001's execution log groups by attempt)."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_accounts.id", ondelete="SET NULL")
    )
    worker: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))  # booked, miss, error kind…
    error: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)

    steps: Mapped[list[AttemptStep]] = relationship(
        order_by="AttemptStep.seq", cascade="all, delete-orphan"
    )


class AttemptStep(Base):
    """One step of an attempt: login, find, hold, pay, confirm — with its duration."""

    __tablename__ = "attempt_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16))  # ok, failed, skipped
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    screenshot_path: Mapped[str | None] = mapped_column(String(500))


class SystemLog(Base):
    """The system log of seed 000 §2.5."""

    __tablename__ = "system_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    level: Mapped[str] = mapped_column(String(8))  # INFO, WARN, ERROR
    source: Mapped[str] = mapped_column(String(32))  # Worker, Web, CLI, …
    message: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL"), index=True
    )


class HandoffSession(Timestamps, Base):
    """Seed 004: steps 1–4 automated, the payment page handed to a person, outcome watched.
    `state` moves only by compare-and-set (`db/handoffs.py`); each move is a `HandoffTransition`."""

    __tablename__ = "handoff_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(24), default="created", index=True)
    outcome: Mapped[str | None] = mapped_column(String(24))
    booking_url: Mapped[str] = mapped_column(String(500))
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)  # date, time, lead, service…
    handoff_url_enc: Mapped[str | None] = mapped_column(Text)  # the URL continues the session
    handoff_expires_at: Mapped[datetime | None]
    callback_url: Mapped[str | None] = mapped_column(String(500))
    confirmation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_message: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    mode: Mapped[str | None] = mapped_column(String(8))  # url | live, once at the payment page
    # Live handoff: sha256 of the token in /handoff/{token} (the token itself is never stored
    # in clear: the URL is only in `handoff_url_enc`).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_activity_at: Mapped[datetime | None]  # the page last changed (or the session began)
    screenshot: Mapped[str | None] = mapped_column(String(200))  # masked, under screenshots/
    # Which service process drives the session, until when: another one takes it over after a
    # restart only once this has passed.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


class HandoffTransition(Base):
    """One state change of a booking session, timestamped: the session's timeline."""

    __tablename__ = "handoff_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("handoff_sessions.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)


class HandoffCallback(Base):
    """One event to POST to a session's callback URL, with every delivery attempt logged."""

    __tablename__ = "handoff_callbacks"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # UUID, sent in the body
    session_id: Mapped[str] = mapped_column(
        ForeignKey("handoff_sessions.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(24))
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)  # exactly what is signed and sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)  # None: done or given up
    delivered_at: Mapped[datetime | None]
    log: Mapped[list[Any]] = mapped_column(default=list)  # [{at, status, error}]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppointmentType(Base):
    """Seed 003: what others can book with the owner on the public page."""

    __tablename__ = "appointment_types"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Between candidate starts; None: the duration (Cal.com's default).
    slot_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    calendar_id: Mapped[str | None] = mapped_column(String(200))
    custom_fields: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    color: Mapped[str] = mapped_column(String(7), default="#3b82f6")


class AvailabilityRule(Base):
    __tablename__ = "availability_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    day_of_week: Mapped[int] = mapped_column(Integer)  # 0 = Monday … 6 = Sunday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AvailabilityOverride(Base):
    """One date opened differently from its weekday: a window, or (no times) closed all day.
    Several rows of one date are several windows."""

    __tablename__ = "availability_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)


class BlockedPeriod(Base):
    __tablename__ = "blocked_periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    start_datetime: Mapped[datetime]
    end_datetime: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")


class AppointmentSettings(Base):
    """The public page's settings: one row (id 1). Its `lock_seq` is also the lock every
    booking takes first, so two guests' submissions run one after the other."""

    __tablename__ = "appointment_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    min_advance_hours: Mapped[int] = mapped_column(Integer, default=24)
    max_future_days: Mapped[int] = mapped_column(Integer, default=30)
    cancel_cutoff_hours: Mapped[int] = mapped_column(Integer, default=12)
    hold_seconds: Mapped[int] = mapped_column(Integer, default=30)  # a picked slot's reservation
    owner_name: Mapped[str] = mapped_column(String(100), default="")
    from_email: Mapped[str] = mapped_column(String(255), default="")
    notify_email: Mapped[str] = mapped_column(String(255), default="")
    notifications_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    feed_token_hash: Mapped[str | None] = mapped_column(String(64))  # the private ICS feed
    # How mail leaves: "smtp", "resend" or "" (not set up: mails wait in the outbox).
    mail_transport: Mapped[str] = mapped_column(String(16), default="")
    smtp_host: Mapped[str] = mapped_column(String(255), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")  # none, ssl
    smtp_username: Mapped[str] = mapped_column(String(255), default="")
    smtp_password_enc: Mapped[str | None] = mapped_column(Text)
    resend_api_key_enc: Mapped[str | None] = mapped_column(Text)
    lock_seq: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """A booking made by a guest on the owner's public page (seed 003 `bookings`).

    At most one confirmed appointment starts at any instant (a partial unique index), on top
    of the lock every booking takes (`AppointmentSettings.lock_seq`)."""

    __tablename__ = "appointments"
    __table_args__ = (
        Index(
            "uq_appointments_confirmed_start",
            "start_datetime",
            unique=True,
            sqlite_where=text("status = 'confirmed'"),
            postgresql_where=text("status = 'confirmed'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_type_id: Mapped[int] = mapped_column(ForeignKey("appointment_types.id"))
    start_datetime: Mapped[datetime] = mapped_column(index=True)
    end_datetime: Mapped[datetime]
    # The owner's time it takes, buffers included (what later slots must not touch).
    busy_start: Mapped[datetime | None]
    busy_end: Mapped[datetime | None]
    guest_name: Mapped[str] = mapped_column(String(100))
    guest_email: Mapped[str] = mapped_column(String(255))
    guest_phone: Mapped[str] = mapped_column(String(50), default="")
    guest_timezone: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    custom_field_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    cancel_token: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of it
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    cancelled_at: Mapped[datetime | None]
    calendar_event_id: Mapped[str | None] = mapped_column(String(200))
    # The calendar write failed: shown in the admin list, retried by the worker.
    calendar_sync_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarConnection(Base):
    """One of the owner's calendars: `caldav` (busy times and events), `google` (the same,
    by Google's REST API) or `ics` (a read-only feed of busy times). Secrets (a CalDAV
    password, Google's refresh token) are in the vault."""

    __tablename__ = "calendar_connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    username: Mapped[str] = mapped_column(String(255), default="")
    secret_enc: Mapped[str | None] = mapped_column(Text)
    calendar_id: Mapped[str] = mapped_column(String(255), default="")  # Google's calendar
    writes_events: Mapped[bool] = mapped_column(Boolean, default=False)
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class CalendarBusy(Base):
    """Busy times last read from a connected calendar (the worker refreshes them), so /book
    never waits on a remote calendar."""

    __tablename__ = "calendar_busy"
    __table_args__ = (Index("ix_calendar_busy_span", "start_datetime", "end_datetime"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_connections.id", ondelete="CASCADE"), index=True
    )
    start_datetime: Mapped[datetime]
    end_datetime: Mapped[datetime]


class SlotReservation(Base):
    """A guest's 30-second hold on a slot, taken when they pick it: other guests don't see
    the slot while it lives. Stored here, not in memory: several processes serve /book."""

    __tablename__ = "slot_reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    holder_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    appointment_type_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_types.id", ondelete="CASCADE")
    )
    start_datetime: Mapped[datetime]
    busy_start: Mapped[datetime]
    busy_end: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RateLimitHit(Base):
    """One counted request of a client (e.g. a /book submission), for limits that must hold
    across processes."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "bucket", "client", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMail(Base):
    """A mail to send: written in the booking's transaction, sent by the worker with retries,
    so a slow or failing mail server never slows or fails a booking."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_try_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # guest_confirmation, admin_alert, …
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    ics: Mapped[str | None] = mapped_column(Text)  # attached as invite.ics when set
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


# Every (model, column) that holds ciphertext: key rotation and secret scans walk this list.
ENCRYPTED_COLUMNS: list[tuple[type[Base], str]] = [
    (SiteAccount, "password_enc"),
    (SiteAccount, "session_state_enc"),
    (PaymentProfile, "card_number_enc"),
    (PaymentProfile, "cvv_enc"),
    (Task, "notify_urls_enc"),
    (HandoffSession, "handoff_url_enc"),
    (AppointmentSettings, "smtp_password_enc"),
    (AppointmentSettings, "resend_api_key_enc"),
    (CalendarConnection, "secret_enc"),
]
