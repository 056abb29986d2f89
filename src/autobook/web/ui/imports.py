"""/import: upload a CSV of bookings to make (seed 001: `Date, Time1, Time2, Status`, plus
optional site, venue, sub_location, activity and account columns) with defaults for the
other fields. All-or-nothing unless the box is unticked; every bad row is listed with its
line, column and why. The parsing and checks are `db.taskimport.import_csv`'s."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from autobook.db.accounts import list_accounts, list_payment_profiles
from autobook.db.bookings import local_date
from autobook.db.models import AdminUser
from autobook.db.session import transaction
from autobook.db.taskimport import import_csv
from autobook.domain.tasks import PaymentMethod, Strategy
from autobook.domain.taskupdate import TaskDefaults
from autobook.sites.names import what
from autobook.sites.registry import site_info
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.errors import error_entry
from autobook.web.ui.common import (
    ErrorList,
    FormModel,
    errors_by_field,
    form_errors,
    now_utc,
    render,
    site_choices,
)

router = APIRouter(include_in_schema=False)

MAX_FILE_BYTES = 512 * 1024  # 1000 rows fit many times over; the app refuses bodies over 1 MB


class ImportForm(FormModel):
    """Defaults for every row, as typed; blanks mean "the row must give it"."""

    site: str = ""
    venue: str = ""
    sub_location: str = ""
    activity: str = ""
    account_ids: list[str] = Field(default_factory=list)
    payment_method: str = ""
    payment_profile_id: str = ""
    strategy: str = ""
    dry_run: str = ""
    all_or_nothing: str = ""


def _defaults(form: ImportForm) -> Any:
    """A `TaskDefaults` of the non-blank fields (ValidationError names the field)."""
    data: dict[str, Any] = {
        k: v.strip()
        for k, v in form.model_dump(exclude={"account_ids", "dry_run", "all_or_nothing"}).items()
        if v.strip()
    }
    if form.account_ids:
        data["account_ids"] = [a for a in form.account_ids if a.strip()]
    if form.dry_run:
        data["dry_run"] = True
    return TaskDefaults.model_validate(data)


def _page(
    request: Request,
    session: Session,
    admin: AdminUser,
    form: ImportForm,
    *,
    status_code: int = 200,
    errors: ErrorList | None = None,
    **extra: Any,
) -> Response:
    errors = errors or []
    return render(request, "import.html", status_code=status_code, user=admin, active="import",
                  form=form, errors=errors, fe=errors_by_field(errors), sites=site_choices(),
                  accounts=list_accounts(session), profiles=list_payment_profiles(session),
                  methods=[m.value for m in PaymentMethod], strategies=[s.value for s in Strategy],
                  **extra)  # fmt: skip


@router.get("/import")
def import_page(request: Request, session: SessionDep, admin: CurrentAdmin) -> Response:
    return _page(request, session, admin, ImportForm(all_or_nothing="1"))


@router.post("/import", dependencies=[CsrfChecked])
def import_upload(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    form: Annotated[ImportForm, Form()],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    data = file.file.read(MAX_FILE_BYTES + 1) if file is not None else b""
    try:
        defaults = _defaults(form)
    except ValidationError as exc:
        return _page(request, session, admin, form, status_code=422, errors=form_errors(exc))
    if not data or len(data) > MAX_FILE_BYTES:
        why = "choose a CSV file" if not data else f"the file is over {MAX_FILE_BYTES} bytes"
        return _page(request, session, admin, form, status_code=422,
                     errors=[error_entry("file", why)])  # fmt: skip
    with transaction(runtime.sessions) as tx:
        outcome = import_csv(
            tx,
            data=data,
            site_info=site_info,
            defaults=defaults,
            today=local_date(now_utc()),
            all_or_nothing=bool(form.all_or_nothing),
        )
        created = [
            (t.id, t.target_date, list(t.time_preferences), what(t.site, t.venue, t.activity))
            for t in outcome.created
        ]
    return _page(request, session, admin, form, status_code=422 if outcome.errors else 200,
                 outcome=outcome, created=created)  # fmt: skip
