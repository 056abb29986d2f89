"""The /settings page as a whole, rendered by every settings form (accounts, payment profiles,
notification URLs, API tokens) with that form's errors next to its fields."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from autobook.db.accounts import list_accounts, list_payment_profiles
from autobook.db.auth import list_tokens
from autobook.db.models import AdminUser
from autobook.db.notify_urls import masked_notify_urls
from autobook.domain.accounts import CVV_WARNING
from autobook.runtime import Runtime
from autobook.sites.names import site_name
from autobook.web.ui.common import ErrorList, errors_by_field, render, site_choices

NOTICES = {
    "account": "Account added. Its password is stored encrypted and never shown again.",
    "account-removed": "Account removed.",
    "payment": "Payment profile added. Only the last 4 digits are ever shown.",
    "payment-removed": "Payment profile removed.",
    "notify": "Notification URLs saved (encrypted).",
    "token-revoked": "Token revoked.",
}


def settings_page(
    request: Request,
    session: Session,
    runtime: Runtime,
    admin: AdminUser,
    *,
    status_code: int = 200,
    errors: ErrorList | None = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """The whole page; `errors` go next to their fields, `values` refill the failed form."""
    errors = errors or []
    accounts = list_accounts(session)
    context = {
        "user": admin,
        "active": "settings",
        "sites": site_choices(),
        "accounts": accounts,
        "account_options": [(a.id, f"{a.display_name} ({site_name(a.site)})") for a in accounts],
        "profiles": list_payment_profiles(session),
        "tokens": list_tokens(session),
        "notify_urls": masked_notify_urls(session, runtime.vault),
        "cvv_warning": CVV_WARNING,
        "errors": errors,
        "fe": errors_by_field(errors),
        "values": values or {},
        **extra,
    }
    return render(request, "settings.html", status_code=status_code, **context)
