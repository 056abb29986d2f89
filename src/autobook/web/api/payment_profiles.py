"""/api/v1/payment-profiles: cards. The number and CVV are write-only; a card is shown as its
last four digits ("•••• 1234") and whether a CVV is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response

from autobook.db import accounts as repo
from autobook.web.deps import RuntimeDep, SessionDep
from autobook.web.schemas import MAX_ID, PaymentProfileIn, PaymentProfilePublic

router = APIRouter(prefix="/payment-profiles", tags=["payment profiles"])

ProfileId = Annotated[int, Path(ge=1, le=MAX_ID, description="The payment profile's id.")]


@router.get("")
def list_payment_profiles(session: SessionDep) -> list[PaymentProfilePublic]:
    return [PaymentProfilePublic.of(p) for p in repo.list_payment_profiles(session)]


@router.post("", status_code=201)
def create_payment_profile(
    data: PaymentProfileIn, session: SessionDep, runtime: RuntimeDep
) -> PaymentProfilePublic:
    try:
        profile = repo.create_payment_profile(session, data=data, vault=runtime.vault)
    except repo.NotFound as exc:  # the body names an account that does not exist
        raise HTTPException(status_code=422, detail=f"account_id: {exc}") from None
    return PaymentProfilePublic.of(profile)


@router.get("/{profile_id}")
def get_payment_profile(profile_id: ProfileId, session: SessionDep) -> PaymentProfilePublic:
    return PaymentProfilePublic.of(repo.get_payment_profile(session, profile_id))


@router.delete("/{profile_id}", status_code=204)
def remove_payment_profile(profile_id: ProfileId, session: SessionDep) -> Response:
    repo.remove_payment_profile(session, profile_id)
    return Response(status_code=204)
