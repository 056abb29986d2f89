"""What the owner sets up for the public page, checked once for the admin pages and the REST
API alike: appointment types (with custom fields), weekly rules, date overrides, blocked
periods, the page's settings; and the owner cancelling an appointment.

Inputs are pydantic models whose errors name the field; the write functions raise ValueError
as "field: why" (overlapping rules) and NotFound for an id that names nothing.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from autobook.appointments.availability import Window, overlapping_windows
from autobook.appointments.guest_form import EMAIL
from autobook.appointments.notices import queue_cancellation_mail
from autobook.db import appointments as repo
from autobook.db.models import (
    Appointment,
    AppointmentSettings,
    AppointmentType,
    AvailabilityOverride,
    AvailabilityRule,
    BlockedPeriod,
)
from autobook.domain.errors import NotFound
from autobook.domain.text import check_text

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _line(text: str) -> str:
    return check_text(text.strip(), one_line=True)


def _text(text: str) -> str:
    return check_text(text.strip())


Line = Annotated[str, AfterValidator(_line)]
Text = Annotated[str, AfterValidator(_text)]


class CustomFieldIn(BaseModel):
    label: Annotated[Line, Field(min_length=1, max_length=100)]
    type: Literal["text", "textarea", "select", "checkbox"] = "text"
    required: bool = False
    options: list[Annotated[Line, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50, validate_default=True
    )

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("type") == "select" and not value:
            raise ValueError("a select needs at least one option")
        return value


class TypeIn(BaseModel):
    name: Annotated[Line, Field(min_length=1, max_length=100)]
    description: Annotated[Text, Field(max_length=2000)] = ""
    duration_minutes: int = Field(ge=5, le=720)
    buffer_before_minutes: int = Field(0, ge=0, le=240)
    buffer_after_minutes: int = Field(0, ge=0, le=240)
    slot_interval_minutes: int | None = Field(None, ge=5, le=720)
    calendar_id: Annotated[Line, Field(max_length=200)] | None = None
    color: str = Field("#3b82f6", pattern=r"^#[0-9a-fA-F]{6}$")
    custom_fields: list[CustomFieldIn] = Field(default_factory=list, max_length=20)
    active: bool = True


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a time on the owner's clock, without a UTC offset")
    return value


# Rules are in the owner's time zone; an offset would make them incomparable with the rest.
WallTime = Annotated[time, AfterValidator(_wall_clock)]


class RuleIn(BaseModel):
    day_of_week: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start_time: WallTime
    end_time: WallTime

    @model_validator(mode="after")
    def _order(self) -> RuleIn:
        if self.end_time <= self.start_time:
            raise ValueError("end_time: must be after start_time")
        return self


class OverrideIn(BaseModel):
    """A date opened from start to end instead of its weekday's rules, or closed (no times)."""

    day: Date
    start_time: WallTime | None = None
    end_time: WallTime | None = None

    @model_validator(mode="after")
    def _pair(self) -> OverrideIn:
        if (self.start_time is None) != (self.end_time is None):
            raise ValueError("end_time: give both times, or neither to close the day")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValueError("end_time: must be after start_time")
        return self


class BlockedIn(BaseModel):
    start_datetime: AwareDatetime
    end_datetime: AwareDatetime
    reason: Annotated[Line, Field(max_length=200)] = ""

    @model_validator(mode="after")
    def _order(self) -> BlockedIn:
        if self.end_datetime <= self.start_datetime:
            raise ValueError("end_datetime: must be after start_datetime")
        return self


class PageSettingsIn(BaseModel):
    timezone: str = Field("Europe/London", max_length=64)
    min_advance_hours: int = Field(24, ge=0, le=24 * 60)
    max_future_days: int = Field(30, ge=1, le=730)
    cancel_cutoff_hours: int = Field(12, ge=0, le=24 * 60)
    hold_seconds: int = Field(30, ge=0, le=600)
    owner_name: Annotated[Line, Field(max_length=100)] = ""
    from_email: Annotated[Line, Field(max_length=255)] = ""
    notify_email: Annotated[Line, Field(max_length=255)] = ""
    notifications_enabled: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name like Europe/London") from None
        return value

    @field_validator("from_email", "notify_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not EMAIL.fullmatch(value):
            raise ValueError("is not an email address (like name@example.com)")
        return value


# --- writes -------------------------------------------------------------------------------------
def save_type(session: Session, data: TypeIn, type_id: int | None = None) -> AppointmentType:
    kind = AppointmentType() if type_id is None else session.get(AppointmentType, type_id)
    if kind is None:
        raise NotFound(f"type_id: no appointment type {type_id}")
    values = data.model_dump()
    values["custom_fields"] = [f.model_dump() for f in data.custom_fields]
    for key, value in values.items():
        setattr(kind, key, value)
    session.add(kind)
    session.flush()
    return kind


def retire_type(session: Session, type_id: int) -> None:
    """Soft delete: the type leaves the public page, its appointments keep it."""
    kind = session.get(AppointmentType, type_id)
    if kind is None:
        raise NotFound(f"type_id: no appointment type {type_id}")
    kind.active = False


def add_rule(session: Session, data: RuleIn) -> AvailabilityRule:
    same_day = [r for r in repo.weekly_rules(session) if r.day_of_week == data.day_of_week]
    new = Window(data.start_time, data.end_time)
    for a, b in overlapping_windows([*(Window(r.start_time, r.end_time) for r in same_day), new]):
        other = a if b == new else b
        raise ValueError(f"start_time: overlaps {DAYS[data.day_of_week]}'s "
                         f"{other.start:%H:%M}–{other.end:%H:%M}")  # fmt: skip
    rule = AvailabilityRule(**data.model_dump())
    session.add(rule)
    session.flush()
    return rule


def add_override(session: Session, data: OverrideIn) -> AvailabilityOverride:
    row = AvailabilityOverride(**data.model_dump())
    session.add(row)
    session.flush()
    return row


def add_blocked(session: Session, data: BlockedIn) -> BlockedPeriod:
    row = BlockedPeriod(**data.model_dump())
    session.add(row)
    session.flush()
    return row


def remove(session: Session, model: type, row_id: int, field: str) -> None:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"{field}: nothing with id {row_id}")
    session.delete(row)


def save_settings(session: Session, data: PageSettingsIn) -> AppointmentSettings:
    settings = repo.page_settings(session)
    for key, value in data.model_dump().items():
        setattr(settings, key, value)
    return settings


def list_appointments(session: Session, *, now: datetime, upcoming: bool, limit: int = 200
                      ) -> list[Appointment]:  # fmt: skip
    query = select(Appointment)
    if upcoming:
        query = query.where(Appointment.start_datetime >= now).order_by(Appointment.start_datetime)
    else:
        query = query.where(Appointment.start_datetime < now).order_by(
            Appointment.start_datetime.desc()
        )
    return list(session.scalars(query.limit(limit)))


def cancel_by_owner(session: Session, appointment_id: int, *, reason: str, now: datetime,
                    base_url: str) -> Appointment:  # fmt: skip
    """The owner cancels (no cutoff); the guest gets the cancellation mail."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound(f"appointment_id: no appointment {appointment_id}")
    if appointment.status != repo.CONFIRMED:
        raise ValueError("status: this appointment is already cancelled")
    appointment.status, appointment.cancelled_at = repo.CANCELLED, now
    appointment.cancel_reason = _line(reason)[:500] if reason else "cancelled by the owner"
    kind = session.get(AppointmentType, appointment.appointment_type_id)
    assert kind is not None
    queue_cancellation_mail(session, appointment, kind, repo.page_settings(session),
                            base_url=base_url, now=now)  # fmt: skip
    return appointment
