"""/appointments: the public page's admin side — the appointments list (upcoming and past,
cancel with a reason, calendar-sync flag), appointment types (with the custom fields editor)
and the weekly rules, date overrides and blocked periods. Same login and look as the rest.
Settings and calendars are in `appointments_settings.py`."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from autobook.appointments import admin
from autobook.db import appointments as repo
from autobook.db.models import (
    AppointmentType,
    AvailabilityOverride,
    AvailabilityRule,
    BlockedPeriod,
)
from autobook.domain.errors import NotFound
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, SessionDep
from autobook.web.ui.common import ErrorList, back_to, errors_by_field, form_errors, now_utc, render

router = APIRouter(prefix="/appointments", include_in_schema=False)
Checked = [CsrfChecked]


def parse(model: type[BaseModel], values: dict[str, Any]) -> Any:
    """The model, or ValueError/ValidationError for `form_errors`; blank fields are unset."""
    return model.model_validate({k: v for k, v in values.items() if v not in ("", None)})


def custom_fields_from_text(text: str) -> list[dict[str, Any]]:
    """The editor's lines `Label | type | required | option, option` as field definitions."""
    fields = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (4 - len(parts))
        options = [o.strip() for o in parts[3].split(",") if o.strip()]
        fields.append({"label": parts[0], "type": parts[1] or "text",
                       "required": parts[2].lower() in ("required", "yes", "true"),
                       "options": options})  # fmt: skip
    return fields


def custom_fields_as_text(fields: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join([f["label"], f.get("type", "text"), "required" if f.get("required") else
                    "optional", ", ".join(f.get("options", []))]).rstrip(" |")
        for f in fields
    )  # fmt: skip


def upcoming_card(session: Session, *, now: datetime) -> dict[str, Any]:
    """The dashboard's "upcoming appointments" card: the next five, in the owner's zone."""
    types = {t.id: t.name for t in repo.all_types(session)}
    zone = ZoneInfo(repo.page_settings(session).timezone)
    return {"upcoming_appointments": repo.upcoming_appointments(session, now=now),
            "appointment_types": types, "appointment_zone": zone}  # fmt: skip


# --- appointments ------------------------------------------------------------------------------
@router.get("")
def appointments_page(request: Request, session: SessionDep, admin_user: CurrentAdmin,
                      show: str = "upcoming") -> Response:  # fmt: skip
    upcoming = show != "past"
    settings = repo.page_settings(session)
    found = admin.list_appointments(session, now=now_utc(), upcoming=upcoming)
    types = {t.id: t for t in repo.all_types(session)}
    return render(request, "appt_list.html", user=admin_user, active="appointments",
                  appointments=found, types=types, upcoming=upcoming,
                  zone=ZoneInfo(settings.timezone))  # fmt: skip


@router.post("/{appointment_id}/cancel", dependencies=Checked)
def cancel(request: Request, session: SessionDep, admin_user: CurrentAdmin, appointment_id: int,
           reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    # Already cancelled or gone: the list shows how it is.
    with contextlib.suppress(NotFound, ValueError):
        admin.cancel_by_owner(session, appointment_id, reason=reason, now=now_utc(),
                              base_url=str(request.base_url))  # fmt: skip
    return back_to("/appointments")


# --- types --------------------------------------------------------------------------------------
def _types_page(request: Request, session: Session, admin_user: Any, *, status_code: int = 200,
                errors: ErrorList | None = None, values: dict[str, Any] | None = None,
                editing: int | None = None) -> Response:  # fmt: skip
    return render(request, "appt_types.html", status_code=status_code, user=admin_user,
                  active="appointments", types=repo.all_types(session), errors=errors or [],
                  fe=errors_by_field(errors or []), values=values or {}, editing=editing,
                  fields_text=custom_fields_as_text)  # fmt: skip


@router.get("/types")
def types_page(request: Request, session: SessionDep, admin_user: CurrentAdmin,
               edit: int | None = None) -> Response:  # fmt: skip
    values: dict[str, Any] = {}
    kind = session.get(AppointmentType, edit) if edit else None
    if kind is not None:
        values = {c: getattr(kind, c) for c in admin.TypeIn.model_fields if hasattr(kind, c)}
        values["custom_fields"] = custom_fields_as_text(kind.custom_fields or [])
    return _types_page(request, session, admin_user, values=values,
                       editing=kind.id if kind else None)  # fmt: skip


@router.post("/types", dependencies=Checked)
async def save_type(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    type_id = int(form["type_id"]) if form.get("type_id", "").isdigit() else None
    values = {k: form.get(k, "") for k in admin.TypeIn.model_fields}
    values["active"] = "active" in form
    data = dict(values, custom_fields=custom_fields_from_text(form.get("custom_fields", "")))
    try:
        admin.save_type(session, parse(admin.TypeIn, data), type_id)
    except (ValidationError, ValueError) as exc:
        return _types_page(request, session, admin_user, status_code=422,
                           errors=form_errors(exc), values=values, editing=type_id)  # fmt: skip
    return back_to("/appointments/types")


@router.post("/types/{type_id}/retire", dependencies=Checked)
def retire_type(session: SessionDep, admin_user: CurrentAdmin, type_id: int) -> Response:
    with contextlib.suppress(NotFound):
        admin.retire_type(session, type_id)
    return back_to("/appointments/types")


# --- availability --------------------------------------------------------------------------------
def _availability_page(request: Request, session: Session, admin_user: Any, *,
                       status_code: int = 200, errors: ErrorList | None = None,
                       values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    zone = ZoneInfo(repo.page_settings(session).timezone)
    return render(request, "appt_availability.html", status_code=status_code, user=admin_user,
                  active="appointments", rules=repo.weekly_rules(session), days=admin.DAYS,
                  overrides=repo.all_overrides(session), blocked=repo.all_blocked(session),
                  zone=zone, errors=errors or [], fe=errors_by_field(errors or []),
                  values=values or {})  # fmt: skip


@router.get("/availability")
def availability_page(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    return _availability_page(request, session, admin_user)


async def _add(request: Request, session: Session, admin_user: Any, model: type[BaseModel],
               write: Any, local_times: tuple[str, ...] = ()) -> Response:  # fmt: skip
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    values = {k: form.get(k, "") for k in model.model_fields}
    data: dict[str, Any] = dict(values)
    zone = ZoneInfo(repo.page_settings(session).timezone)
    try:
        for key in local_times:  # datetime-local inputs are the owner's wall clock
            if data.get(key):
                data[key] = _local(data[key], zone, key)
        write(session, parse(model, data))
    except (ValidationError, ValueError) as exc:
        errors = form_errors(exc)
        return _availability_page(request, session, admin_user, status_code=422, errors=errors,
                                  values=values)  # fmt: skip
    return back_to("/appointments/availability")


def _local(text: str, zone: ZoneInfo, field: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        raise ValueError(f"{field}: not a date and time") from None


@router.post("/rules", dependencies=Checked)
async def add_rule(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    return await _add(request, session, admin_user, admin.RuleIn, admin.add_rule)


@router.post("/overrides", dependencies=Checked)
async def add_override(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    return await _add(request, session, admin_user, admin.OverrideIn, admin.add_override)


@router.post("/blocked", dependencies=Checked)
async def add_blocked(request: Request, session: SessionDep, admin_user: CurrentAdmin) -> Response:
    return await _add(request, session, admin_user, admin.BlockedIn, admin.add_blocked,
                      ("start_datetime", "end_datetime"))  # fmt: skip


_REMOVABLE = {
    "rules": AvailabilityRule,
    "overrides": AvailabilityOverride,
    "blocked": BlockedPeriod,
}


@router.post("/{kind}/{row_id}/delete", dependencies=Checked)
def remove_row(session: SessionDep, admin_user: CurrentAdmin, kind: str, row_id: int) -> Response:
    model = _REMOVABLE.get(kind)
    if model is not None:
        with contextlib.suppress(NotFound):
            admin.remove(session, model, row_id, "id")
    return back_to("/appointments/availability")
