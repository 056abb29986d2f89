"""/tasks/new: the task form. Its choices (venues, sub-locations, activities, payment methods)
come from the site adapters; changing the site or venue reloads those fields through htmx
(`/tasks/new/fields`). Input is checked by `TaskCreate` and `create_task`; errors show next
to their fields and the form keeps what was typed.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from autobook.db.accounts import list_accounts, list_payment_profiles
from autobook.db.bookings import local_date
from autobook.db.models import AdminUser
from autobook.db.session import transaction
from autobook.db.tasks import create_task
from autobook.domain.booking import SiteInfo
from autobook.domain.offer import account_errors, choice_errors
from autobook.domain.sites import Site
from autobook.domain.tasks import PaymentMethod, Strategy
from autobook.domain.taskspec import MAX_TIMES, TaskCreate
from autobook.domain.timeparse import parse_time
from autobook.sites.registry import offered_info
from autobook.sites.registry import site_info as registry_info
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.errors import error_entry
from autobook.web.ui.common import (
    ErrorList,
    FormModel,
    back_to,
    errors_by_field,
    form_errors,
    now_utc,
    render,
    site_choices,
    site_info,
)

router = APIRouter(include_in_schema=False)

TIME_SLOTS = 4  # time preference boxes on the form (TaskCreate takes up to MAX_TIMES)
assert TIME_SLOTS <= MAX_TIMES


class TaskForm(FormModel):
    """The form as typed: every value a string (or list of strings) until `TaskCreate`."""

    site: str = Site.BETTER.value
    venue: str = ""
    sub_location: str = ""
    activity: str = ""
    duration_minutes: str = ""
    target_date: str = ""
    times: list[str] = Field(default_factory=list)
    courts: str = ""
    account_ids: list[str] = Field(default_factory=list)
    payment_method: str = ""
    payment_profile_id: str = ""
    strategy: str = Strategy.WATCH.value
    poll_interval_s: str = "30"
    dry_run: str = ""
    book_all: str = ""


def _spec_input(form: TaskForm) -> dict[str, Any]:
    """The form's strings in `TaskCreate`'s shape; blanks become "not given"."""
    data: dict[str, Any] = {
        "site": form.site,
        "venue": form.venue,
        "sub_location": form.sub_location or None,
        "activity": form.activity,
        "target_date": form.target_date,
        "times": [t for t in form.times if t.strip()],
        "courts": [c.strip() for c in form.courts.split(",") if c.strip()],
        "account_ids": [a for a in form.account_ids if a.strip()],
        "payment_method": form.payment_method,
        "strategy": form.strategy,
        "dry_run": bool(form.dry_run),
        "book_all": bool(form.book_all),
    }
    optional = {
        "duration_minutes": form.duration_minutes,
        "payment_profile_id": form.payment_profile_id,
        "poll_interval_s": form.poll_interval_s,
    }
    data.update({k: v.strip() for k, v in optional.items() if v.strip()})
    return data


# The form's fields top to bottom: the error summary lists them in this order.
FIELD_ORDER = ("site", "venue", "sub_location", "activity", "payment_method", "account_ids",
               "target_date", "duration_minutes", "times", "courts", "payment_profile_id",
               "strategy", "poll_interval_s")  # fmt: skip
_TIME_PREFIX = re.compile(r"^time '[^']*': ")


def _site_errors(spec: TaskCreate, info: SiteInfo | None) -> ErrorList:
    """What TaskCreate cannot know: the choices must be ones this site offers."""
    if info is None:
        return []
    return [error_entry(field, why) for field, why in choice_errors(spec, info)]


def _time_errors(form: TaskForm) -> ErrorList:
    """Each time box on its own, so only the box that is wrong is marked."""
    errors: ErrorList = []
    seen: set[str] = set()
    for i, raw in enumerate(form.times[:MAX_TIMES]):
        if not raw.strip():
            continue
        try:
            value = parse_time(raw).strftime("%H:%M")
        except ValueError as exc:  # "time '25:00': hour must be…": the box names the time
            errors.append(error_entry(f"times.{i}", _TIME_PREFIX.sub("", str(exc))))
            continue
        if value in seen:
            errors.append(error_entry(f"times.{i}", "this time is already listed"))
        seen.add(value)
    return errors


def _account_errors(form: TaskForm) -> ErrorList:
    info = site_info(form.site)
    ticked = [a for a in form.account_ids if a.strip()]
    return [] if info is None else [error_entry(f, why) for f, why in account_errors(ticked, info)]


def _in_form_order(errors: ErrorList) -> ErrorList:
    def place(entry: dict[str, str | None]) -> int:
        base = (entry["field"] or "").split(".")[0]
        return FIELD_ORDER.index(base) if base in FIELD_ORDER else len(FIELD_ORDER)

    return sorted(errors, key=place)


def _checked(form: TaskForm) -> tuple[TaskCreate | None, ErrorList]:
    """The form as a `TaskCreate`, or every error it has at once, in the form's order."""
    errors = _time_errors(form) + _account_errors(form)
    try:
        spec = TaskCreate.model_validate(_spec_input(form))
    except ValidationError as exc:
        found = form_errors(exc)
        if any((e["field"] or "").startswith("times.") for e in errors):
            found = [e for e in found if e["field"] != "times"]  # the boxes say it better
        return None, _in_form_order(errors + found)
    errors += _site_errors(spec, site_info(spec.site.value))
    return (None if errors else spec), _in_form_order(errors)


def _context(session: Session, form: TaskForm, urls: dict[str, str | None]) -> dict[str, Any]:
    info = site_info(form.site)
    if info is not None:  # a clinic's services and providers come from its page
        info = offered_info(form.site, urls, browse=True)
    venue = next((v for v in info.venues if v.key == form.venue), None) if info else None
    methods = info.payment_methods if info else tuple(PaymentMethod)
    times = (form.times + [""] * TIME_SLOTS)[:TIME_SLOTS]
    return {
        "form": form,
        "info": info,
        "venue": venue,
        "times": times,
        "sites": site_choices(),
        "accounts": list_accounts(session, site=form.site),
        "profiles": list_payment_profiles(session),
        "methods": [m.value for m in methods],
        "strategies": [s.value for s in Strategy],
        # The sites are in the UK: "today" there, whatever the server's own zone.
        "today": local_date(now_utc()).isoformat(),
    }


def _page(
    request: Request,
    session: Session,
    admin: AdminUser,
    form: TaskForm,
    errors: ErrorList | None = None,
) -> Response:
    errors = errors or []
    urls = request.app.state.runtime.settings.site_urls()
    return render(request, "task_new.html", status_code=422 if errors else 200, user=admin,
                  active="new", errors=errors, fe=errors_by_field(errors),
                  **_context(session, form, urls))  # fmt: skip


@router.get("/tasks/new")
def new_task(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    return _page(request, session, admin, TaskForm())


@router.get("/tasks/new/fields")
def site_fields(
    request: Request, session: SessionDep, admin: CurrentAdmin, site: str = "", venue: str = ""
) -> Response:
    """The fields that depend on the site and venue, for htmx to swap in."""
    form = TaskForm(site=site if site in {s.value for s in Site} else Site.BETTER.value,
                    venue=venue)  # fmt: skip
    urls = request.app.state.runtime.settings.site_urls()
    return render(request, "_task_site_fields.html", fe={}, **_context(session, form, urls))


@router.post("/tasks/new", dependencies=[CsrfChecked])
def create(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    form: Annotated[TaskForm, Form()],
) -> Response:
    task_id = None
    spec, errors = _checked(form)
    try:
        if spec is not None:
            with transaction(runtime.sessions) as tx:  # its own: a refusal leaves no trace
                task_id = create_task(tx, spec, site_info=registry_info, require_account=True).id
    except ValueError as exc:  # an account or profile that does not exist or fit
        errors = form_errors(exc)
    if task_id is None:
        return _page(request, session, admin, form, errors)
    return back_to(f"/tasks/{task_id}")
