"""Opening a booking session: the request is checked against the settings (which hosts may be
browsed, a callback secret) and against what the clinic offers, then stored in `created`,
where it waits for a free browser. A refusal is a `ValueError("field: why")`; nothing is
written then."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import httpx

from autobook.config import Settings
from autobook.db import handoffs as repo
from autobook.db.session import transaction
from autobook.domain.booking import SiteInfo
from autobook.domain.handoff import SessionRequest
from autobook.runtime import Runtime
from autobook.sites.base import SiteError
from autobook.sites.clinic.adapter import ClinicAdapter


def check_booking_url(settings: Settings, url: str) -> str:
    """The URL if its host is on the allow-list (SSRF: no internal addresses on request)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("bookingUrl: must be an http:// or https:// URL")
    allowed = settings.handoff_hosts
    if parts.netloc.lower() not in allowed and parts.hostname.lower() not in allowed:
        raise ValueError(
            f"bookingUrl: the host {parts.hostname!r} is not on AUTOBOOK_HANDOFF_ALLOWED_HOSTS"
        )
    return url


def check_offered(info: SiteInfo, service: str | None, provider: str | None) -> None:
    """The service and provider asked for are ones the clinic's page offers."""
    if service and info.activities:
        names = {a.key.casefold() for a in info.activities} | {
            a.name.casefold() for a in info.activities
        }
        if service.casefold() not in names:
            offered = ", ".join(a.name for a in info.activities)
            raise ValueError(f"service: the clinic does not offer {service!r}; it offers {offered}")
    if provider and info.venues:
        wanted = provider.casefold()
        people = info.venues[0].sub_locations
        if not any(wanted in (p.casefold(), p.split("-")[0].casefold()) for p in people):
            raise ValueError(
                f"provider: no provider {provider!r} at this clinic; {', '.join(people)} are"
            )


def clinic_offers(url: str) -> SiteInfo:
    """What the page at `url` offers where it carries its data (one GET, cached). A page
    without data is not read in a browser here (that takes a minute): its service and
    provider are checked as the session walks through it, and a miss ends it failed naming
    the field. Blocking: call it from a thread."""
    try:
        return ClinicAdapter.offered({"clinic": url})
    except (SiteError, httpx.HTTPError) as exc:
        raise ValueError(f"bookingUrl: the booking page could not be read ({exc})") from None


def open_session(runtime: Runtime, request: SessionRequest, *, info: SiteInfo) -> str:
    """Store the checked request as a session in `created`; its id."""
    settings = runtime.settings
    if request.callback_url and not settings.handoff_callback_secret:
        raise ValueError(
            "callbackUrl: callbacks are signed; set AUTOBOOK_HANDOFF_CALLBACK_SECRET first"
        )
    check_offered(info, request.service, request.provider)
    session_id = str(uuid.uuid4())
    with transaction(runtime.sessions) as session:
        repo.create_session(
            session,
            session_id=session_id,
            booking_url=request.booking_url,
            request=request.as_json(),
            callback_url=request.callback_url,
            url_ttl=timedelta(seconds=settings.handoff_url_ttl_s),
        )
    return session_id
