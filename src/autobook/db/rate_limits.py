"""Counted requests per client, in the database so a limit holds across processes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from autobook.db.models import RateLimitHit


def hit_and_count(
    session: Session, *, bucket: str, client: str, now: datetime, period: timedelta
) -> int:
    """Record one request of `client` and return how many it made in the last `period`,
    this one included; older hits of the bucket are swept."""
    since = now - period
    session.execute(
        delete(RateLimitHit).where(RateLimitHit.bucket == bucket, RateLimitHit.at < since)
    )
    session.add(RateLimitHit(bucket=bucket, client=client[:64], at=now))
    session.flush()
    query = select(func.count()).where(
        RateLimitHit.bucket == bucket, RateLimitHit.client == client[:64], RateLimitHit.at >= since
    )
    return int(session.scalar(query) or 0)
