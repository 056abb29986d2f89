"""listings and listing_workers: one shared look per listing, with a lease per listing (i18)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import autobook.db.models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = autobook.db.models.UTCDateTime(timezone=True)
    op.create_table(
        "listings",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("site", sa.String(length=32), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("sub_location", sa.String(length=50), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("looked_at", when, nullable=True),
        sa.Column("ok_at", when, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", when, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "listing_workers",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seen_at", when, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("listing_workers")
    op.drop_table("listings")
