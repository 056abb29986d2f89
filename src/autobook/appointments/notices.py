"""The mails of the public page, with seed 003's subjects, queued in the outbox inside the
transaction that books or cancels (so a slow mail server never slows or fails a booking):

- guest confirmation: "Your [Type] is confirmed — [Date] at [Time]", with invite.ics;
- admin alert: "New booking: [Guest Name] — [Type] on [Date]", to the notification address
  and, as a row of kind `admin_apprise`, to the Apprise notification URLs;
- guest cancellation: "Your [Type] on [Date] has been cancelled", with a cancelling .ics.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from autobook.appointments.details import guest_ics, local_labels
from autobook.db.models import Appointment, AppointmentSettings, AppointmentType
from autobook.db.outbox import queue_mail

# Plain-text mails: no autoescape (nothing here is HTML), missing names fail loudly in tests.
MAILS = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "mail_templates"),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
APPRISE = "apprise"  # the to_address of rows sent to the Apprise URLs


def _answers(appointment: Appointment) -> list[tuple[str, str]]:
    shown = []
    for label, value in (appointment.custom_field_values or {}).items():
        shown.append((label, ("yes" if value else "no") if isinstance(value, bool) else value))
    return shown


def _context(
    appointment: Appointment, kind: AppointmentType, settings: AppointmentSettings
) -> dict[str, Any]:
    day, time = local_labels(appointment.start_datetime, ZoneInfo(settings.timezone))
    return {
        "a": appointment,
        "kind": kind,
        "day": day,
        "time": time,
        "zone": settings.timezone,
        "owner": settings.owner_name,
        "answers": _answers(appointment),
        "cutoff": settings.cancel_cutoff_hours,
    }


def queue_booking_mails(
    session: Session,
    appointment: Appointment,
    kind: AppointmentType,
    settings: AppointmentSettings,
    *,
    token: str,
    base_url: str,
    now: datetime,
) -> None:
    base = base_url.rstrip("/")
    ctx = _context(appointment, kind, settings)
    ctx |= {"manage_url": f"{base}/book/manage/{token}", "admin_url": f"{base}/appointments"}
    queue_mail(
        session,
        kind="guest_confirmation",
        to_address=appointment.guest_email,
        subject=f"Your {kind.name} is confirmed — {ctx['day']} at {ctx['time']}",
        body_text=MAILS.get_template("guest_confirmation.txt").render(ctx),
        ics=guest_ics(appointment, kind, now=now, owner_name=settings.owner_name),
        appointment_id=appointment.id,
    )
    if not settings.notifications_enabled:
        return
    subject = f"New booking: {appointment.guest_name} — {kind.name} on {ctx['day']}"
    body = MAILS.get_template("admin_alert.txt").render(ctx)
    if settings.notify_email:
        queue_mail(
            session, kind="admin_alert", to_address=settings.notify_email, subject=subject,
            body_text=body, appointment_id=appointment.id,
        )  # fmt: skip
    queue_mail(
        session, kind="admin_apprise", to_address=APPRISE, subject=subject, body_text=body,
        appointment_id=appointment.id,
    )  # fmt: skip


def queue_cancellation_mail(
    session: Session,
    appointment: Appointment,
    kind: AppointmentType,
    settings: AppointmentSettings,
    *,
    base_url: str,
    now: datetime,
) -> None:
    ctx = _context(appointment, kind, settings) | {"book_url": f"{base_url.rstrip('/')}/book"}
    queue_mail(
        session,
        kind="guest_cancellation",
        to_address=appointment.guest_email,
        subject=f"Your {kind.name} on {ctx['day']} has been cancelled",
        body_text=MAILS.get_template("guest_cancellation.txt").render(ctx),
        ics=guest_ics(appointment, kind, now=now, owner_name=settings.owner_name),
        appointment_id=appointment.id,
    )
