"""/settings: site accounts (add, remove, test login) and payment profiles (add, remove).

Notification URLs and API tokens live on the same page; their forms are in `settings_notify`
and `settings_tokens`; all of them render through `settings_view.settings_page`. Secrets typed
into a form are never written back into the page, not even when it is shown again with errors.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from autobook.db.accounts import (
    create_account,
    create_payment_profile,
    remove_account,
    remove_payment_profile,
)
from autobook.db.models import AdminUser
from autobook.db.session import transaction
from autobook.domain.accounts import AccountCreate, PaymentProfileCreate
from autobook.domain.errors import Conflict, NotFound
from autobook.runtime import Runtime
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.errors import error_entry, split_field
from autobook.web.ui.common import ErrorList, FormModel, Id, back_to, form_errors
from autobook.web.ui.settings_view import NOTICES, SECTIONS, settings_page

router = APIRouter(include_in_schema=False)


# Fields of each form that are shown again after an error; secrets are left out on purpose.
ACCOUNT_ECHO = ("site", "display_name", "login", "phone", "daily_limit")
CARD_ECHO = ("alias", "cardholder_name", "expiry_month", "expiry_year", "account_id",
             "address_line_1", "city", "postcode")  # fmt: skip


@router.get("/settings")
def settings(
    request: Request, session: SessionDep, runtime: RuntimeDep, admin: CurrentAdmin
) -> Response:
    notice = NOTICES.get(request.query_params.get("ok", ""))
    return settings_page(request, session, runtime, admin, notice=notice)


@router.get("/settings/{section}")
def settings_section(
    section: str, request: Request, session: SessionDep, runtime: RuntimeDep, admin: CurrentAdmin
) -> Response:
    """One section on its own page, so a link (or a form's errors) lands on it directly."""
    if section not in SECTIONS:
        raise NotFound(f"no settings section {section[:40]!r}")
    notice = NOTICES.get(request.query_params.get("ok", ""))
    return settings_page(request, session, runtime, admin, section=section, notice=notice)


class AccountForm(FormModel):
    """The add-account form as typed; `AccountCreate` does the checking."""

    site: str = ""
    display_name: str = ""
    login: str = ""
    password: str = ""
    phone: str = ""
    daily_limit: str = ""


class CardForm(FormModel):
    """The add-card form as typed; `PaymentProfileCreate` does the checking."""

    alias: str = ""
    cardholder_name: str = ""
    card_number: str = ""
    expiry_month: str = ""
    expiry_year: str = ""
    cvv: str = ""
    store_cvv: str = ""
    account_id: str = ""
    address_line_1: str = ""
    city: str = ""
    postcode: str = ""


@router.post("/settings/accounts", dependencies=[CsrfChecked])
def add_account(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    form: Annotated[AccountForm, Form()],
) -> Response:
    data: dict[str, Any] = form.model_dump()
    data["daily_limit"] = form.daily_limit.strip() or None
    try:
        spec = AccountCreate.model_validate(data)
        with transaction(runtime.sessions) as tx:  # its own: a failed insert leaves no trace
            create_account(tx, data=spec, vault=runtime.vault)
    except (ValidationError, Conflict) as exc:
        return _form_failed(request, session, runtime, admin, exc, "accounts", form, ACCOUNT_ECHO)
    return back_to("/settings/accounts?ok=account")


@router.post("/settings/accounts/{account_id}/remove", dependencies=[CsrfChecked])
def drop_account(account_id: Id, session: SessionDep, admin: CurrentAdmin) -> Response:
    remove_account(session, account_id)
    return back_to("/settings/accounts?ok=account-removed")


@router.post("/settings/payments", dependencies=[CsrfChecked])
def add_payment(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    form: Annotated[CardForm, Form()],
) -> Response:
    data: dict[str, Any] = form.model_dump()
    data["store_cvv"] = bool(form.store_cvv)
    data["cvv"] = form.cvv or None
    data["account_id"] = form.account_id.strip() or None
    try:
        spec = PaymentProfileCreate.model_validate(data)
        with transaction(runtime.sessions) as tx:
            create_payment_profile(tx, data=spec, vault=runtime.vault)
    except (ValidationError, NotFound) as exc:
        return _form_failed(request, session, runtime, admin, exc, "payments", form, CARD_ECHO)
    return back_to("/settings/payments?ok=payment")


def _form_failed(
    request: Request,
    session: Session,
    runtime: Runtime,
    admin: AdminUser,
    exc: Exception,
    name: str,
    form: BaseModel,
    echo: tuple[str, ...],
) -> Response:
    """The page again at 422 with the errors by the fields, and only non-secret values kept."""
    errors = form_errors(exc) if isinstance(exc, ValidationError) else _named(exc, name)
    values = form.model_dump(include=set(echo))
    return settings_page(request, session, runtime, admin, status_code=422, errors=errors,
                         section=name, values=values)  # fmt: skip


def _named(exc: Exception, form: str) -> ErrorList:
    field, message = split_field(str(exc))
    if field is None and form == "payments":  # NotFound: "account 7 not found"
        field = "account_id"
    return [error_entry(field, message)]


@router.post("/settings/payments/{profile_id}/remove", dependencies=[CsrfChecked])
def drop_payment(profile_id: Id, session: SessionDep, admin: CurrentAdmin) -> Response:
    remove_payment_profile(session, profile_id)
    return back_to("/settings/payments?ok=payment-removed")
