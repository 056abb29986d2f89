"""The REST API under /api/v1: one router per resource, every route behind a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from autobook.web.api import (
    accounts,
    appointments,
    booking,
    bookings,
    logs,
    notifications,
    payment_profiles,
    sites,
    stats,
    tasks,
    tokens,
)
from autobook.web.api.guard import printable_input
from autobook.web.deps import api_token
from autobook.web.schemas import ERROR_RESPONSES

# The token first: without one, nothing about the request is looked at.
api_router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(api_token), Depends(printable_input)],
    responses=ERROR_RESPONSES,
)
_ROUTERS = (accounts, payment_profiles, tokens, tasks, bookings, logs, stats, sites, notifications,
            appointments, booking)  # fmt: skip
for _module in _ROUTERS:
    api_router.include_router(_module.router)
