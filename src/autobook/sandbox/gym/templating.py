"""The Jinja2 environment of the gym's pages, with the date/time formats the site shows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from autobook.sandbox.gym.model import ZONE

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def long_date(value: date) -> str:
    """ "Monday 23 November 2026", as the booking pages print a day."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def opens_label(value: datetime) -> str:
    """When a locked slot opens, in the gym's local time: "Opens Sat 21 Nov, 07:00"."""
    local = value.astimezone(ZONE)
    return f"Opens {short_day(local.date())}, {local:%H:%M}"


TEMPLATES.env.filters.update(long_date=long_date, short_day=short_day, opens_label=opens_label)
