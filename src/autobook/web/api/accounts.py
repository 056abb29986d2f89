"""/api/v1/accounts: site logins. The password is write-only: it goes in, encrypted, and never
comes out; responses say only whether a site session is saved and whether a login is needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from autobook.db import accounts as repo
from autobook.domain.accounts import AccountCreate, AccountUpdate
from autobook.domain.sites import Site
from autobook.web.deps import RuntimeDep, SessionDep
from autobook.web.schemas import MAX_ID, AccountPublic

router = APIRouter(prefix="/accounts", tags=["accounts"])

AccountId = Annotated[int, Path(ge=1, le=MAX_ID, description="The account's id.")]


@router.get("")
def list_accounts(session: SessionDep, site: Site | None = None) -> list[AccountPublic]:
    accounts = repo.list_accounts(session, site=site.value if site else None)
    return [AccountPublic.of(a) for a in accounts]


@router.post("", status_code=201)
def create_account(data: AccountCreate, session: SessionDep, runtime: RuntimeDep) -> AccountPublic:
    return AccountPublic.of(repo.create_account(session, data=data, vault=runtime.vault))


@router.get("/{account_id}")
def get_account(account_id: AccountId, session: SessionDep) -> AccountPublic:
    return AccountPublic.of(repo.get_account(session, account_id))


@router.patch("/{account_id}")
def update_account(
    account_id: AccountId, data: AccountUpdate, session: SessionDep, runtime: RuntimeDep
) -> AccountPublic:
    account = repo.update_account(session, account_id=account_id, data=data, vault=runtime.vault)
    return AccountPublic.of(account)


@router.delete("/{account_id}", status_code=204)
def remove_account(account_id: AccountId, session: SessionDep) -> Response:
    repo.remove_account(session, account_id)
    return Response(status_code=204)
