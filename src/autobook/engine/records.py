"""The database side of an attempt: load a task into plain values (secrets decrypted in memory
only), claim it, and record what happened — attempt, booking, final status — in transactions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from autobook.db.handoffs import create_session
from autobook.db.models import (
    Attempt,
    Booking,
    HandoffSession,
    HandoffTransition,
    PaymentProfile,
    SiteAccount,
    Task,
    utcnow,
)
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.db.tasks import transition
from autobook.domain.booking import Card, Confirmation, Credentials, Hold, Payment, Slot, Want
from autobook.domain.handoff import HandoffMode, SessionRequest, new_live_link
from autobook.domain.statuses import BookingStatus, TaskStatus
from autobook.domain.tasks import PaymentMethod
from autobook.notify import NotifyEvent, notify
from autobook.runtime import Runtime
from autobook.sites.registry import adapter_class

CLAIMABLE = (TaskStatus.PENDING, TaskStatus.SCHEDULED)
HELD = (TaskStatus.CHECKING, TaskStatus.BOOKING)  # statuses in which a worker holds the lease


def lease_length(runtime: Runtime) -> timedelta:
    """How long a claim holds unrenewed (AUTOBOOK_LEASE_SECONDS): a worker that dies
    mid-attempt frees its task after this."""
    return timedelta(seconds=runtime.settings.lease_seconds)


@dataclass
class Job:
    """Everything one attempt needs, read once from the database."""

    task_id: int
    site: str
    want: Want
    account_id: int | None
    creds: Credentials
    saved_state: str | None
    payment: Payment
    dry_run: bool
    poll_interval_s: int
    status: TaskStatus  # where the task is now; every change is a compare-and-set from it
    interrupted: bool = False  # an earlier attempt never finished: it may have paid
    book_all: bool = False  # every wanted time, over several accounts (seed 002)
    worker: str = ""  # set by `claim`: the lease this attempt holds


def credentials_of(runtime: Runtime, account: SiteAccount) -> Credentials:
    """What an adapter gets of an account: the password decrypted in memory only."""
    password = runtime.vault.decrypt(account.password_enc)
    return Credentials(account.login, password, account.display_name, account.phone or "")


def load_job(runtime: Runtime, task_id: int) -> Job:
    """Read the task, its first account and its payment profile; decrypt what the site needs."""
    vault = runtime.vault
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        if task is None:
            raise LookupError(f"no task {task_id}")
        account = task.accounts[0] if task.accounts else None
        creds = Credentials(login="", password="")
        saved_state = None
        if account is not None:
            creds = credentials_of(runtime, account)
            if account.session_state_enc:
                saved_state = vault.decrypt(account.session_state_enc)
        profile = (
            session.get(PaymentProfile, task.payment_profile_id)
            if task.payment_profile_id
            else None
        )
        method = PaymentMethod(task.payment_method)
        unfinished = select(Attempt.id).where(
            Attempt.task_id == task.id, Attempt.finished_at.is_(None)
        )
        return Job(
            task_id=task.id,
            site=task.site,
            want=want_of(task),
            account_id=account.id if account else None,
            creds=creds,
            saved_state=saved_state,
            payment=_payment(method, profile, runtime),
            dry_run=task.dry_run or method in (PaymentMethod.NONE, PaymentMethod.HANDOFF),
            poll_interval_s=task.poll_interval_s,
            status=TaskStatus(task.status),
            interrupted=session.scalar(unfinished.limit(1)) is not None,
            book_all=task.book_all,
        )


def want_of(task: Task) -> Want:
    """What the task wants, as the adapters read it."""
    return Want(
        venue=task.venue,
        activity=task.activity,
        day=task.target_date,
        times=tuple(time.fromisoformat(t) for t in task.time_preferences),
        sub_location=task.sub_location,
        duration_minutes=task.duration_minutes,
        courts=tuple(task.court_preferences),
    )


def _payment(method: PaymentMethod, profile: PaymentProfile | None, runtime: Runtime) -> Payment:
    if profile is None:
        return Payment(method)
    vault = runtime.vault
    cvv = vault.decrypt(profile.cvv_enc) if profile.cvv_enc else None
    # Handoff: the person types the card; only the profile's name and billing address are
    # filled in for them, so its card number is never decrypted.
    number = vault.decrypt(profile.card_number_enc) if method is PaymentMethod.CARD else ""
    card = Card(
        number=number,
        expiry_month=profile.expiry_month,
        expiry_year=profile.expiry_year,
        cvv=cvv,
        holder=profile.cardholder_name,
        address_line_1=profile.address_line_1,
        city=profile.city,
        postcode=profile.postcode,
    )
    billed = method in (PaymentMethod.CARD, PaymentMethod.HANDOFF)
    return Payment(method, card=card if billed else None, cvv=cvv)


def last_start(want: Want, zone: ZoneInfo) -> datetime:
    """The latest wanted start: once it has passed, the task can only expire."""
    return max(datetime.combine(want.day, t, tzinfo=zone) for t in want.times).astimezone(UTC)


def finish_if_booked(runtime: Runtime, job: Job, worker: str) -> bool:
    """A task that wants one booking and has it never checks out again: finish it instead.
    True when it had one. (A book-all task counts its bookings itself.)"""
    if job.book_all or not booked_starts(runtime, job.task_id):
        return False
    if claim(runtime, job, worker):
        move(runtime, job, TaskStatus.SUCCEEDED, error=None, lease_owner=None,
             lease_expires_at=None)  # fmt: skip
    return True


def move(runtime: Runtime, job: Job, target: TaskStatus, **changes: object) -> bool:
    """Compare-and-set the task from where this attempt last left it; False if someone else
    (a stop from the UI, another worker that took over an expired lease) moved it first."""
    with transaction(runtime.sessions) as session:
        won = transition(session, job.task_id, job.status, target, owner=_owner(job), **changes)
    if won:
        job.status = target
    return won


def claim(runtime: Runtime, job: Job, worker: str, lease_until: datetime | None = None) -> bool:
    """Take the task for this attempt: pending or scheduled → checking, with a lease."""
    if job.status not in CLAIMABLE:
        return False
    lease = lease_until or utcnow() + lease_length(runtime)
    won = move(runtime, job, TaskStatus.CHECKING, lease_owner=worker, lease_expires_at=lease)
    if won:
        job.worker = worker
    return won


def _owner(job: Job) -> str | None:
    """While this attempt holds the task, every move must also prove it still holds the lease."""
    return job.worker if job.worker and job.status in HELD else None


def open_attempt(runtime: Runtime, job: Job, worker: str) -> int:
    with transaction(runtime.sessions) as session:
        attempt = Attempt(
            task_id=job.task_id, account_id=job.account_id, worker=worker, dry_run=job.dry_run
        )
        session.add(attempt)
        session.flush()
        return attempt.id


def close_attempt(
    runtime: Runtime, attempt_id: int, outcome: str, error: str | None, *, routine: bool = False
) -> None:
    """Finish the attempt's record. A routine one (an empty poll) replaces the task's earlier
    routine ones instead of piling up next to them."""
    with transaction(runtime.sessions) as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            return
        attempt.finished_at = utcnow()
        attempt.outcome = outcome
        attempt.error = error
        if routine:
            older = session.scalars(
                select(Attempt).where(
                    Attempt.task_id == attempt.task_id,
                    Attempt.outcome == outcome,
                    Attempt.id != attempt_id,
                )
            )
            for row in older:
                session.delete(row)  # its steps go with it (cascade)


def save_session_state(runtime: Runtime, account_id: int, state: str | None) -> None:
    """Keep the site session for next time (encrypted); None forgets it."""
    with transaction(runtime.sessions) as session:
        account = session.get(SiteAccount, account_id)
        if account is not None:
            account.session_state_enc = runtime.vault.encrypt(state) if state else None
            account.needs_login = False


def mark_needs_login(runtime: Runtime, account_id: int) -> None:
    with transaction(runtime.sessions) as session:
        account = session.get(SiteAccount, account_id)
        if account is not None:
            account.needs_login = True
            account.session_state_enc = None


def record_booking(
    runtime: Runtime, job: Job, confirmation: Confirmation, venue_name: str, *, finish: bool = True
) -> int:
    """Write the booking and, with `finish`, the task as succeeded, in one transaction.

    The booking is written even if someone else moved the task meanwhile: it exists on the
    site whatever the task says.
    """
    with transaction(runtime.sessions) as session:
        booking = Booking(
            task_id=job.task_id,
            account_id=job.account_id,
            site=job.site,
            venue=confirmation.venue or venue_name,
            sub_location=job.want.sub_location,
            court=confirmation.court,
            reference=confirmation.reference,
            price=confirmation.price,
            starts_at=confirmation.starts_at,
            ends_at=confirmation.ends_at,
            status=BookingStatus.CONFIRMED.value,
            booked_at=utcnow(),
        )
        session.add(booking)
        session.flush()
        won = finish and transition(
            session, job.task_id, job.status, TaskStatus.SUCCEEDED, owner=_owner(job),
            error=None, lease_owner=None, lease_expires_at=None, last_checked_at=utcnow(),
        )  # fmt: skip
        booking_id = booking.id
    if won:
        job.status = TaskStatus.SUCCEEDED
    return booking_id


def booked_starts(runtime: Runtime, task_id: int) -> list[datetime]:
    """Start instants of the task's confirmed bookings (a book-all task counts what is done)."""
    with transaction(runtime.sessions) as session:
        rows = session.scalars(
            select(Booking.starts_at).where(
                Booking.task_id == task_id, Booking.status == BookingStatus.CONFIRMED.value
            )
        )
        return list(rows)


@dataclass
class Seat:
    """One of a task's accounts, as a divide-and-conquer attempt uses it."""

    account_id: int
    creds: Credentials
    saved_state: str | None
    daily_limit: int | None


def load_seats(runtime: Runtime, task_id: int) -> list[Seat]:
    """Every account of the task, in order, with its password decrypted in memory."""
    vault = runtime.vault
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        if task is None:
            raise LookupError(f"no task {task_id}")
        return [
            Seat(
                a.id,
                credentials_of(runtime, a),
                vault.decrypt(a.session_state_enc) if a.session_state_enc else None,
                a.daily_limit,
            )
            for a in task.accounts
        ]


def open_handoff(
    runtime: Runtime, job: Job, url: str | None, hold: Hold, *, url_carries_session: bool
) -> tuple[datetime, str]:
    """A booking session (seed 004) at ready_for_handoff, leased to nobody: the handoff service
    takes it over and watches it. With `url` (the payment page's own, carrying the booking)
    the person gets that; without, the held checkout is shown live on autobook's own page
    under an unguessable token, of which only the hash is stored. When the handoff URL
    expires (no later than the site keeps the hold), and the URL to give the person."""
    now = utcnow()
    expires = now + timedelta(seconds=runtime.settings.handoff_url_ttl_s)
    if hold.until is not None:
        expires = min(expires, hold.until)
    slot = hold.slot
    chosen = {"appointmentTime": slot.starts_at.isoformat(), "provider": slot.court,
              "service": slot.extra.get("service") or job.want.activity}  # fmt: skip
    live = url is None  # no page of the site's own to give: autobook's live page
    token_hash = None
    stored = url or ""
    if live:
        token_hash, stored = new_live_link()
    times = [t.strftime("%H:%M") for t in job.want.times]
    request = {"venue": job.want.venue, "day": job.want.day.isoformat(), "times": times,
               "hold": held_json(hold)}  # fmt: skip
    with transaction(runtime.sessions) as session:
        handoff = HandoffSession(
            id=str(uuid.uuid4()),
            task_id=job.task_id,
            state="ready_for_handoff",
            booking_url=runtime.settings.clinic_url or _site_url(runtime, job, url),
            request=request,
            handoff_url_enc=runtime.vault.encrypt(stored),
            handoff_expires_at=expires,
            mode="url" if url_carries_session and not live else "live",
            token_hash=token_hash,
            confirmation={"chosen": chosen},
            last_activity_at=now,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
        session.add(handoff)
        session.add(HandoffTransition(session_id=handoff.id, from_state="",
                                      to_state="ready_for_handoff", at=now))  # fmt: skip
    return expires, (f"{runtime.settings.base_url}{stored}" if live else stored)


def open_walk(runtime: Runtime, job: Job, walk: SessionRequest) -> tuple[datetime, str]:
    """A booking session (seed 004) in `created`, for a payment page only the browser that
    walked to it holds: the handoff service walks the steps again in a tab of its own and
    shows that tab live. The person's link (autobook's live page, under an unguessable token
    of which only the hash is stored) is known now; until the tab is ready it says so. When
    the link expires, and the link."""
    token_hash, stored = new_live_link()
    ttl = timedelta(seconds=runtime.settings.handoff_url_ttl_s)
    with transaction(runtime.sessions) as session:
        row = create_session(session, session_id=str(uuid.uuid4()), task_id=job.task_id,
                             booking_url=walk.booking_url, request=walk.as_json(),
                             callback_url=None, url_ttl=ttl)  # fmt: skip
        row.mode, row.token_hash = HandoffMode.LIVE.value, token_hash
        row.handoff_url_enc = runtime.vault.encrypt(stored)
        expires = row.handoff_expires_at
    assert expires is not None
    return expires, f"{runtime.settings.base_url}{stored}"


def _site_url(runtime: Runtime, job: Job, url: str | None) -> str:
    """What the session is booked on, for the pages: the payment page without its query, or
    the site's web address."""
    if url:
        return url.split("?", 1)[0][:500]
    urls = runtime.settings.site_urls()
    cls = adapter_class(job.site)
    keys = sorted(cls.info.url_settings, key=lambda key: not key.endswith("_web"))
    return next((u for key in keys if (u := urls.get(key))), job.site)[:500]


def held_json(hold: Hold) -> dict[str, Any]:
    """What a live handoff needs to find the hold again after a fresh login."""
    slot = hold.slot
    extra = {k: v for k, v in hold.extra.items() if isinstance(v, str | int | float | bool)}
    return {"token": hold.token, "siteId": slot.site_id, "startsAt": slot.starts_at.isoformat(),
            "endsAt": slot.ends_at.isoformat(), "court": slot.court, "price": hold.price,
            "extra": extra}  # fmt: skip


def hold_from_json(data: dict[str, Any]) -> Hold:
    starts = datetime.fromisoformat(data["startsAt"])
    slot = Slot(site_id=data["siteId"], starts_at=starts,
                ends_at=datetime.fromisoformat(data["endsAt"]), court=data.get("court"),
                price=data.get("price"), bookable=True)  # fmt: skip
    return Hold(slot, data["token"], data.get("price"), dict(data.get("extra") or {}))


def set_booking_screenshot(runtime: Runtime, booking_id: int, name: str) -> None:
    with transaction(runtime.sessions) as session:
        booking = session.get(Booking, booking_id)
        if booking is not None:
            booking.screenshot_path = name


def log(runtime: Runtime, job: Job, level: str, message: str) -> None:
    with transaction(runtime.sessions) as session:
        write_log(session, level=level, source="Engine", message=message, task_id=job.task_id)


def target_day_passed(want: Want, zone: ZoneInfo) -> bool:
    return last_start(want, zone) <= datetime.now(UTC)


# Attempt outcome → the notification it sends; outcomes not listed send none.
NOTICES = {
    "booked": NotifyEvent.BOOKED,
    "auth": NotifyEvent.AUTH_ERROR,
    "declined": NotifyEvent.FAILED,
    "site_changed": NotifyEvent.FAILED,
    "payment_unknown": NotifyEvent.FAILED,
    "config": NotifyEvent.FAILED,
    "error": NotifyEvent.FAILED,
    "snipe_lost": NotifyEvent.SNIPE_LOST,
    "handoff": NotifyEvent.PAYMENT_NEEDS_PERSON,
}


def announce(
    runtime: Runtime, task_id: int, outcome: str, message: str, booking_id: int | None
) -> None:
    """Send the outcome's notification to the task's recipients (never raises)."""
    event = NOTICES.get(outcome)
    if event is None:
        return
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        booking = session.get(Booking, booking_id) if booking_id else None
        if task is None:
            return
        session.expunge(task)
        if booking is not None:
            session.expunge(booking)
    notify(runtime, event, task, booking, None if event is NotifyEvent.BOOKED else message)
