"""Sending the outbox: SMTP (host, port, security, user, password from the vault) or the
Resend HTTP API, plus rows of kind `admin_apprise` to the Apprise notification URLs.

`send_due_mails` claims due rows in one transaction, sends each outside any transaction, and
records each outcome in its own; a failure backs off and retries (`db.outbox`). Secrets never
reach a log line or `last_error`: errors are summarised by their kind and SMTP code.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

import httpx

from autobook.appointments.notices import APPRISE
from autobook.db import appointments as repo
from autobook.db import outbox
from autobook.db.models import AppointmentSettings, OutboxMail
from autobook.db.session import transaction
from autobook.notify import Message, deliver, global_urls
from autobook.runtime import Runtime

log = logging.getLogger(__name__)
SMTP_TIMEOUT_S = 20


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def build_message(mail: OutboxMail, *, from_address: str, from_name: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((from_name, from_address)) if from_name else from_address
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=from_address.partition("@")[2] or None)
    message.set_content(mail.body_text)
    if mail.ics:
        cancel = "METHOD:CANCEL" in mail.ics
        message.add_attachment(
            mail.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": "CANCEL" if cancel else "PUBLISH"},
        )
    return message


@dataclass
class SmtpSender:
    host: str
    port: int
    security: str = "starttls"  # "none", "starttls" or "ssl"
    username: str = ""
    password: str = ""

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=SMTP_TIMEOUT_S, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)


@dataclass
class ResendSender:
    """Resend's `POST /emails` (JSON: from, to, subject, text, attachments[filename, content
    as base64]); a 2xx answer is sent, anything else an error."""

    api_key: str
    base_url: str

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        payload: dict[str, object] = {
            "from": message["From"],
            "to": [message["To"]],
            "subject": message["Subject"],
            "text": body.get_content() if body is not None else "",
        }
        attachments = [
            {"filename": part.get_filename(), "content": base64.b64encode(
                part.get_payload(decode=True)).decode()}
            for part in message.iter_attachments()
        ]  # fmt: skip
        if attachments:
            payload["attachments"] = attachments
        answer = httpx.post(
            f"{self.base_url.rstrip('/')}/emails",
            json=payload,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=SMTP_TIMEOUT_S,
        )
        if answer.status_code // 100 != 2:
            raise RuntimeError(f"Resend answered HTTP {answer.status_code}")


def sender_for(runtime: Runtime, settings: AppointmentSettings) -> Sender | None:
    """The configured sender, or None when mail is not set up (mails wait in the outbox)."""
    vault = runtime.vault
    if settings.mail_transport == "smtp" and settings.smtp_host:
        password = vault.decrypt(settings.smtp_password_enc) if settings.smtp_password_enc else ""
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_security,
                          settings.smtp_username, password)  # fmt: skip
    if settings.mail_transport == "resend" and settings.resend_api_key_enc:
        key = vault.decrypt(settings.resend_api_key_enc)
        return ResendSender(key, runtime.settings.resend_url)
    return None


def _error_summary(exc: Exception) -> str:
    """What went wrong, without anything the server echoed (it may quote credentials)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} (SMTP {exc.smtp_code})"
    return type(exc).__name__ if not isinstance(exc, RuntimeError) else str(exc)[:200]


def send_due_mails(runtime: Runtime, *, now: datetime | None = None) -> tuple[int, int]:
    """Send what is due; (sent, failed) of this pass."""
    now = now or datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        settings = repo.page_settings(session)
        sender = sender_for(runtime, settings)
        from_address, from_name = settings.from_email, settings.owner_name
        due = outbox.claim_due(session, now=now)
        mails = [m for m in due if m.to_address == APPRISE or sender is not None]
        skipped = [m.id for m in due if m not in mails]
    sent = failed = 0
    for mail in mails:
        try:
            if mail.to_address == APPRISE:
                _to_apprise(runtime, mail)
            else:
                assert sender is not None
                sender.send(build_message(mail, from_address=from_address, from_name=from_name))
        except Exception as exc:
            failed += 1
            log.warning("mail %s (%s) not sent: %s", mail.id, mail.kind, _error_summary(exc))
            with transaction(runtime.sessions) as session:
                outbox.mark_failed(session, mail.id, _error_summary(exc), now=now)
        else:
            sent += 1
            with transaction(runtime.sessions) as session:
                outbox.mark_sent(session, mail.id, now=now)
    if skipped:  # not set up yet: put them back, due again once it is
        with transaction(runtime.sessions) as session:
            outbox.release_claims(session, skipped, now=now)
    return sent, failed


def _to_apprise(runtime: Runtime, mail: OutboxMail) -> None:
    urls = global_urls(runtime)
    if not urls:
        return  # nothing to send to: done
    result = deliver(urls, Message(title=mail.subject, body=mail.body_text))
    if not result.ok:
        raise RuntimeError(result.message)
