"""/tasks/{id}: one task with its attempts timeline and booking; stop, resume and delete.

The actions go through `db.taskrepo`, whose compare-and-set transitions refuse a change when
a worker moved the task first (shown as a 409 page naming the status).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from autobook.config import Settings
from autobook.db.handoffs import latest_for_task
from autobook.db.models import PaymentProfile
from autobook.db.taskrepo import (
    delete_task,
    get_task,
    list_attempts,
    resume_task,
    stop_task,
    task_booking,
)
from autobook.domain.errors import NotFound
from autobook.domain.release import LONDON
from autobook.domain.statuses import ACTIVE, TaskStatus
from autobook.sites.release import release_for, release_rule
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, SessionDep, SettingsDep
from autobook.web.ui import taskview
from autobook.web.ui.common import Id, back_to, now_utc, render, site_info
from autobook.web.ui.dashboard import POLL

router = APIRouter(include_in_schema=False)
NextPage = Annotated[str, Form(alias="next")]
# Opened on its own, a PNG gets Chromium's image viewer, which styles itself inline: allow
# that (and nothing else) for these responses instead of the pages' stricter policy.
IMAGE_HEADERS = {
    "Cache-Control": "private",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'none'",
}


def _safe_next(path: str, fallback: str) -> str:
    """Only this site's own pages: never `//evil.example` or an absolute URL."""
    ok = path.startswith("/") and not path.startswith("//") and "\\" not in path
    return path if ok else fallback


def task_context(session: Session, settings: Settings, task_id: int) -> dict[str, Any]:
    """What the task view shows, for the page and for its live partial."""
    task = get_task(session, task_id)
    profile_id = task.payment_profile_id
    now = now_utc()
    info = site_info(task.site)
    return {
        "task": task,
        "info": info,
        "release_rule": release_rule(settings, task.site).describe() if info else None,
        "profile": session.get(PaymentProfile, profile_id) if profile_id else None,
        "attempts": list_attempts(session, task_id=task_id),
        "booking": task_booking(session, task_id=task_id),
        "release": release_for(settings, task),
        "next_action": taskview.next_action(settings, task, now),
        "now": now,
        "zone": LONDON,
        "countdown": taskview.countdown,
        "can_stop": taskview.can_stop(task),
        "can_resume": taskview.can_resume(task),
        "can_delete": taskview.can_delete(task),
        # A task handed to a person (seed 004) shows its booking session, watched live.
        "handoff": latest_for_task(session, task_id),
        "live": TaskStatus(task.status) in (*ACTIVE, TaskStatus.AWAITING_PAYMENT),
        "poll": POLL,
    }


@router.get("/tasks/{task_id}")
def task_page(
    request: Request, task_id: Id, session: SessionDep, settings: SettingsDep, admin: CurrentAdmin
) -> Response:
    return render(request, "task.html", user=admin, **task_context(session, settings, task_id))


@router.get("/tasks/{task_id}/live")
def task_live(
    request: Request, task_id: Id, session: SessionDep, settings: SettingsDep, admin: CurrentAdmin
) -> Response:
    return render(request, "_task_live.html", **task_context(session, settings, task_id))


@router.post("/tasks/{task_id}/stop", dependencies=[CsrfChecked])
def stop(
    task_id: Id, session: SessionDep, admin: CurrentAdmin, next_page: NextPage = "/"
) -> Response:
    stop_task(session, task_id=task_id)
    return back_to(_safe_next(next_page, "/"))


@router.post("/tasks/{task_id}/resume", dependencies=[CsrfChecked])
def resume(
    task_id: Id, session: SessionDep, admin: CurrentAdmin, next_page: NextPage = "/"
) -> Response:
    resume_task(session, task_id=task_id)
    return back_to(_safe_next(next_page, "/"))


@router.post("/tasks/{task_id}/delete", dependencies=[CsrfChecked])
def delete(task_id: Id, session: SessionDep, admin: CurrentAdmin) -> Response:
    delete_task(session, task_id=task_id)
    return back_to("/")


@router.get("/screenshots/{name}")
def screenshot(name: str, settings: SettingsDep, admin: CurrentAdmin) -> Response:
    """A screenshot the engine saved (already masked). Only a plain file name directly inside
    the screenshots folder: no separators, no `..`, no symlink out of the folder."""
    folder = settings.screenshots_dir.resolve()
    path = (folder / name).resolve()
    plain = name not in ("", ".", "..") and "/" not in name and "\\" not in name
    if not plain or path.parent != folder or not path.is_file() or path.suffix != ".png":
        raise NotFound(f"no screenshot named {name[:60]!r}")
    return FileResponse(path, media_type="image/png", headers=IMAGE_HEADERS)
