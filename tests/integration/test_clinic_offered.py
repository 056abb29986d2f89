"""The clinic's services and providers in the task form and the sites API come from its
booking page (the six-step widget's catalogue data), not from code; a clinic whose page cannot
be reached leaves free-text fields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import api_client
from fastapi.testclient import TestClient
from test_ui_helpers import signed_in

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox.create(["clinic"], seed="empty").start()
    yield sandbox
    sandbox.stop()


def client_for(settings: Settings, runtime: Runtime, clinic_url: str) -> Iterator[TestClient]:
    runtime.settings = settings.model_copy(update={"clinic_url": clinic_url})
    yield from signed_in(runtime.settings, runtime)


@pytest.fixture
def client(settings: Settings, runtime: Runtime, box: Sandbox) -> Iterator[TestClient]:
    page = box.url("clinic", "moxie") + "/booking/lumen-skin-clinic"
    yield from client_for(settings, runtime, page)


def test_the_task_form_offers_the_clinics_own_services_and_providers(client: TestClient) -> None:
    fields = client.get(
        "/tasks/new/fields", params={"site": "clinic", "venue": "lumen-skin-clinic"}
    ).text
    assert '<option value="lumen-skin-clinic" selected>Lumen Skin Clinic</option>' in fields
    for key, name in (("botox", "Botox (30 min)"), ("hydrafacial", "HydraFacial (60 min)")):
        assert f'<option value="{key}">{name}</option>' in fields
    for provider in ("brandi-lopez", "alex-morgan", "sam-patel"):  # the page's full names
        assert f'<option value="{provider}">' in fields


def test_the_sites_api_offers_them_too(settings: Settings, runtime: Runtime, box: Sandbox) -> None:
    page = box.url("clinic", "moxie") + "/booking/lumen-skin-clinic"
    runtime.settings = settings.model_copy(update={"clinic_url": page})
    with api_client(runtime.settings, runtime) as api:
        site = api.get("/api/v1/sites/clinic").json()
    [venue] = site["venues"]
    assert venue["key"] == "lumen-skin-clinic" and "alex-morgan" in venue["sub_locations"]
    assert [a["key"] for a in site["activities"]][:2] == ["botox", "lip-filler"]


def test_an_unreachable_clinic_leaves_free_text(settings: Settings, runtime: Runtime) -> None:
    for client in client_for(settings, runtime, "http://127.0.0.1:9/booking/nowhere"):
        fields = client.get("/tasks/new/fields", params={"site": "clinic"}).text
        assert 'name="venue"' in fields and '<select id="venue"' not in fields
