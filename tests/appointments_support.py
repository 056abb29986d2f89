"""Helpers for the public page's tests (no tests here): a page set up with one or more
appointment types and weekly rules, and a client that walks the three /book steps."""

from __future__ import annotations

import re
import subprocess
import sys
import time as time_module
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import caldav
import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from autobook.db.appointments import SETTINGS_ID
from autobook.db.models import (
    Appointment,
    AppointmentSettings,
    AppointmentType,
    AvailabilityRule,
    CalendarConnection,
    OutboxMail,
)
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.runner import free_port

LONDON = ZoneInfo("Europe/London")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HOLDER = re.compile(r'name="holder" value="([^"]*)"')
_SLOT_VALUE = re.compile(r'class="slot" name="start" value="([^"]+)"')


def set_up_page(
    runtime: Runtime,
    *,
    min_advance_hours: int = 0,
    max_future_days: int = 30,
    hold_seconds: int = 30,
    opens: time = time(8),
    closes: time = time(20),
    custom_fields: list[dict[str, Any]] | None = None,
    rules: bool = True,
    **type_fields: Any,
) -> int:
    """Settings, rules every day from `opens` to `closes` (unless `rules` is false), and one
    type; the type's id."""
    with transaction(runtime.sessions) as session:
        session.merge(
            AppointmentSettings(
                id=SETTINGS_ID,
                timezone="Europe/London",
                min_advance_hours=min_advance_hours,
                max_future_days=max_future_days,
                hold_seconds=hold_seconds,
                cancel_cutoff_hours=12,
                owner_name="Sam Owner",
                from_email="sam@example.test",
                notify_email="owner@example.test",
            )
        )
        for weekday in range(7 if rules else 0):
            session.add(AvailabilityRule(day_of_week=weekday, start_time=opens, end_time=closes))
        kind = AppointmentType(
            name=type_fields.pop("name", "Property showing"),
            description="A walk round the flat",
            duration_minutes=type_fields.pop("duration_minutes", 60),
            custom_fields=custom_fields or [],
            **type_fields,
        )
        session.add(kind)
        session.flush()
        return kind.id


def day_after(days: int) -> date:
    return datetime.now(LONDON).date() + timedelta(days=days)


def csrf(client: TestClient) -> str:
    match = _CSRF.search(client.get("/book").text)
    assert match
    return match.group(1)


def slot_values(client: TestClient, type_id: int, day: date) -> list[str]:
    answer = client.get("/book/slots", params={"type_id": type_id, "date": day.isoformat()})
    assert answer.status_code == 200, answer.text
    return _SLOT_VALUE.findall(answer.text)


def local_times(values: list[str]) -> list[str]:
    return [datetime.fromisoformat(v).astimezone(LONDON).strftime("%H:%M") for v in values]


def reserve(client: TestClient, token: str, type_id: int, start: str) -> tuple[int, str]:
    """(status, holder token or "")."""
    answer = client.post(
        "/book/reserve", data={"csrf_token": token, "type_id": type_id, "start": start}
    )
    found = _HOLDER.search(answer.text)
    return answer.status_code, found.group(1) if found else ""


def submit(client: TestClient, token: str, type_id: int, start: str, holder: str, **fields: Any):
    data = {"csrf_token": token, "type_id": type_id, "start": start, "holder": holder}
    data |= {"name": "Ada Guest", "email": "ada@example.test"} | fields
    return client.post("/book/submit", data=data)


def book(client: TestClient, type_id: int, start: str, **fields: Any) -> str:
    """Steps 2 and 3 for `start` (reserve, submit); the guest's manage token."""
    token = csrf(client)
    _, holder = reserve(client, token, type_id, start)
    answer = submit(client, token, type_id, start, holder, **fields)
    assert answer.status_code == 200, answer.text
    return answer.text.split('href="/book/manage/')[1].split('"')[0].removesuffix("/event.ics")


def count_appointments(runtime: Runtime, status: str = "confirmed") -> int:
    with transaction(runtime.sessions) as session:
        query = select(func.count()).where(Appointment.status == status)
        return int(session.scalar(query) or 0)


def outbox(runtime: Runtime) -> list[OutboxMail]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


class Mailbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                raw = envelope.original_content or envelope.content
                mailbox.messages.append(message_from_bytes(raw, policy=default))  # type: ignore[arg-type]
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]) == address]


def use_smtp(runtime: Runtime, port: int, *, host: str = "127.0.0.1") -> None:
    with transaction(runtime.sessions) as session:
        settings = session.get(AppointmentSettings, SETTINGS_ID)
        assert settings is not None
        settings.mail_transport, settings.smtp_host = "smtp", host
        settings.smtp_port, settings.smtp_security = port, "none"


class Radicale:
    """A real Radicale CalDAV server in a subprocess on loopback (no auth), with its own
    folder; `new_calendar` makes a fresh calendar collection and returns its URL."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", f"--storage-filesystem-folder={folder}",
             "--auth-type=none", f"--server-hosts=127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(200):
            try:
                httpx.get(self.url, timeout=1)
                return
            except httpx.HTTPError:
                time_module.sleep(0.05)
        self.stop()
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(self.url, username="owner", password="x")

    def new_calendar(self, name: str) -> str:
        return str(self.client().principal().make_calendar(cal_id=name, name=name).url)

    def events(self, url: str) -> list[Any]:
        return [e.icalendar_component for e in self.client().calendar(url=url).events()]


def connect_calendar(runtime: Runtime, kind: str, url: str, *, writes: bool = False,
                     secret: str = "", calendar_id: str = "") -> int:  # fmt: skip
    with transaction(runtime.sessions) as session:
        connection = CalendarConnection(
            kind=kind, name=kind, url=url, username="owner", writes_events=writes,
            secret_enc=runtime.vault.encrypt(secret) if secret else None, calendar_id=calendar_id,
        )  # fmt: skip
        session.add(connection)
        session.flush()
        return connection.id
