"""What a clinic offers, as typed values: its services, its providers and who offers what.

Read from the clinic's data where its widget has it (a Moxie page's `__NEXT_DATA__`), else
from its pages. Keys are slugs of the names a person reads ("HydraFacial" → "hydrafacial"),
so a task names a service the way the clinic writes it, whatever the clinic's own ids are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any


def slugify(name: str) -> str:
    """ "Lip Filler (1ml)" → "lip-filler-1ml"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")


@dataclass(frozen=True)
class Provider:
    key: str  # slug of the name
    name: str  # as the page shows it: "Brandi Lopez"
    site_id: str = ""  # the clinic's own id (a Moxie user-medspa id), when its data has one

    def answers_to(self, wanted: str) -> bool:
        """A task's "brandi", "Brandi" or "Brandi Lopez" all mean this provider."""
        wanted = wanted.strip().casefold()
        return wanted in (self.key, self.name.casefold(), self.name.split()[0].casefold())


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    minutes: int
    price: str | None = None  # as the clinic writes it
    site_id: str = ""
    providers: tuple[Provider, ...] = ()

    def answers_to(self, wanted: str) -> bool:
        return wanted.strip().casefold() in (self.key, self.name.casefold())


@dataclass(frozen=True)
class Catalogue:
    name: str  # the clinic's name
    services: tuple[Service, ...]
    site_id: str = ""  # a Moxie medspa id
    slug: str = ""
    build_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """The venue key a task uses: the clinic's slug, else the slug of its name."""
        return self.slug or slugify(self.name)

    def providers(self) -> tuple[Provider, ...]:
        seen: dict[str, Provider] = {}
        for service in self.services:
            for provider in service.providers:
                seen.setdefault(provider.key, provider)
        return tuple(seen.values())


class CatalogueError(ValueError):
    """The data is not the shape moxie.md records; the message names the missing part."""


def from_next_data(data: dict[str, Any]) -> Catalogue:
    """A Moxie booking page's `__NEXT_DATA__` (or its `_next/data` JSON) as a Catalogue."""
    props = data.get("props", data).get("pageProps", {})
    info = props.get("medspaInfo")
    if not isinstance(info, dict):
        raise CatalogueError("pageProps.medspaInfo is missing")
    try:
        services = tuple(
            _service(item)
            for category in info["serviceCategories"]
            for item in category["medspaServiceMenuItems"]
            if not item.get("isAddon")
        )
        return Catalogue(
            name=str(info["name"]),
            services=services,
            site_id=str(info["id"]),
            slug=str(info.get("slug") or (data.get("query") or {}).get("slug") or ""),
            build_id=str(data.get("buildId") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"medspaInfo is not as expected: {exc!r}") from None


def _service(item: dict[str, Any]) -> Service:
    eligible = (item.get("serviceMenuAdditionalPublicInfo") or {}).get(
        "eligibleProvidersDetails"
    ) or []
    providers = tuple(_provider(e["userMedspa"]) for e in eligible)
    return Service(
        key=slugify(item["name"]),
        name=str(item["name"]),
        minutes=int(item["durationInMinutes"]),
        price=str(item["price"]) if item.get("price") is not None else None,
        site_id=str(item["id"]),
        providers=providers,
    )


def _provider(user_medspa: dict[str, Any]) -> Provider:
    user = user_medspa["user"]
    name = " ".join(p for p in (user.get("firstName"), user.get("lastName")) if p)
    return Provider(slugify(name), name, str(user_medspa["id"]))
