"""When a task's slot is released: the site's rule in effect (the `AUTOBOOK_<SITE>_RELEASE`
setting where there is one, else the adapter's) applied to the task's wanted times.

The worker's snipe, the API and the pages all ask here, so the countdown a person reads is the
instant the worker fires at.
"""

from __future__ import annotations

from datetime import datetime, time

from autobook.config import Settings
from autobook.db.models import Task
from autobook.domain.release import ReleaseRule, parse_rule
from autobook.sites.registry import site_info


def release_rule(settings: Settings, site: str) -> ReleaseRule:
    """The site's release rule: the setting where there is one, else the adapter's."""
    configured = getattr(settings, f"{site}_release", None)
    return parse_rule(configured) if isinstance(configured, str) else site_info(site).release


def release_for(settings: Settings, task: Task) -> datetime | None:
    """The earliest release among the task's wanted times (UTC); None when it has no valid
    time or its site's adapter cannot be loaded."""
    try:
        rule = release_rule(settings, task.site)
        starts = [time.fromisoformat(str(t)) for t in task.time_preferences or []]
        return min((rule.release_at(task.target_date, s) for s in starts), default=None)
    except (ValueError, KeyError, ImportError, OverflowError):  # OverflowError: a row from
        return None  # before dates were bounded (year 1 or 9999)
