"""/: the dashboard — stat cards and the task table, refreshed in place every 2 seconds by an
htmx poll of `/dashboard/live` (the same partial the page embeds), so nothing reloads."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from autobook.config import Settings
from autobook.db.stats import compute_stats
from autobook.db.taskrepo import list_tasks
from autobook.web.deps import CurrentAdmin, SessionDep, SettingsDep
from autobook.web.ui import taskview
from autobook.web.ui.appointments_admin import upcoming_card
from autobook.web.ui.common import now_utc, render
from autobook.worker.listings import recent as recent_listings

router = APIRouter(include_in_schema=False)

POLL = "every 2s"


def live_context(session: Session, settings: Settings) -> dict[str, Any]:
    """Everything the cards and the table show, computed at one instant."""
    now = now_utc()
    tasks = list_tasks(session)
    stats = compute_stats(session)
    upcoming = taskview.next_release(settings, tasks, now)
    return {
        "now": now,
        "poll": POLL,
        "tasks": tasks,
        "listings": recent_listings(session),
        "stats": stats,
        "next_release": upcoming,
        "countdown": taskview.countdown,
        "next_action": partial(taskview.next_action, settings),
        "can_stop": taskview.can_stop,
        "can_resume": taskview.can_resume,
        "can_delete": taskview.can_delete,
    }


@router.get("/")
def dashboard(
    request: Request, session: SessionDep, settings: SettingsDep, admin: CurrentAdmin
) -> Response:
    context = live_context(session, settings)
    context |= upcoming_card(session, now=context["now"])
    return render(request, "dashboard.html", user=admin, active="dashboard", **context)


@router.get("/dashboard/live")
def dashboard_live(
    request: Request, session: SessionDep, settings: SettingsDep, admin: CurrentAdmin
) -> Response:
    return render(request, "_dashboard_live.html", **live_context(session, settings))
