"""The "Test login" button of /settings: one real login with the stored credentials through
the engine's `check_login` (CONVENTIONS §9), answered on the settings page."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response

from autobook.db.session import transaction
from autobook.engine.browsers import BrowserPool
from autobook.engine.login_check import check_login
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep
from autobook.web.errors import error_entry
from autobook.web.ui.common import Id
from autobook.web.ui.settings_view import settings_page

router = APIRouter(include_in_schema=False)
log = logging.getLogger("autobook.web")


@router.post("/settings/accounts/{account_id}/test", dependencies=[CsrfChecked])
async def test_login(
    account_id: Id, request: Request, runtime: RuntimeDep, admin: CurrentAdmin
) -> Response:
    try:
        async with BrowserPool() as pool:  # a browser only if the site's login needs one
            result = await check_login(runtime, account_id, pool=pool)
        ok, message = result.ok, result.message
    except Exception as exc:  # e.g. an adapter that fails to load: say so, keep the page up
        log.warning("login check of account %s failed: %s", account_id, type(exc).__name__)
        ok, message = False, f"could not check the login ({type(exc).__name__})"
    with transaction(runtime.sessions) as session:
        if ok:
            return settings_page(request, session, runtime, admin, section="accounts",
                                 notice=f"Login OK: {message}.")  # fmt: skip
        errors = [error_entry(None, f"Login test of account {account_id}: {message}")]
        return settings_page(request, session, runtime, admin, status_code=422, errors=errors,
                             section="accounts")  # fmt: skip
