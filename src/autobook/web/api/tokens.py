"""/api/v1/tokens: list API tokens (never their secret) and revoke one. Tokens are made with
`autobook token create`, which shows the secret once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from autobook.db.auth import list_tokens, revoke_token
from autobook.domain.errors import NotFound
from autobook.web.deps import SessionDep
from autobook.web.schemas import MAX_ID, TokenPublic

router = APIRouter(prefix="/tokens", tags=["tokens"])

TokenId = Annotated[int, Path(ge=1, le=MAX_ID, description="The token's id.")]


@router.get("")
def list_api_tokens(session: SessionDep) -> list[TokenPublic]:
    return [TokenPublic.of(t) for t in list_tokens(session)]


@router.delete("/{token_id}", status_code=204)
def revoke_api_token(token_id: TokenId, session: SessionDep) -> Response:
    if not revoke_token(session, token_id):
        raise NotFound(f"token {token_id} not found")
    return Response(status_code=204)
