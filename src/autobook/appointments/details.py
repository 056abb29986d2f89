"""How one appointment reads wherever it is shown: the calendar event (title and description,
as seed 003 words them), the .ics file, and local date and time labels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from autobook.appointments.ics import Event, calendar
from autobook.db.models import Appointment, AppointmentType


def event_title(appointment: Appointment, kind: AppointmentType) -> str:
    return f"{kind.name} — {appointment.guest_name}"


def event_description(appointment: Appointment) -> str:
    lines = [f"Guest: {appointment.guest_name} <{appointment.guest_email}>"]
    if appointment.guest_phone:
        lines.append(f"Phone: {appointment.guest_phone}")
    if appointment.notes:
        lines.append(f"Notes: {appointment.notes}")
    for label, value in (appointment.custom_field_values or {}).items():
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        lines.append(f"{label}: {shown}")
    return "\n".join(lines)


def as_event(appointment: Appointment, kind: AppointmentType, *, for_guest: bool = False,
             owner_name: str = "") -> Event:  # fmt: skip
    """The guest's copy is titled with the type and the owner, not with their own name."""
    title = event_title(appointment, kind)
    if for_guest:
        title = f"{kind.name} with {owner_name}" if owner_name else kind.name
    return Event(
        uid=f"appointment-{appointment.id}@autobook",
        start=appointment.start_datetime,
        end=appointment.end_datetime,
        summary=title,
        description=event_description(appointment),
        cancelled=appointment.status == "cancelled",
    )


def guest_ics(appointment: Appointment, kind: AppointmentType, *, now: datetime,
              owner_name: str = "") -> str:  # fmt: skip
    event = as_event(appointment, kind, for_guest=True, owner_name=owner_name)
    return calendar([event], now=now, cancel=event.cancelled)


def local_labels(moment: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """("Monday 2 March 2026", "10:00") in `zone`."""
    here = moment.astimezone(zone)
    return f"{here:%A} {here.day} {here:%B %Y}", f"{here:%H:%M}"
