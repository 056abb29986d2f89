"""/api/v1 for the public page (seed 003): appointment types, weekly rules, date overrides,
blocked periods and appointments. Inputs are `appointments.admin`'s models, shared with the
admin pages; no answer carries a guest's manage token (only its hash is stored anyway)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from autobook.appointments import admin
from autobook.db import appointments as repo
from autobook.db.models import AvailabilityOverride, AvailabilityRule, BlockedPeriod
from autobook.domain.errors import NotFound
from autobook.web.deps import SessionDep
from autobook.web.schemas import MAX_ID

router = APIRouter(tags=["appointments"])
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TypePublic(_Out):
    id: int
    name: str
    description: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    slot_interval_minutes: int | None
    calendar_id: str | None
    color: str
    custom_fields: list[dict[str, Any]]
    active: bool


class RulePublic(_Out):
    id: int
    day_of_week: int
    start_time: time
    end_time: time


class OverridePublic(_Out):
    id: int
    day: date
    start_time: time | None
    end_time: time | None


class BlockedPublic(_Out):
    id: int
    start_datetime: datetime
    end_datetime: datetime
    reason: str


class AppointmentPublic(_Out):
    id: int
    appointment_type_id: int
    start_datetime: datetime
    end_datetime: datetime
    guest_name: str
    guest_email: str
    guest_phone: str
    notes: str
    custom_field_values: dict[str, Any]
    status: str
    cancel_reason: str
    calendar_sync_failed: bool


class CancelIn(BaseModel):
    reason: str = Field("", max_length=500)


def _missing(exc: NotFound) -> HTTPException:
    return HTTPException(404, str(exc))


@router.get("/appointment-types")
def list_types(session: SessionDep, active_only: bool = False) -> list[TypePublic]:
    types = repo.active_types(session) if active_only else repo.all_types(session)
    return [TypePublic.model_validate(t) for t in types]


@router.post("/appointment-types", status_code=201)
def create_type(session: SessionDep, data: admin.TypeIn) -> TypePublic:
    return TypePublic.model_validate(admin.save_type(session, data))


@router.put("/appointment-types/{type_id}")
def update_type(session: SessionDep, type_id: Id, data: admin.TypeIn) -> TypePublic:
    try:
        return TypePublic.model_validate(admin.save_type(session, data, type_id))
    except NotFound as exc:
        raise _missing(exc) from None


@router.delete("/appointment-types/{type_id}", status_code=204)
def retire_type(session: SessionDep, type_id: Id) -> Response:
    """Soft delete: gone from /book; its appointments keep it."""
    try:
        admin.retire_type(session, type_id)
    except NotFound as exc:
        raise _missing(exc) from None
    return Response(status_code=204)


@router.get("/availability-rules")
def list_rules(session: SessionDep) -> list[RulePublic]:
    return [RulePublic.model_validate(r) for r in repo.weekly_rules(session)]


@router.post("/availability-rules", status_code=201)
def create_rule(session: SessionDep, data: admin.RuleIn) -> RulePublic:
    try:
        return RulePublic.model_validate(admin.add_rule(session, data))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/availability-overrides")
def list_overrides(session: SessionDep) -> list[OverridePublic]:
    return [OverridePublic.model_validate(o) for o in repo.all_overrides(session)]


@router.post("/availability-overrides", status_code=201)
def create_override(session: SessionDep, data: admin.OverrideIn) -> OverridePublic:
    return OverridePublic.model_validate(admin.add_override(session, data))


@router.get("/blocked-periods")
def list_blocked(session: SessionDep) -> list[BlockedPublic]:
    return [BlockedPublic.model_validate(b) for b in repo.all_blocked(session)]


@router.post("/blocked-periods", status_code=201)
def create_blocked(session: SessionDep, data: admin.BlockedIn) -> BlockedPublic:
    return BlockedPublic.model_validate(admin.add_blocked(session, data))


_DELETABLE = {
    "availability-rules": (AvailabilityRule, "rule_id"),
    "availability-overrides": (AvailabilityOverride, "override_id"),
    "blocked-periods": (BlockedPeriod, "blocked_id"),
}


def _deleter(kind: str) -> Any:
    model, field = _DELETABLE[kind]

    def delete(session: SessionDep, row_id: Id) -> Response:
        try:
            admin.remove(session, model, row_id, field)
        except NotFound as exc:
            raise _missing(exc) from None
        return Response(status_code=204)

    return delete


for _kind in _DELETABLE:
    router.add_api_route(f"/{_kind}/{{row_id}}", _deleter(_kind), methods=["DELETE"],
                         status_code=204, name=f"delete_{_kind}")  # fmt: skip


@router.get("/appointments")
def list_appointments(
    session: SessionDep, upcoming: bool = True, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> list[AppointmentPublic]:
    """Upcoming (soonest first) or past (latest first)."""
    found = admin.list_appointments(session, now=datetime.now(UTC), upcoming=upcoming, limit=limit)
    return [AppointmentPublic.model_validate(a) for a in found]


@router.post("/appointments/{appointment_id}/cancel")
def cancel_appointment(
    request: Request, session: SessionDep, appointment_id: Id, data: CancelIn
) -> AppointmentPublic:
    """Cancel as the owner (no cutoff); the guest is mailed."""
    try:
        cancelled = admin.cancel_by_owner(
            session, appointment_id, reason=data.reason, now=datetime.now(UTC),
            base_url=str(request.base_url),
        )  # fmt: skip
    except NotFound as exc:
        raise _missing(exc) from None
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    return AppointmentPublic.model_validate(cancelled)
