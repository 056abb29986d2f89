"""Notifications through Apprise: booked, failed, snipe lost, log-in refused, payment needs you.

Where they go: the global URLs (setting AUTOBOOK_NOTIFY_URLS, plus the `meta` row `notify_urls`
that the settings page writes, encrypted) and the task's own URLs (`Task.notify_urls_enc`,
encrypted). Both encrypted forms are the URLs joined by newlines.

Apprise URLs carry webhook tokens and passwords, so no URL is ever logged or returned: a
failure names the URL by its position and scheme only ("URL 2 (discord)"). `notify` never
raises: a broken webhook must not turn a won booking into a failed attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import apprise

from autobook.db.models import Booking, Task
from autobook.db.notify_urls import decrypt_urls, read_notify_urls, split_urls
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.domain.release import LONDON
from autobook.logs import redact
from autobook.sites.names import activity_name, venue_name

if TYPE_CHECKING:
    from autobook.runtime import Runtime

log = logging.getLogger(__name__)
# Apprise's DEBUG lines print each service's full URL, tokens included, and so do those of
# urllib3 (under Apprise's `requests`) with the webhook path; Apprise's INFO is one line per
# message. None of it belongs in our logs; Apprise's warnings mask URLs and stay.
for _name in ("apprise", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

MISSING = "—"
MAX_REASON_CHARS = 500  # a reason is a sentence, not a page dump
TEST_TITLE = "autobook: test notification"
TEST_BODY = "This is a test message from autobook. If you can read it, notifications work."


class NotifyEvent(StrEnum):
    BOOKED = "booked"
    FAILED = "failed"
    SNIPE_LOST = "snipe_lost"
    AUTH_ERROR = "auth_error"
    PAYMENT_NEEDS_PERSON = "payment_needs_person"


# Event → (title prefix, Apprise type: it picks the colour or icon on services that have one).
_HEADINGS: dict[NotifyEvent, tuple[str, apprise.NotifyType]] = {
    NotifyEvent.BOOKED: ("Booked", apprise.NotifyType.SUCCESS),
    NotifyEvent.FAILED: ("Booking failed", apprise.NotifyType.FAILURE),
    NotifyEvent.SNIPE_LOST: ("Snipe lost", apprise.NotifyType.WARNING),
    NotifyEvent.AUTH_ERROR: ("Log-in refused", apprise.NotifyType.FAILURE),
    NotifyEvent.PAYMENT_NEEDS_PERSON: ("Payment needs you", apprise.NotifyType.WARNING),
}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    kind: apprise.NotifyType = apprise.NotifyType.INFO


@dataclass(frozen=True)
class NotifyResult:
    """How a delivery went. `failures` and `message` never contain a URL, only its scheme."""

    sent: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sent > 0 and not self.failures

    @property
    def message(self) -> str:
        if not self.sent and not self.failures:
            return "no notification URLs are set"
        if not self.failures:
            return f"sent to {self.sent} service(s)"
        return "; ".join(self.failures)


# --- the message -------------------------------------------------------------------------------
def compose(
    event: NotifyEvent,
    task: Task,
    booking: Booking | None = None,
    reason: str | None = None,
    *,
    base_url: str,
) -> Message:
    """Title and body: venue, date, time, court, price, reference, reason, link to the task."""
    venue = venue_name(task.site, (booking.venue if booking else "") or task.venue)
    day, times = _when(task, booking)
    heading, kind = _HEADINGS[event]
    lines = [
        f"Venue: {venue}" + (f" ({task.sub_location})" if task.sub_location else ""),
        *([f"Activity: {activity_name(task.site, task.activity)}"] if task.activity else []),
        f"Date: {day:%a %d %b %Y}",
        f"Time: {times}",
        f"Court: {_or_missing(booking.court if booking else None)}",
        f"Price: {_or_missing(booking.price if booking else None)}",
        f"Reference: {_or_missing(booking.reference if booking else None)}",
    ]
    if reason:
        lines.append(f"Reason: {redact(reason)[:MAX_REASON_CHARS]}")
    lines.append(f"Task: {base_url.rstrip('/')}/tasks/{task.id}")
    title = f"{heading}: {venue}, {day:%a %d %b} {times}"
    return Message(title, "\n".join(lines), kind)


def _when(task: Task, booking: Booking | None) -> tuple[date, str]:
    """The booked start (local) when there is a booking, else the task's date and wishes."""
    if booking is not None and booking.starts_at is not None:
        start = _local(booking.starts_at)
        return start.date(), f"{start:%H:%M}"
    wished = ", ".join(str(t) for t in task.time_preferences or []) or MISSING
    return task.target_date, wished


def _local(instant: datetime) -> datetime:
    # Every site lives in Europe/London (DESIGN.md); stored instants are UTC.
    return instant.astimezone(LONDON)


def _or_missing(value: str | None) -> str:
    return value or MISSING


# --- where it goes -----------------------------------------------------------------------------
def global_urls(runtime: Runtime) -> list[str]:
    """The URLs every notification goes to: the setting's, then the settings page's."""
    urls = split_urls(runtime.settings.notify_urls)
    with runtime.sessions() as session:
        urls += read_notify_urls(session, runtime.vault)
    return list(dict.fromkeys(urls))


def recipients(runtime: Runtime, task: Task) -> list[str]:
    """The global URLs and the task's own, each once, in that order."""
    urls = global_urls(runtime) + decrypt_urls(runtime.vault, task.notify_urls_enc)
    return list(dict.fromkeys(urls))


# --- delivery ----------------------------------------------------------------------------------
def deliver(urls: list[str], message: Message) -> NotifyResult:
    """Send `message` to each URL on its own, so one bad URL does not hide the others."""
    sent, failures = 0, []
    for number, url in enumerate(urls, start=1):
        problem = _send_one(url, message)
        if problem is None:
            sent += 1
        else:
            failures.append(f"{_label(number, url)} {problem}")
    return NotifyResult(sent, failures)


def _send_one(url: str, message: Message) -> str | None:
    """None when the service accepted the message, else what went wrong (no URL in it)."""
    service = apprise.Apprise()
    if not service.add(url):
        return "is not a valid Apprise URL"
    try:
        accepted = service.notify(body=message.body, title=message.title, notify_type=message.kind)
    except Exception as exc:  # a plugin bug must not stop the other URLs or the worker
        return f"failed ({type(exc).__name__})"
    return None if accepted else "did not accept the message"


def _label(number: int, url: str) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    scheme = scheme if scheme.isascii() and scheme.replace("+", "").isalnum() else "?"
    return f"URL {number} ({scheme.lower()[:20]})"


def send_test(urls: list[str]) -> NotifyResult:
    """Send the test message to `urls` (the settings page's button, `autobook notify test`)."""
    return deliver(urls, Message(TEST_TITLE, TEST_BODY, apprise.NotifyType.INFO))


def notify(
    runtime: Runtime,
    event: NotifyEvent,
    task: Task,
    booking: Booking | None = None,
    reason: str | None = None,
) -> None:
    """Tell every recipient of `task` about `event`. Never raises; failures are logged (by URL
    position and scheme) and written to the task's system log."""
    try:
        urls = recipients(runtime, task)
        if not urls:
            return
        message = compose(event, task, booking, reason, base_url=runtime.settings.base_url)
        result = deliver(urls, message)
    except Exception as exc:  # never let a notification break the booking path
        log.warning("notification %s for task %s failed: %s", event, task.id, type(exc).__name__)
        return
    if result.failures:
        _record_failure(runtime, event, task.id, result)


def _record_failure(
    runtime: Runtime, event: NotifyEvent, task_id: int, result: NotifyResult
) -> None:
    text = f"notification {event} not delivered: {result.message}"
    log.warning("task %s: %s", task_id, text)
    try:
        with transaction(runtime.sessions) as session:
            write_log(session, level="WARN", source="Notify", message=text, task_id=task_id)
    except Exception as exc:  # the task may be gone, or the database busy: the log line stays
        log.warning(
            "task %s: could not record it in the system log (%s)", task_id, type(exc).__name__
        )
