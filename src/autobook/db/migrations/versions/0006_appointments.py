"""appointments: the public page's settings, date overrides, 30-second slot reservations,
rate-limit hits, the mail outbox, and on appointments the busy span, cancel details and the
calendar-sync flag (i16)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import autobook.db.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=True),
        sa.Column("calendar_id", sa.String(length=255), nullable=False),
        sa.Column("writes_events", sa.Boolean(), nullable=False),
        sa.Column("last_ok_at", autobook.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "calendar_busy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("start_datetime", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_datetime", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["calendar_connections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_calendar_busy_connection_id", "calendar_busy", ["connection_id"])
    op.create_index("ix_calendar_busy_span", "calendar_busy", ["start_datetime", "end_datetime"])
    op.create_table(
        "appointment_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("min_advance_hours", sa.Integer(), nullable=False),
        sa.Column("max_future_days", sa.Integer(), nullable=False),
        sa.Column("cancel_cutoff_hours", sa.Integer(), nullable=False),
        sa.Column("hold_seconds", sa.Integer(), nullable=False),
        sa.Column("owner_name", sa.String(length=100), nullable=False),
        sa.Column("from_email", sa.String(length=255), nullable=False),
        sa.Column("notify_email", sa.String(length=255), nullable=False),
        sa.Column("notifications_enabled", sa.Boolean(), nullable=False),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True),
        sa.Column("mail_transport", sa.String(length=16), nullable=False),
        sa.Column("smtp_host", sa.String(length=255), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(length=16), nullable=False),
        sa.Column("smtp_username", sa.String(length=255), nullable=False),
        sa.Column("smtp_password_enc", sa.Text(), nullable=True),
        sa.Column("resend_api_key_enc", sa.Text(), nullable=True),
        sa.Column("lock_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "availability_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("availability_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_availability_overrides_day"), ["day"], unique=False)

    op.create_table(
        "rate_limit_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hits_key_at", ["bucket", "client", "at"], unique=False)

    op.create_table(
        "slot_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_hash", sa.String(length=64), nullable=False),
        sa.Column("appointment_type_id", sa.Integer(), nullable=False),
        sa.Column("start_datetime", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("busy_start", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("busy_end", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_type_id"], ["appointment_types.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holder_hash"),
    )
    with op.batch_alter_table("slot_reservations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slot_reservations_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", autobook.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", autobook.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_mail_outbox_due", ["status", "next_try_at"], unique=False)

    with op.batch_alter_table("appointment_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot_interval_minutes", sa.Integer(), nullable=True))

    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("busy_start", autobook.db.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("busy_end", autobook.db.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("guest_timezone", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cancel_reason", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("cancelled_at", autobook.db.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "calendar_sync_failed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.create_index(
            "uq_appointments_confirmed_start",
            ["start_datetime"],
            unique=True,
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        )


def downgrade() -> None:
    op.drop_index("ix_calendar_busy_span", table_name="calendar_busy")
    op.drop_index("ix_calendar_busy_connection_id", table_name="calendar_busy")
    op.drop_table("calendar_busy")
    op.drop_table("calendar_connections")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_appointments_confirmed_start",
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        )
        batch_op.drop_column("calendar_sync_failed")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("guest_timezone")
        batch_op.drop_column("busy_end")
        batch_op.drop_column("busy_start")

    with op.batch_alter_table("appointment_types", schema=None) as batch_op:
        batch_op.drop_column("slot_interval_minutes")

    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_due")

    op.drop_table("mail_outbox")
    with op.batch_alter_table("slot_reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_reservations_expires_at"))

    op.drop_table("slot_reservations")
    with op.batch_alter_table("rate_limit_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_hits_key_at")

    op.drop_table("rate_limit_hits")
    with op.batch_alter_table("availability_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_overrides_day"))

    op.drop_table("availability_overrides")
    op.drop_table("appointment_settings")
