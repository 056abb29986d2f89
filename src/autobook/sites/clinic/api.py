"""The clinic's data over HTTP, no browser (httpx only): the catalogue a Moxie booking page
embeds in `__NEXT_DATA__`, and free times from Moxie's public GraphQL `AvailableTimeSlots`
(`shared/sites/moxie.md`). A clinic whose page has no such data answers None, and the adapter
reads its pages instead.

Watching a task polls `AvailableTimeSlots` only: the catalogue is fetched once per
`CATALOGUE_TTL_S` per booking page and shared by every attempt in the process.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from autobook.sites.base import SiteChanged, Transient
from autobook.sites.clinic.catalogue import Catalogue, CatalogueError, Provider, Service
from autobook.sites.clinic.catalogue import from_next_data as catalogue_from

NEXT_DATA_RE = re.compile(
    r"<script[^>]*\bid=[\"']__NEXT_DATA__[\"'][^>]*>(.*?)</script>", re.S | re.I
)
MOXIE_GRAPHQL_URL = "https://graphql.joinmoxie.com/v1/graphql"
CATALOGUE_TTL_S = 900  # services and providers change rarely; times are asked every check
TIMEOUT_S = 15.0
SLOTS_QUERY = (
    "query AvailableTimeSlots($medspaId: ID!, $startDate: String!, $endDate: String!, "
    "$services: [ServiceInput!]!) { availableTimeSlots(medspaId: $medspaId, startDate: "
    "$startDate, endDate: $endDate, services: $services) { dates { date slots { start end } } } }"
)
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) autobook"

_catalogues: dict[str, tuple[float, Catalogue | None]] = {}


@dataclass(frozen=True)
class TimeSlot:
    start: datetime  # zone-aware
    end: datetime


def parse_page(html: str) -> Catalogue | None:
    """The catalogue of a booking page's HTML; None when the page embeds no Next.js data."""
    match = NEXT_DATA_RE.search(html)
    if match is None:
        return None
    try:
        data = json.loads(match[1])
    except ValueError:
        raise SiteChanged(
            "the page's __NEXT_DATA__ is not JSON", selector="#__NEXT_DATA__"
        ) from None
    try:
        return catalogue_from(data)
    except CatalogueError as exc:
        raise SiteChanged(
            f"the page's catalogue changed: {exc}", selector="#__NEXT_DATA__"
        ) from None


def graphql_url_for(page_url: str) -> str:
    """Moxie's GraphQL for pages on joinmoxie.com; for any other host (a clinic's own domain,
    the sandbox) the same origin's `/v1/graphql`. A clinic profile may name another."""
    parts = urlsplit(page_url)
    if (parts.hostname or "").endswith("joinmoxie.com"):
        return MOXIE_GRAPHQL_URL
    return f"{parts.scheme}://{parts.netloc}/v1/graphql"


def cached_catalogue(page_url: str) -> tuple[bool, Catalogue | None]:
    """(known, catalogue) from the process-wide cache."""
    hit = _catalogues.get(page_url)
    if hit is None or hit[0] < time.monotonic():
        return False, None
    return True, hit[1]


def known_catalogues() -> list[Catalogue]:
    """Every catalogue this process has read and still holds (for naming, never a request)."""
    now = time.monotonic()
    return [c for expires, c in _catalogues.values() if c is not None and expires >= now]


def remember(page_url: str, catalogue: Catalogue | None) -> None:
    _catalogues[page_url] = (time.monotonic() + CATALOGUE_TTL_S, catalogue)


def fetch_catalogue_now(page_url: str) -> Catalogue | None:
    """The catalogue, from plain synchronous code (the task form): cached, else one GET."""
    known, catalogue = cached_catalogue(page_url)
    if known:
        return catalogue
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True,
                      headers={"User-Agent": USER_AGENT}) as client:  # fmt: skip
        response = client.get(page_url)
    catalogue = parse_page(response.text) if response.status_code == 200 else None
    remember(page_url, catalogue)
    return catalogue


class ClinicApi:
    """One adapter's HTTP client for one clinic's booking page."""

    def __init__(self, page_url: str, zone: ZoneInfo, *, graphql_url: str | None = None) -> None:
        self.page_url = page_url
        self.zone = zone  # for slot times a site sends without an offset
        self.graphql_url = graphql_url or graphql_url_for(page_url)
        self.client = httpx.AsyncClient(
            timeout=TIMEOUT_S, follow_redirects=True, headers={"User-Agent": USER_AGENT}
        )
        self.site_now: datetime | None = None  # the site's clock, from its last Date header

    async def aclose(self) -> None:
        await self.client.aclose()

    async def catalogue(self, *, step: str) -> Catalogue | None:
        known, catalogue = cached_catalogue(self.page_url)
        if known:
            return catalogue
        response = await self._send("GET", self.page_url, step=step)
        catalogue = parse_page(response.text) if response.status_code == 200 else None
        remember(self.page_url, catalogue)
        return catalogue

    async def time_slots(
        self, clinic: Catalogue, service: Service, provider: Provider, day: date, *, step: str
    ) -> list[TimeSlot]:
        """One provider's free starts of `service` on `day` (`providerId` is the user-medspa
        id; `noPreference` is never asked, it is known to answer nothing at times)."""
        wanted = {"serviceMenuItemId": service.site_id, "noPreference": False, "order": 1,
                  "providerId": provider.site_id}  # fmt: skip
        variables = {"medspaId": clinic.site_id, "startDate": day.isoformat(),
                     "endDate": day.isoformat(), "services": [wanted]}  # fmt: skip
        body = {"operationName": "AvailableTimeSlots", "query": SLOTS_QUERY,
                "variables": variables}  # fmt: skip
        response = await self._send("POST", self.graphql_url, step=step, json=body)
        return self._slots(response, day, step)

    def _slots(self, response: httpx.Response, day: date, step: str) -> list[TimeSlot]:
        try:
            payload: dict[str, Any] = response.json()
        except ValueError:
            raise SiteChanged(
                f"step {step}: AvailableTimeSlots answered {response.status_code}, not JSON",
                step=step, selector="AvailableTimeSlots",
            ) from None  # fmt: skip
        if payload.get("errors"):
            why = "; ".join(str(e.get("message")) for e in payload["errors"])
            raise SiteChanged(
                f"step {step}: AvailableTimeSlots refused: {why}",
                step=step, selector="AvailableTimeSlots",
            )  # fmt: skip
        try:
            dates = payload["data"]["availableTimeSlots"]["dates"]
            return [
                TimeSlot(self._instant(s["start"]), self._instant(s["end"]))
                for d in dates
                if d["date"] == day.isoformat()
                for s in d["slots"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise SiteChanged(
                f"step {step}: AvailableTimeSlots answer changed ({exc!r})",
                step=step, selector="availableTimeSlots.dates[].slots[]",
            ) from None  # fmt: skip

    def _instant(self, text: str) -> datetime:
        at = datetime.fromisoformat(text)
        return at if at.tzinfo else at.replace(tzinfo=self.zone)  # naive: the clinic's time

    async def _send(self, method: str, url: str, *, step: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise Transient(f"step {step}: {url} did not answer ({type(exc).__name__})",
                            step=step) from None  # fmt: skip
        with contextlib.suppress(KeyError, TypeError, ValueError):
            self.site_now = parsedate_to_datetime(response.headers["date"])
        if response.status_code >= 500 or response.status_code == 429:
            raise Transient(f"step {step}: the site answered {response.status_code}", step=step)
        return response
