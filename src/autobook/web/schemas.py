"""What the REST API shows (`XPublic`) and the few API-only refinements of the domain's input
models: errors, accounts, payment profiles, tokens. Tasks, bookings and logs are in
`schemas_tasks`, sites and statistics in `schemas_info`. No output schema has a field that
could hold a password, card number, CVV or token."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, SecretStr

from autobook.db.models import ApiToken, PaymentProfile, SiteAccount
from autobook.domain.accounts import CVV_WARNING, PaymentProfileCreate

MAX_ID = 2**31 - 1  # PostgreSQL `integer`: larger ids would be a database error, not a 404


class ErrorEntry(BaseModel):
    field: str | None = Field(description="The input field at fault, when there is one.")
    message: str


class ErrorBody(BaseModel):
    detail: list[ErrorEntry]


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in {
        401: "Missing or invalid API token",
        404: "No record with this id",
        409: "Would break a uniqueness rule",
        413: "Body too large",
        422: "Invalid input; each entry names the field",
    }.items()
}


class AccountPublic(BaseModel):
    id: int
    site: str
    display_name: str
    login: str
    phone: str | None = Field(description="Mobile number, for sites that ask for one.")
    daily_limit: int | None
    has_session: bool = Field(description="A saved site session (cookies/token) is stored.")
    needs_login: bool = Field(description="The site refused the stored password last time.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: SiteAccount) -> AccountPublic:
        return cls(
            id=account.id,
            site=account.site,
            display_name=account.display_name,
            login=account.login,
            phone=account.phone,
            daily_limit=account.daily_limit,
            has_session=account.session_state_enc is not None,
            needs_login=account.needs_login,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class PaymentProfileIn(PaymentProfileCreate):
    """`PaymentProfileCreate` with the CVV warning on the field itself and ids the database
    can hold."""

    cvv: SecretStr | None = Field(
        None, description=f"Optional; needs store_cvv=true. {CVV_WARNING}"
    )
    account_id: int | None = Field(None, ge=1, le=MAX_ID)


class PaymentProfilePublic(BaseModel):
    id: int
    alias: str
    cardholder_name: str
    card_last4: str
    card_display: str = Field(examples=["•••• 1234"])
    expiry_month: str
    expiry_year: str
    has_cvv: bool = Field(description=f"A CVV is stored. {CVV_WARNING}")
    account_id: int | None
    address_line_1: str
    city: str
    postcode: str
    created_at: datetime

    @classmethod
    def of(cls, profile: PaymentProfile) -> PaymentProfilePublic:
        return cls(
            id=profile.id,
            alias=profile.alias,
            cardholder_name=profile.cardholder_name,
            card_last4=profile.card_last4,
            card_display=f"•••• {profile.card_last4}",
            expiry_month=profile.expiry_month,
            expiry_year=profile.expiry_year,
            has_cvv=profile.cvv_enc is not None,
            account_id=profile.account_id,
            address_line_1=profile.address_line_1,
            city=profile.city,
            postcode=profile.postcode,
            created_at=profile.created_at,
        )


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, token: ApiToken) -> TokenPublic:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked=token.revoked,
        )
