"""Contract of the six-step clinic widget (origin "moxie") against `shared/sites/moxie.md`,
over real HTTP: the Next.js page and its `__NEXT_DATA__`, the `_next/data` JSON, GraphQL
`AvailableTimeSlots` (times with their offset) and its refusals, and a booking with the seed's
test cards. The browser-side steps are covered by the engine's tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from autobook.sandbox.runner import Sandbox

FIXED_NOW = "2026-03-24T09:00:00+00:00"  # a Tuesday; British Summer Time starts on the 29th
THURSDAY, AFTER_DST = "2026-03-26", "2026-04-02"
PAGE = "/booking/lumen-skin-clinic"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = Sandbox.create(["clinic"], seed="empty").start()
    yield box
    box.stop()


@pytest.fixture
def moxie(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url("clinic", "moxie"), timeout=10) as c:
        c.post("/_sandbox/clock", json={"now": FIXED_NOW}).raise_for_status()
        c.post("/_sandbox/reset").raise_for_status()
        yield c


def next_data(c: httpx.Client) -> dict[str, Any]:
    html = c.get(PAGE).text
    match = re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', html)
    assert match, "no __NEXT_DATA__"
    return json.loads(match[1])


def ids(c: httpx.Client) -> tuple[str, dict[str, str], dict[str, str]]:
    """The medspa id, service ids by name and user-medspa ids by first name."""
    info = next_data(c)["props"]["pageProps"]["medspaInfo"]
    items = [i for cat in info["serviceCategories"] for i in cat["medspaServiceMenuItems"]]
    people = {u["user"]["firstName"]: u["id"] for u in info["userMedspas"]}
    return info["id"], {i["name"]: i["id"] for i in items}, people


def slots(c: httpx.Client, day: str, service: str, provider: str | None) -> dict[str, Any]:
    medspa, services, people = ids(c)
    wanted: dict[str, Any] = {"serviceMenuItemId": services[service], "order": 1,
                              "noPreference": provider is None}  # fmt: skip
    if provider:
        wanted["providerId"] = people[provider]
    body = {"operationName": "AvailableTimeSlots", "query": "query AvailableTimeSlots { x }",
            "variables": {"medspaId": medspa, "startDate": day, "endDate": day,
                          "services": [wanted]}}  # fmt: skip
    return c.post("/v1/graphql", json=body).json()


def test_the_page_is_a_next_app_with_its_catalogue(moxie: httpx.Client) -> None:
    data = next_data(moxie)
    assert data["buildId"] and data["page"] == "/booking/[slug]"
    info = data["props"]["pageProps"]["medspaInfo"]
    item = info["serviceCategories"][0]["medspaServiceMenuItems"][0]
    assert {"id", "name", "price", "durationInMinutes", "isAddon"} <= set(item)
    assert isinstance(item["price"], str) and re.fullmatch(r"\d+\.\d\d", item["price"])
    [eligible, *_] = item["serviceMenuAdditionalPublicInfo"]["eligibleProvidersDetails"]
    assert set(eligible["userMedspa"]["user"]) == {"firstName", "lastName"}
    json_url = f"/_next/data/{data['buildId']}{PAGE}.json"
    assert moxie.get(json_url).json()["pageProps"] == data["props"]["pageProps"]
    assert moxie.get(f"/_next/data/stale-build{PAGE}.json").status_code == 404


def test_available_time_slots_carry_their_offset(moxie: httpx.Client) -> None:
    before = slots(moxie, THURSDAY, "Botox", "Brandi")["data"]["availableTimeSlots"]["dates"]
    assert [d["date"] for d in before] == [THURSDAY]
    first = before[0]["slots"][0]
    assert first["start"] == f"{THURSDAY}T10:00:00+00:00"  # Brandi starts at 10, GMT
    span = datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"])
    assert span == timedelta(minutes=30)  # Botox's duration
    after = slots(moxie, AFTER_DST, "Botox", "Brandi")["data"]["availableTimeSlots"]["dates"]
    assert after[0]["slots"][0]["start"] == f"{AFTER_DST}T10:00:00+01:00"  # BST
    anyone = slots(moxie, THURSDAY, "Botox", None)["data"]["availableTimeSlots"]["dates"]
    assert anyone[0]["slots"][0]["start"] == f"{THURSDAY}T09:00:00+00:00"  # Alex, from 9


def test_refusals_come_as_graphql_errors(moxie: httpx.Client) -> None:
    assert slots(moxie, THURSDAY, "HydraFacial", "Brandi")["errors"]  # she does not offer it
    probe = moxie.post("/v1/graphql", json={"query": "{ __schema { types { name } } }"})
    assert "introspection" in probe.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("card", "ok", "words"),
    [("4111111111111111", True, ""), ("4000000000000002", False, "declined"),
     ("4000000000000069", False, "expired")],
)  # fmt: skip
def test_booking_with_the_seeds_test_cards(
    moxie: httpx.Client, card: str, ok: bool, words: str
) -> None:
    medspa, services, people = ids(moxie)
    start, end = f"{THURSDAY}T14:30:00+00:00", f"{THURSDAY}T15:00:00+00:00"
    variables = {
        "medspaId": medspa, "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com",
        "phone": "+447700900123", "note": "", "bookingFlow": "online", "isNewClient": True,
        "noPreferenceProviderUsed": False,
        "services": [{"serviceMenuItemId": services["Botox"], "providerId": people["Alex"],
                      "startTime": start, "endTime": end}],
        "payment": {"cardNumber": card, "expiry": "12/30", "cvc": "123"},
    }  # fmt: skip
    body = {"operationName": "CreateAppointmentByClient", "query": "mutation X { y }",
            "variables": variables}  # fmt: skip
    answer = moxie.post("/v1/graphql", json=body).json()["data"]["createAppointmentByClient"]
    assert answer["ok"] is ok and words in answer["message"].lower()
    booked = moxie.get("/_sandbox/events", params={"kind": "booking"}).json()
    assert len(booked) == (1 if ok else 0)
    if ok:
        ref = answer["scheduledAppointment"]["id"]
        thanks = moxie.get(f"{PAGE}/thank-you", params={"appointment": ref})
        assert thanks.status_code == 200 and f"Confirmation number: <b>{ref}</b>" in thanks.text
        assert booked[0]["slot"] == f"alex/{THURSDAY}/14:30"
