"""The six-step variant's data as the real Moxie widget serves it (`shared/sites/moxie.md`):
the catalogue a Next.js page embeds in `__NEXT_DATA__` and serves at
`/_next/data/<buildId>/booking/<slug>.json`, and the GraphQL `AvailableTimeSlots` answer.

The same diary as the five-step widget (one `FrontDesk`), under Moxie's own ids: services and
providers ("user-medspas") are numbered, providers have a first and a last name, prices are
strings such as "250.00", and slot times are ISO with their UTC offset.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from autobook.sandbox.clinic.catalog import (
    CLINIC_NAME,
    PROVIDER_BY_ID,
    PROVIDERS,
    SERVICE_BY_ID,
    SERVICES,
    Provider,
    Service,
    providers_for,
)

if TYPE_CHECKING:
    from autobook.sandbox.clinic.desk import FrontDesk

SLUG = "lumen-skin-clinic"
MEDSPA_ID = "417"
BUILD_ID = "kX3v9Qm2ZrTb1Yw7"
LAST_NAMES = {"brandi": "Lopez", "alex": "Morgan", "sam": "Patel"}
# Moxie's numeric ids for our providers and services.
USER_MEDSPA_IDS = {p.id: str(1201 + i) for i, p in enumerate(PROVIDERS)}
MENU_ITEM_IDS = {s.id: str(8801 + i) for i, s in enumerate(SERVICES)}
PROVIDER_BY_UM = {um: PROVIDER_BY_ID[pid] for pid, um in USER_MEDSPA_IDS.items()}
SERVICE_BY_ITEM = {item: SERVICE_BY_ID[sid] for sid, item in MENU_ITEM_IDS.items()}
MAX_RANGE_DAYS = 62  # a query spanning more days than this is refused, as APIs do


def full_name(provider: Provider) -> str:
    return f"{provider.name} {LAST_NAMES[provider.id]}"


def _user_medspa(provider: Provider) -> dict[str, Any]:
    return {
        "id": USER_MEDSPA_IDS[provider.id],
        "user": {"firstName": provider.name, "lastName": LAST_NAMES[provider.id]},
    }


def _menu_item(service: Service) -> dict[str, Any]:
    return {
        "id": MENU_ITEM_IDS[service.id],
        "name": service.name,
        "price": f"{service.price_pence / 100:.2f}",
        "description": service.description,
        "durationInMinutes": service.duration_min,
        "isVariablePricing": False,
        "isAddon": False,
        "serviceMenuAdditionalPublicInfo": {
            "eligibleProvidersDetails": [
                {"userMedspa": _user_medspa(p), "customDuration": None}
                for p in providers_for(service.id)
            ]
        },
    }


def page_props() -> dict[str, Any]:
    """`pageProps` of the booking page: the clinic, its providers and its service menu."""
    categories: dict[str, list[dict[str, Any]]] = {}
    for service in SERVICES:
        categories.setdefault(service.category, []).append(_menu_item(service))
    return {
        "medspaInfo": {
            "id": MEDSPA_ID,
            "name": CLINIC_NAME,
            "slug": SLUG,
            "timezone": "Europe/London",
            "userMedspas": [_user_medspa(p) for p in PROVIDERS],
            "serviceCategories": [
                {"name": name, "medspaServiceMenuItems": items}
                for name, items in categories.items()
            ],
        }
    }


def next_data() -> dict[str, Any]:
    """The `__NEXT_DATA__` object of the page."""
    return {
        "props": {"pageProps": page_props(), "__N_SSP": True},
        "page": "/booking/[slug]",
        "query": {"slug": SLUG},
        "buildId": BUILD_ID,
        "isFallback": False,
        "gssp": True,
        "scriptLoader": [],
    }


class QueryError(ValueError):
    """A GraphQL request the server refuses; the message goes into `errors[]`."""


def available_time_slots(desk: FrontDesk, variables: dict[str, Any]) -> dict[str, Any]:
    """`AvailableTimeSlots`: free starts per day of the first service in `services[]`, for one
    provider (`providerId`, a user-medspa id) or for anyone (`noPreference`)."""
    if str(variables.get("medspaId")) != MEDSPA_ID:
        raise QueryError("medspa not found")
    try:
        first = date.fromisoformat(str(variables["startDate"]))
        last = date.fromisoformat(str(variables["endDate"]))
        [wanted] = variables["services"][:1]
        service = SERVICE_BY_ITEM[str(wanted["serviceMenuItemId"])]
    except (KeyError, ValueError, TypeError) as exc:
        raise QueryError(f"invalid variables: {exc}") from None
    if last < first or (last - first).days > MAX_RANGE_DAYS:
        raise QueryError("invalid date range")
    providers = providers_for(service.id)
    if not wanted.get("noPreference") and wanted.get("providerId") is not None:
        provider = PROVIDER_BY_UM.get(str(wanted["providerId"]))
        if provider is None or provider not in providers:
            raise QueryError("provider does not offer this service")
        providers = [provider]
    dates = []
    with desk.site.lock:
        desk.sweep()
        now = desk.now()
        day = first
        while day <= last:
            starts: set[Any] = set()
            if desk.is_bookable_day(day):
                for provider in providers:
                    starts.update(desk.schedule.free_starts(provider, service, day, after=now))
            slots = [
                {"start": s.isoformat(), "end": (s + service.duration).isoformat()}
                for s in sorted(starts)
            ]
            dates.append({"date": day.isoformat(), "slots": slots})
            day += timedelta(days=1)
    return {"availableTimeSlots": {"dates": dates}}
