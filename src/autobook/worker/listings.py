"""Listings: the pages many watch tasks read, and who looks at each (the database side).

A listing is what one site shows for a venue, an activity (and sub-location) on one day. Watch
tasks that want the same listing share one look at it per interval (CONVENTIONS §4, Home
Assistant's polling coordinator); `worker.coordinator` does the looking. This module reads the
watch tasks into listings, keeps each listing's lease, and records each look.

Leases work the same on SQLite (one worker) and PostgreSQL (any number): every worker that looks
at listings beats in `listing_workers`; the live ones deal the listings out evenly (`shares`),
and a worker takes a listing only by compare-and-set on `listings.owner` when it is free, its
own, or its lease ran out; one that is no longer its share it gives back. So a listing has one
looker at a time, and a dead worker's listings are taken over one lease after its last renewal.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, exists, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from autobook.db.models import Attempt, Listing, ListingWorker, Task
from autobook.db.session import transaction
from autobook.db.syslog import write_log
from autobook.domain.booking import Want
from autobook.domain.sites import Site
from autobook.domain.statuses import TaskStatus
from autobook.domain.tasks import Strategy
from autobook.engine.records import lease_length, want_of
from autobook.runtime import Runtime
from autobook.sites.registry import adapter_class


@dataclass(frozen=True)
class ListingKey:
    site: str
    venue: str
    activity: str
    sub_location: str | None
    day: date

    @property
    def text(self) -> str:
        """The listing's primary key in `listings`."""
        parts = (self.site, self.venue, self.activity, self.sub_location or "", str(self.day))
        return "|".join(parts)

    def describe(self) -> str:
        where = f"{self.venue}/{self.sub_location}" if self.sub_location else self.venue
        return f"{self.site} {where} {self.activity} on {self.day}".replace("  ", " ")


@dataclass(frozen=True)
class Watcher:
    """One watch task as a listing serves it."""

    task_id: int
    want: Want
    interval_s: int
    not_before: datetime | None  # the task's next_run_at: not attempted long before it
    interrupted: bool  # an earlier attempt never finished: it must run to settle that


def listed_sites() -> frozenset[str]:
    """Sites whose listing needs no login: their watch tasks share looks."""
    return frozenset(s.value for s in Site if adapter_class(s).listing_is_public)


def is_listed(sites: frozenset[str]) -> ColumnElement[bool]:
    """SQL: the task is a watch on a listed site (served by the coordinator, not polled)."""
    return and_(Task.strategy == Strategy.WATCH.value, Task.site.in_(sorted(sites)))


def key_of(task: Task) -> ListingKey:
    return ListingKey(task.site, task.venue, task.activity, task.sub_location, task.target_date)


def watched(runtime: Runtime, sites: frozenset[str]) -> dict[ListingKey, list[Watcher]]:
    """Every pending watch task on a listed site, grouped by listing."""
    groups: dict[ListingKey, list[Watcher]] = defaultdict(list)
    if not sites:
        return groups
    unfinished = exists().where(Attempt.task_id == Task.id, Attempt.finished_at.is_(None))
    query = (
        select(Task, unfinished.label("interrupted"))
        .where(Task.status == TaskStatus.PENDING.value)
        .where(is_listed(sites))
        .order_by(Task.id)
    )
    with transaction(runtime.sessions) as session:
        for task, interrupted in session.execute(query):
            watcher = Watcher(task.id, want_of(task), task.poll_interval_s, task.next_run_at,
                              bool(interrupted))  # fmt: skip
            groups[key_of(task)].append(watcher)
    return groups


# --- leases ------------------------------------------------------------------------------------
def shares(keys: list[str], live: list[str]) -> dict[str, str]:
    """Which live worker should look at each listing: the listings in a stable order (by a
    hash of their key, so neighbours differ) dealt round the live workers in name order, so
    every worker gets an even share and all workers compute the same deal."""
    ordered = sorted(keys, key=lambda k: hashlib.sha256(k.encode()).digest())
    workers = sorted(live)
    return {key: workers[i % len(workers)] for i, key in enumerate(ordered)}


def beat(runtime: Runtime, me: str, now: datetime) -> list[str]:
    """Say this worker is alive; the names of the live ones (seen within a lease)."""
    with transaction(runtime.sessions) as session:
        row = session.get(ListingWorker, me)
        if row is None:
            session.add(ListingWorker(name=me, seen_at=now))
        else:
            row.seen_at = now
    since = now - lease_length(runtime)
    with transaction(runtime.sessions) as session:
        live = set(session.scalars(select(ListingWorker.name).where(ListingWorker.seen_at > since)))
    return sorted(live | {me})


def sync(
    runtime: Runtime,
    me: str,
    keys: dict[str, ListingKey],
    busy: set[str],
    now: datetime | None = None,
) -> tuple[dict[str, tuple[datetime | None, datetime]], int]:
    """Take (or keep) this worker's share of `keys`, give back what is no longer its share
    (unless a look at it is in flight: `busy`): ({key: (last look, lease end)} of the listings
    it holds, how many workers are live)."""
    now = now or datetime.now(UTC)
    live = beat(runtime, me, now)
    mine = {k for k, owner in shares(list(keys), live).items() if owner == me}
    until = now + lease_length(runtime)
    with transaction(runtime.sessions) as session:
        _add_missing(session, keys)
        session.execute(
            update(Listing)
            .where(Listing.owner == me, not_(Listing.key.in_(mine | busy)))
            .values(owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        free = or_(Listing.owner.is_(None), Listing.owner == me, Listing.lease_expires_at < now)
        session.execute(
            update(Listing)
            .where(Listing.key.in_(mine | busy), free)
            .values(owner=me, lease_expires_at=until)
            .execution_options(synchronize_session=False)
        )
    with transaction(runtime.sessions) as session:
        held = session.execute(
            select(Listing.key, Listing.looked_at, Listing.lease_expires_at)
            .where(Listing.owner == me, Listing.lease_expires_at > now)
        ).all()  # fmt: skip
    return {key: (looked, lease) for key, looked, lease in held}, len(live)


def _add_missing(session: Session, keys: dict[str, ListingKey]) -> None:
    """Rows for listings seen for the first time; two workers may race to add one."""
    known = set(session.scalars(select(Listing.key).where(Listing.key.in_(list(keys)))))
    rows = [
        {"key": text, "site": k.site, "venue": k.venue, "activity": k.activity,
         "sub_location": k.sub_location, "day": k.day, "tasks": 0, "interval_s": 0}
        for text, k in keys.items() if text not in known
    ]  # fmt: skip
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(Listing).values(rows).on_conflict_do_nothing(index_elements=["key"]))


def release_all(runtime: Runtime, me: str) -> None:
    """On stop: give every listing back at once and leave the live workers."""
    with transaction(runtime.sessions) as session:
        session.execute(
            update(Listing)
            .where(Listing.owner == me)
            .values(owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        row = session.get(ListingWorker, me)
        if row is not None:
            session.delete(row)


# --- what a look leaves behind -----------------------------------------------------------------
@dataclass(frozen=True)
class Look:
    key: ListingKey
    at: datetime
    tasks: list[int]
    interval_s: int
    error: str | None = None  # None: the look worked


def record(runtime: Runtime, me: str, look: Look) -> str | None:
    """Write the look on its listing (only while this worker holds it) and stamp its tasks as
    checked. A failure is logged when it starts and a recovery when it ends, not every look:
    the message logged, if any."""
    with transaction(runtime.sessions) as session:
        row = session.get(Listing, look.key.text)
        if row is None or row.owner != me:
            return None  # taken over meanwhile: the new owner speaks for it
        was_failing = row.error is not None
        row.looked_at, row.tasks, row.interval_s = look.at, len(look.tasks), look.interval_s
        row.error = look.error
        message = None
        if look.error is None:
            row.ok_at = look.at
            if was_failing:
                message = f"listing {look.key.describe()} can be read again"
        elif not was_failing:
            message = f"listing {look.key.describe()} cannot be read: {look.error}"
        if message is not None:
            write_log(session, level="WARN" if look.error else "INFO", source="Worker",
                      message=f"{message} ({len(look.tasks)} watch tasks)")  # fmt: skip
        if look.error is None and look.tasks:
            session.execute(
                update(Task)
                .where(Task.id.in_(look.tasks), Task.status == TaskStatus.PENDING.value)
                .values(last_checked_at=look.at)
                .execution_options(synchronize_session=False)
            )
        return message


def recent(session: Session, limit: int = 50) -> list[Listing]:
    """Listings with watch tasks, soonest day first (for the dashboard)."""
    since = datetime.now(UTC).date() - timedelta(days=1)
    query = select(Listing).where(Listing.tasks > 0, Listing.day >= since)
    return list(session.scalars(query.order_by(Listing.day, Listing.key).limit(limit)))
