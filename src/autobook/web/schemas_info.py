"""What the REST API shows of the sites (from their adapters), the statistics and a test
notification."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pydantic import BaseModel, Field

from autobook.db.stats import Stats


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
