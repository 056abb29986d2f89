"""The explicit registry of site adapters, keyed by the stable site name (`domain.sites.Site`).

UI dropdowns, API enums and CLI choices come from here. Adapters are imported on first use so
that a command that never books never imports Playwright.
"""

from __future__ import annotations

import importlib
import logging

from autobook.domain.booking import SiteInfo
from autobook.domain.sites import Site
from autobook.sites.base import SiteAdapter

log = logging.getLogger(__name__)

ADAPTERS: dict[Site, str] = {
    Site.BETTER: "autobook.sites.better.adapter:BetterAdapter",
    Site.ESTELLE: "autobook.sites.estelle.adapter:EstelleAdapter",
    Site.GYM: "autobook.sites.gym.adapter:GymAdapter",
    Site.CLINIC: "autobook.sites.clinic.adapter:ClinicAdapter",
}


def adapter_class(site: str | Site) -> type[SiteAdapter]:
    try:
        target = ADAPTERS[Site(site)]
    except ValueError:
        raise KeyError(
            f"unknown site {site!r}; known: {', '.join(s.value for s in Site)}"
        ) from None
    module, _, name = target.partition(":")
    cls: type[SiteAdapter] = getattr(importlib.import_module(module), name)
    return cls


def site_info(site: str | Site) -> SiteInfo:
    return adapter_class(site).info


def all_infos() -> list[SiteInfo]:
    return [site_info(site) for site in Site]


def offered_info(
    site: str | Site, urls: dict[str, str | None], *, browse: bool = False
) -> SiteInfo:
    """The site's facts with the choices it offers now (`SiteAdapter.offered`); its static
    facts when the site cannot be read, so a form still works (with free-text fields)."""
    cls = adapter_class(site)
    try:
        return cls.offered(urls, browse=browse)
    except Exception as exc:  # a site that is down must not take the form down
        log.warning("site %s: could not read what it offers (%s)", cls.info.name, exc)
        return cls.info
