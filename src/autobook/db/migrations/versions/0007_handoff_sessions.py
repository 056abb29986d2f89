"""handoff sessions (seed 004, i17): mode, activity, screenshot and lease columns; the timeline
of state changes; callback events with their delivery log

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import autobook.db.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DT = autobook.db.models.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("handoff_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_handoff_sessions_token_hash", ["token_hash"])
        batch_op.add_column(sa.Column("last_activity_at", UTC_DT(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("screenshot", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", UTC_DT(timezone=True), nullable=True))
        batch_op.create_index("ix_handoff_sessions_state", ["state"], unique=False)
    op.create_table(
        "handoff_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=False),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("at", UTC_DT(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["handoff_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_handoff_transitions_session_id", "handoff_transitions", ["session_id"], unique=False
    )
    op.create_table(
        "handoff_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_DT(timezone=True), nullable=True),
        sa.Column("delivered_at", UTC_DT(timezone=True), nullable=True),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DT(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["handoff_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_handoff_callbacks_session_id", "handoff_callbacks", ["session_id"], unique=False
    )
    op.create_index(
        "ix_handoff_callbacks_next_attempt_at", "handoff_callbacks", ["next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_handoff_callbacks_next_attempt_at", table_name="handoff_callbacks")
    op.drop_index("ix_handoff_callbacks_session_id", table_name="handoff_callbacks")
    op.drop_table("handoff_callbacks")
    op.drop_index("ix_handoff_transitions_session_id", table_name="handoff_transitions")
    op.drop_table("handoff_transitions")
    with op.batch_alter_table("handoff_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_sessions_state")
        batch_op.drop_constraint("uq_handoff_sessions_token_hash", type_="unique")
        batch_op.drop_column("token_hash")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("screenshot")
        batch_op.drop_column("last_activity_at")
        batch_op.drop_column("mode")
