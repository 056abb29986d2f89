"""What a person reads for a task's or booking's site, venue and activity: the adapters' names
("Hendon Leisure Centre · Badminton 60 min"), never the keys the API and CSV use. A key no
adapter knows (free text, a clinic whose page was not read yet) is shown tidied, not hidden."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from autobook.domain.booking import SiteInfo
from autobook.domain.sites import SITE_NAMES, Site
from autobook.sites.registry import adapter_class

log = logging.getLogger(__name__)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def _known(site: str) -> SiteInfo | None:
    try:
        return adapter_class(site).known()
    except Exception as exc:  # an unknown site or an adapter that fails to load: keys it is
        _warn_once(site, type(exc).__name__)
        return None


@lru_cache(maxsize=32)
def _warn_once(site: str, kind: str) -> None:
    log.warning("site %s: no names from its adapter (%s)", site[:40], kind)


def _tidy(key: str) -> str:
    """`lumen-skin-clinic` → "Lumen skin clinic"; anything not slug-shaped as it is."""
    if _SLUG.fullmatch(key):
        return key.replace("-", " ").capitalize()
    return key


def site_name(site: str) -> str:
    try:
        return SITE_NAMES[Site(site)]
    except ValueError:
        return site


def venue_name(site: str, venue: str) -> str:
    info = _known(site)
    names = {v.key: v.name for v in info.venues} if info else {}
    return names.get(venue) or _tidy(venue)


def activity_name(site: str, activity: str) -> str:
    info = _known(site)
    names = {a.key: a.name for a in info.activities} if info else {}
    return names.get(activity) or _tidy(activity)


def what(
    site: str, venue: str, activity: str | None = None, sub_location: str | None = None
) -> str:
    """ "Hendon Leisure Centre · Badminton 60 min", "X1 / A · Gym session (60 min)"."""
    where = venue_name(site, venue) + (f" / {_tidy(sub_location)}" if sub_location else "")
    return where + (f" · {activity_name(site, activity)}" if activity else "")
