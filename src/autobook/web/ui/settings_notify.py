"""The notification URL forms of /settings: save (encrypted) and send a test message."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from autobook.db.notify_urls import parse_notify_urls, read_notify_urls, write_notify_urls
from autobook.db.session import transaction
from autobook.notify import send_test
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.errors import error_entry
from autobook.web.ui.common import back_to
from autobook.web.ui.settings_view import settings_page

router = APIRouter(include_in_schema=False)
SECTION = "notifications"


@router.post("/settings/notifications", dependencies=[CsrfChecked])
def save_notify_urls(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    notify_urls: Annotated[str, Form()] = "",
) -> Response:
    try:
        urls = parse_notify_urls(notify_urls)
    except ValueError as exc:
        # Never repeated in the answer (they carry webhook tokens): the page's box keeps
        # them, as htmx swaps the section around it (`hx-preserve`).
        errors = [error_entry("notify_urls", str(exc))]
        return settings_page(request, session, runtime, admin, status_code=422,
                             errors=errors, section=SECTION)  # fmt: skip
    write_notify_urls(session, runtime.vault, urls)
    done = f"/settings/{SECTION}?ok=notify"
    if request.headers.get("HX-Request"):  # a whole new page, with the box emptied
        return Response(status_code=204, headers={"HX-Redirect": done})
    return back_to(done)


@router.post("/settings/notifications/test", dependencies=[CsrfChecked])
async def test_notify_urls(request: Request, runtime: RuntimeDep, admin: CurrentAdmin) -> Response:
    # No session across the network call: a slow webhook must not hold a database connection.
    with transaction(runtime.sessions) as session:
        urls = read_notify_urls(session, runtime.vault)
    failure = await _send_test_message(urls) if urls else "add a notification URL first"
    with transaction(runtime.sessions) as session:
        if failure is None:
            return settings_page(request, session, runtime, admin, section=SECTION,
                                 notice="Test notification sent.")  # fmt: skip
        errors = [error_entry("notify_urls", failure)]
        return settings_page(request, session, runtime, admin, status_code=422, errors=errors,
                             section=SECTION)  # fmt: skip


async def _send_test_message(urls: list[str]) -> str | None:
    """Send the test message; None when it went out, else the notifier's reason (which names
    a failed URL by its position and scheme only, never its secrets)."""
    result = await run_in_threadpool(send_test, urls)  # Apprise blocks on the network
    return None if result.ok else f"the test notification failed: {result.message}"
