"""/api/v1/sites: what each site offers, from its adapter (`sites.registry`): venues and
sub-locations, activities, payment methods and when slots are released. The task form's
choices and API clients' enums come from here."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from autobook.config import Settings
from autobook.domain.release import ReleaseRule
from autobook.domain.sites import SITE_NAMES, Site
from autobook.sites import registry
from autobook.sites.release import release_rule
from autobook.web.deps import SettingsDep
from autobook.web.schemas_info import ActivityPublic, ReleasePublic, SitePublic, VenuePublic

router = APIRouter(prefix="/sites", tags=["sites"])
log = logging.getLogger(__name__)


def _release(rule: ReleaseRule) -> ReleasePublic:
    return ReleasePublic(
        description=rule.describe(),
        days_ahead=rule.days_ahead,
        at=rule.at.strftime("%H:%M") if rule.at else None,
        hours_before=rule.hours_before,
        zone=rule.zone.key,
    )


def site_public(site: Site, settings: Settings) -> SitePublic:
    try:
        # A clinic's choices come from its page's data (no browser in an API call).
        info = registry.offered_info(site, settings.site_urls())
    except Exception:  # a broken adapter must not take the other sites' choices down
        log.exception("the %s adapter could not be loaded", site.value)
        return SitePublic.unavailable(site.value, SITE_NAMES[site])
    return SitePublic(
        name=info.name,
        title=info.title,
        available=True,
        zone=info.zone.key,
        venues=[
            VenuePublic(key=v.key, name=v.name, sub_locations=list(v.sub_locations))
            for v in info.venues
        ],
        activities=[
            ActivityPublic(key=a.key, name=a.name, duration_minutes=a.duration_minutes)
            for a in info.activities
        ],
        payment_methods=[m.value for m in info.payment_methods],
        release=_release(release_rule(settings, info.name)),
        transports=list(info.transports),
    )


@router.get("")
def list_sites(settings: SettingsDep) -> list[SitePublic]:
    return [site_public(site, settings) for site in Site]


@router.get("/{site}")
def get_site(site: Site, settings: SettingsDep) -> SitePublic:
    return site_public(site, settings)
