"""The /settings pages: the whole page, and each section alone at /settings/<section>
(accounts, payments, notifications, tokens, sessions). A form that fails renders its own
section again, its errors in a summary at the top and next to the fields."""

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

# The sections, in page order, by what their page is called.
SECTIONS = {
    "accounts": "Site accounts",
    "payments": "Payment profiles",
    "notifications": "Notifications",
    "tokens": "API tokens",
    "sessions": "Signed-in browsers",
}

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
    section: str | None = None,
    errors: ErrorList | None = None,
    values: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    """The whole page, or one `section`; `errors` go at its top and next to their fields,
    `values` refill the failed form."""
    errors = errors or []
    accounts = list_accounts(session)
    context = {
        "user": admin,
        "active": "settings",
        "section": section,
        "section_titles": SECTIONS,
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
