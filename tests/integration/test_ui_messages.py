"""Every form's errors in plain words (`web.messages`): the summary at the top lists each
problem as a sentence naming the field by its label and links to the field; the API's
`detail` says the same without pydantic's wording."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import add_account, future_day, post, signed_in
from test_web_helpers import csrf_of, make_token

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.sites.clinic import api as clinic_api
from autobook.web.app import create_app
from engine_support import add_task

SUMMARY = re.compile(r'<li data-field="([^"]+)"><a href="#([^"]+)">([^<]*)</a></li>')


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


def summary(html: str) -> list[tuple[str, str, str]]:
    """(field, the link's target, the sentence) of each entry of the error summary."""
    return SUMMARY.findall(html)


def test_an_empty_task_form_says_what_to_fill_in_and_marks_only_the_first_time_box(
    client: TestClient, runtime: Runtime
) -> None:
    add_account(runtime, "gym")
    response = post(client, "/tasks/new", {"site": "gym", "courts": "A, B",
                                           "times": ["", "", "", ""]})  # fmt: skip
    assert response.status_code == 422
    assert summary(response.text) == [
        ("venue", "venue", "Venue: choose one"),
        ("payment_method", "payment_method", "Payment method: choose one"),
        ("account_ids", "account_ids", "Accounts: choose at least one account to book with"),
        ("target_date", "target_date", "Date: enter a date"),
        ("times", "time1", "Add at least one time"),
    ]
    assert 'value="A, B"' in response.text  # what was typed stays
    marked = re.findall(r'<input id="(time\d)"[^>]*aria-invalid="true"', response.text)
    assert marked == ["time1"]
    assert "String should" not in response.text and "List should" not in response.text


def test_a_repeated_time_marks_its_own_box_only(client: TestClient, runtime: Runtime) -> None:
    account = add_account(runtime, "gym")
    form = {"site": "gym", "venue": "Fitness", "target_date": future_day().isoformat(),
            "times": ["19:00", "18:00", "19:00", ""], "account_ids": [str(account)],
            "payment_method": "benefit", "poll_interval_s": "soon"}  # fmt: skip
    response = post(client, "/tasks/new", form)
    assert summary(response.text) == [
        ("times.2", "time3", "3rd choice: this time is already listed"),
        ("poll_interval_s", "poll_interval_s", "Check every: enter a whole number"),
    ]
    marked = re.findall(r'<input id="(time\d)"[^>]*aria-invalid="true"', response.text)
    assert marked == ["time3"]
    assert 'value="soon"' in response.text


def test_a_task_needs_an_account_in_the_api_too(client: TestClient, runtime: Runtime) -> None:
    headers = {"Authorization": f"Bearer {make_token(runtime)}"}
    body = {"site": "gym", "venue": "Fitness", "target_date": future_day().isoformat(),
            "times": ["7pm"], "payment_method": "benefit"}  # fmt: skip
    refused = client.post("/api/v1/tasks", json=body, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {"field": "account_ids", "message": "choose at least one account to book with"}
    ]
    empty = client.post("/api/v1/tasks", json={**body, "times": [], "venue": ""}, headers=headers)
    assert empty.json()["detail"] == [
        {"field": "venue", "message": "choose one"},
        {"field": "times", "message": "add at least one time"},
    ]


SETTINGS_CASES = [
    ("/settings/accounts", {"display_name": "Sam", "password": "pw-Secret-99"}, [
        ("site", "site", "Site: choose one"),
        ("login", "login", "Login: enter the login"),
    ]),
    ("/settings/payments", {"alias": "Visa", "card_number": "1234", "expiry_month": "13",
                            "expiry_year": "1999", "cvv": "12"}, [
        ("cardholder_name", "cardholder_name", "Cardholder: enter the name on the card"),
        ("card_number", "card_number", "Card number: must be 12 to 19 digits"),
        ("expiry_month", "expiry_month", "Expiry month: must be 01 to 12"),
        ("expiry_year", "expiry_year",
         "Expiry year: must be this year or within the next 20 years"),
        ("cvv", "cvv", "CVV: must be 3 or 4 digits"),
    ]),
    ("/settings/tokens", {}, [("name", "name", "Token name: enter a name")]),
    ("/import", {}, [("file", "file", "CSV file: choose a CSV file")]),
]  # fmt: skip


@pytest.mark.parametrize(("path", "form", "expected"), SETTINGS_CASES, ids=lambda v: str(v)[:20])
def test_other_forms_word_their_errors_by_label(
    client: TestClient, path: str, form: dict[str, str], expected: list[tuple[str, str, str]]
) -> None:
    response = post(client, path, form)
    assert response.status_code == 422
    assert summary(response.text) == expected
    for value in form.values():  # typed values stay, secrets excepted
        secret = value in ("pw-Secret-99", "1234", "12")
        assert (f'value="{value}"' in response.text) is not secret, value


def test_the_setup_form_names_the_password_fields(settings: Settings, runtime: Runtime) -> None:
    with TestClient(create_app(settings, runtime=runtime)) as fresh:
        token = csrf_of(fresh, "/setup")
        empty = fresh.post("/setup", data={"csrf_token": token, "username": ""})
        assert summary(empty.text) == [
            ("username", "username", "Username: enter a username"),
            ("password", "password", "Password: enter a password"),
        ]
        differ = fresh.post("/setup", data={"csrf_token": token, "username": "owner",
                                            "password": "a long passphrase",
                                            "password_confirm": "another one!!"})  # fmt: skip
        assert summary(differ.text) == [
            ("password_confirm", "password_confirm", "Passwords: the two passwords differ")
        ]
        assert 'value="owner"' in differ.text and "a long passphrase" not in differ.text


def test_pages_name_venues_and_activities_as_the_site_does(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's "What" and the task page show the adapters' names; the API keeps keys.
    A clinic whose page was not read yet is shown by its key tidied."""
    monkeypatch.setattr(clinic_api, "_catalogues", {})  # no page read yet in this process
    day = future_day().isoformat()
    better = add_task(runtime, site="better", venue="hendon-leisure-centre",
                      activity="badminton-60min", target_date=day, times=["19:00"],
                      payment_method="credit")  # fmt: skip
    add_task(runtime, site="clinic", venue="lumen-skin-clinic", target_date=day,
             times=["10:00"], payment_method="handoff")  # fmt: skip
    dashboard = client.get("/").text
    assert "Hendon Leisure Centre · Badminton 60 min" in dashboard
    assert "Lumen skin clinic" in dashboard
    assert "hendon-leisure-centre" not in dashboard and "badminton-60min" not in dashboard
    page = client.get(f"/tasks/{better}").text
    assert "Hendon Leisure Centre" in page and "Badminton 60 min" in page
    assert "Account credit" in page and "badminton-60min" not in page
    bearer = {"Authorization": f"Bearer {make_token(runtime)}"}
    shown = client.get(f"/api/v1/tasks/{better}", headers=bearer).json()
    assert (shown["venue"], shown["activity"]) == ("hendon-leisure-centre", "badminton-60min")


def test_each_settings_section_is_a_page_with_its_own_errors(client: TestClient) -> None:
    payments = client.get("/settings/payments")
    assert payments.status_code == 200
    assert 'id="payments"' in payments.text and 'id="accounts"' not in payments.text
    assert client.get("/settings/nowhere").status_code == 404
    bad = post(client, "/settings/payments", {"alias": "Visa"})
    section = bad.text.index('id="payments"')
    assert 'id="accounts"' not in bad.text  # only the section the user submitted
    summary_at = bad.text.index('data-testid="error-summary"')
    assert section < summary_at < bad.text.index('action="/settings/payments"')
    added = post(client, "/settings/tokens", {"name": "x" * 101})
    assert summary(added.text) == [("name", "name", "Token name: use at most 100 characters")]
    assert f'value="{"x" * 101}"' in added.text


def test_the_favicon_is_served_without_signing_in(settings: Settings, runtime: Runtime) -> None:
    with TestClient(create_app(settings, runtime=runtime)) as anonymous:
        icon = anonymous.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00" and b"PNG" in icon.content[:40]
