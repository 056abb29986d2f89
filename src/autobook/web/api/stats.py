"""/api/v1/stats: seed 001's statistics (success rate, attempts, bookings by day) and seed 002's
booking statistics (by status, location and account), in one answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from autobook.db.stats import MAX_WINDOW_DAYS, compute_stats
from autobook.web.deps import SessionDep
from autobook.web.schemas_info import StatsPublic

router = APIRouter(prefix="/stats", tags=["stats"])

WindowDays = Query(ge=0, le=MAX_WINDOW_DAYS)


@router.get("")
def stats(
    session: SessionDep,
    days_back: Annotated[int, WindowDays] = 30,
    days_ahead: Annotated[int, WindowDays] = 14,
) -> StatsPublic:
    """`bookings_by_day` runs from `days_back` days before today to `days_ahead` after it."""
    return StatsPublic.of(compute_stats(session, days_back=days_back, days_ahead=days_ahead))
