"""/api/v1/tasks: booking goals. Create, list, read (with accounts, attempts and booking), edit
while not running, stop, resume, delete, and import a CSV of them (seed 001's upload).

Status changes are compare-and-set (`db.taskrepo`): if the worker moved a task meanwhile, the
request gets a 409 instead of overwriting the worker's state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError

from autobook.db import taskrepo
from autobook.db.bookings import local_date
from autobook.db.models import utcnow
from autobook.db.taskimport import import_csv
from autobook.db.tasks import create_task
from autobook.domain.errors import Conflict
from autobook.domain.sites import Site
from autobook.domain.statuses import TaskStatus
from autobook.domain.taskspec import TaskCreate
from autobook.domain.taskupdate import TaskDefaults, TaskUpdate, given
from autobook.sites.registry import site_info
from autobook.sites.release import release_for
from autobook.web.api.common import invalid, invalid_body
from autobook.web.deps import RuntimeDep, SessionDep, SettingsDep
from autobook.web.schemas import MAX_ID, AccountPublic
from autobook.web.schemas_tasks import (
    AttemptPublic,
    AttemptSummaryPublic,
    BookingPublic,
    ImportFailed,
    ImportResult,
    ImportRowError,
    TaskDetail,
    TaskPublic,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The task's id.")]
RECENT_ATTEMPTS = 10


class ImportForm(TaskDefaults):  # type: ignore[misc,valid-type]
    """The CSV file and the defaults its rows fall back on."""

    file: UploadFile = Field(description="The CSV: `Date, Time1, Time2, Status` (seed 001).")
    all_or_nothing: bool = Field(
        True, description="On (default): any bad row and nothing is created."
    )


@router.post("", status_code=201)
def create(data: TaskCreate, session: SessionDep, runtime: RuntimeDep) -> TaskPublic:
    try:
        task = create_task(
            session, data, site_info=site_info, vault=runtime.vault, require_account=True
        )
    except ValueError as exc:  # an account or payment profile that does not exist or fit
        raise invalid(exc) from None
    return TaskPublic.of(task)


@router.get("")
def list_tasks(
    session: SessionDep,
    status: TaskStatus | None = None,
    site: Site | None = None,
    limit: Annotated[int, Query(ge=1, le=taskrepo.MAX_LIST)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[TaskPublic]:
    tasks = taskrepo.list_tasks(
        session, status=status, site=site.value if site else None, limit=limit, offset=offset
    )
    return [TaskPublic.of(t) for t in tasks]


@router.post(
    "/import",
    status_code=201,
    response_model=ImportResult,
    responses={422: {"model": ImportFailed, "description": "Bad rows, each with its line"}},
)
def import_tasks(
    form: Annotated[ImportForm, Form(media_type="multipart/form-data")], session: SessionDep
) -> ImportResult | JSONResponse:
    """Create a task per "Book" row; every bad row is named with its line and column."""
    sent = form.model_dump(exclude_unset=True, exclude={"file", "all_or_nothing"})
    outcome = import_csv(
        session,
        site_info=site_info,
        data=form.file.file.read(),  # the body limit keeps this under 1 MiB
        defaults=TaskDefaults.model_validate(sent),
        all_or_nothing=form.all_or_nothing,
        today=local_date(utcnow()),
    )
    errors = [ImportRowError(line=e.line, field=e.field, message=e.located) for e in outcome.errors]
    if errors and form.all_or_nothing:
        return JSONResponse(ImportFailed(detail=errors).model_dump(), status_code=422)
    created = [TaskPublic.of(t) for t in outcome.created]
    return ImportResult(created=created, skipped_lines=outcome.skipped, errors=errors)


@router.get("/{task_id}")
def get_task(task_id: TaskId, session: SessionDep, settings: SettingsDep) -> TaskDetail:
    task = taskrepo.get_task(session, task_id)
    booking = taskrepo.task_booking(session, task_id=task_id)
    attempts = taskrepo.list_attempts(session, task_id=task_id, limit=RECENT_ATTEMPTS)
    return TaskDetail(
        **TaskPublic.of(task).model_dump(),
        release_at=release_for(settings, task),
        accounts=[AccountPublic.of(a) for a in task.accounts],
        attempts=AttemptSummaryPublic.of(taskrepo.attempt_summary(session, task_id=task_id)),
        recent_attempts=[AttemptPublic.of(a) for a in attempts],
        booking=BookingPublic.of(booking) if booking else None,
    )


@router.patch("/{task_id}", responses={409: {"description": "The task is running or finished"}})
def update_task(task_id: TaskId, data: TaskUpdate, session: SessionDep) -> TaskPublic:
    try:
        task = taskrepo.update_task(
            session,
            task_id=task_id,
            changes=given(data),
            site_info=site_info,
        )
    except ValidationError as exc:
        raise invalid_body(exc) from None
    except Conflict:
        raise  # a 409 (running task, lost race), not bad input
    except ValueError as exc:
        raise invalid(exc) from None
    return TaskPublic.of(task)


@router.delete("/{task_id}", status_code=204)
def delete_task(task_id: TaskId, session: SessionDep) -> Response:
    """Withdraw the task and remove it with its attempts; its bookings and logs stay."""
    taskrepo.delete_task(session, task_id=task_id)
    return Response(status_code=204)


@router.post("/{task_id}/stop")
def stop_task(task_id: TaskId, session: SessionDep) -> TaskPublic:
    """Pause a waiting or checking task (not one that is booking right now)."""
    return TaskPublic.of(taskrepo.stop_task(session, task_id=task_id))


@router.post("/{task_id}/resume")
def resume_task(task_id: TaskId, session: SessionDep) -> TaskPublic:
    """Queue a stopped or failed task again, its last error cleared."""
    return TaskPublic.of(taskrepo.resume_task(session, task_id=task_id))
