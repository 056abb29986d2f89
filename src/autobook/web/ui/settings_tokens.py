"""The API token forms of /settings: create (the token is shown once, on this answer only)
and revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from autobook.db.auth import create_token, revoke_token
from autobook.domain.errors import NotFound
from autobook.domain.text import text_error
from autobook.web.csrf import CsrfChecked
from autobook.web.deps import CurrentAdmin, RuntimeDep, SessionDep
from autobook.web.errors import error_entry
from autobook.web.messages import EMPTY
from autobook.web.ui.common import Id, back_to
from autobook.web.ui.settings_view import settings_page

router = APIRouter(include_in_schema=False)

MAX_NAME = 100


@router.post("/settings/tokens", dependencies=[CsrfChecked])
def new_token(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    admin: CurrentAdmin,
    name: Annotated[str, Form()] = "",
) -> Response:
    name = name.strip()
    why = text_error(name, one_line=True) if name else EMPTY["name"]
    if len(name) > MAX_NAME:
        why = f"use at most {MAX_NAME} characters"
    if why:
        errors = [error_entry("name", why)]
        return settings_page(request, session, runtime, admin, status_code=422, errors=errors,
                             section="tokens", values={"name": name})  # fmt: skip
    token, plaintext = create_token(session, name=name)
    # Not a redirect: the plaintext exists only in this answer and is never stored.
    response = settings_page(request, session, runtime, admin, section="tokens",
                             new_token=plaintext, new_token_name=token.name)  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/settings/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke(token_id: Id, session: SessionDep, admin: CurrentAdmin) -> Response:
    if not revoke_token(session, token_id):
        raise NotFound(f"token {token_id} not found")
    return back_to("/settings/tokens?ok=token-revoked")
