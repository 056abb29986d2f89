"""Seed 004's JSON shapes for booking sessions, camelCase as the seed writes them."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from autobook.domain.accounts import compact_phone
from autobook.domain.handoff import SessionOutcome, SessionState
from autobook.domain.timeparse import parse_date, parse_time

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    firstName: str = Field(min_length=1, max_length=50)
    lastName: str = Field(min_length=1, max_length=50)
    phone: str = Field(min_length=1, max_length=30, description="e.g. +14407031022")
    email: str = Field(min_length=3, max_length=254)
    notes: str | None = Field(None, max_length=500)

    @field_validator("firstName", "lastName")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return compact_phone(value.replace("-", " ").replace("(", "").replace(")", ""))

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_RE.fullmatch(value.strip()):
            raise ValueError("must be an email address, e.g. john@example.com")
        return value.strip()


class BookingStart(BaseModel):
    """`POST /api/v1/booking/start`."""

    model_config = ConfigDict(extra="forbid")
    bookingUrl: str = Field(
        max_length=500, description="The clinic's booking page; its host must be allowed."
    )
    date: str = Field(max_length=64, description='"2026-02-05" (or DD/MM/YYYY)')
    time: str = Field(max_length=64, description='"2:30pm", "14:30"')
    lead: LeadIn
    service: str | None = Field(None, max_length=100, description="Default: the first listed.")
    provider: str | None = Field(None, max_length=100, description="Default: first available.")
    callbackUrl: str | None = Field(None, max_length=500)

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        return parse_date(value).isoformat()

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        return parse_time(value).strftime("%H:%M")

    @field_validator("callbackUrl")
    @classmethod
    def _callback(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    def day(self) -> date:
        return date.fromisoformat(self.date)

    def at(self) -> time:
        return time.fromisoformat(self.time)


class StartAnswer(BaseModel):
    success: bool
    sessionId: str
    state: SessionState
    error: str | None = None


class HandoffUrlAnswer(BaseModel):
    success: bool
    sessionId: str
    handoffUrl: str
    expiresAt: datetime
    state: SessionState


class ConfirmationDetails(BaseModel):
    confirmationNumber: str | None = None
    appointmentTime: str | None = None
    provider: str | None = None
    service: str | None = None


class StatusAnswer(BaseModel):
    success: bool
    sessionId: str
    state: SessionState
    outcome: SessionOutcome | None = None
    confirmationDetails: ConfirmationDetails | None = None
    error: str | None = None

    @classmethod
    def of(cls, body: dict[str, Any]) -> StatusAnswer:
        return cls.model_validate(body)
