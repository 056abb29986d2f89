"""The admin's forms on a real database: the task form (choices from the site adapters, the
htmx partial, bad input kept with the error next to its field and nothing written), the
settings forms (accounts, payment profiles, notification URLs, API tokens) and the CSV
import with per-row errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_ui_helpers import (
    CARD_NUMBER,
    add_account,
    future_day,
    post,
    signed_in,
)
from test_web_helpers import row_counts

from autobook.config import Settings
from autobook.db.auth import resolve_token
from autobook.db.models import Meta, PaymentProfile, SiteAccount, Task
from autobook.db.session import transaction
from autobook.runtime import Runtime


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


def _tasks(runtime: Runtime) -> list[Task]:
    with transaction(runtime.sessions) as session:
        return list(session.scalars(select(Task)))


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{re.escape(field)}-error">([^<]*)<', html)
    assert match, f"no error shown by {field}"
    return match.group(1)


def _task_form(account: int, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"site": "gym", "venue": "X1", "sub_location": "A",
                            "activity": "gym-60min", "target_date": future_day().isoformat(),
                            "times": ["19:00", "18:00", ""], "account_ids": [str(account)],
                            "payment_method": "benefit", "strategy": "watch",
                            "poll_interval_s": "30"}  # fmt: skip
    form.update(changes)
    return form


def test_task_form_offers_the_sites_choices_and_reloads_them(
    client: TestClient, runtime: Runtime
) -> None:
    add_account(runtime, "gym")
    page = client.get("/tasks/new")
    assert 'hx-get="/tasks/new/fields"' in page.text and 'hx-target="#site-fields"' in page.text
    assert "Hendon Leisure Centre" in page.text  # the first site (Better) is the default
    gym = client.get("/tasks/new/fields", params={"site": "gym", "venue": "X1"})
    assert gym.status_code == 200 and "<html" not in gym.text
    assert '<option value="X1" selected>' in gym.text
    assert '<select id="sub_location"' in gym.text and '<option value="B">' in gym.text
    assert "48 hours before the start" in gym.text and "Alex" in gym.text
    assert '<option value="benefit"' in gym.text and '<option value="card"' not in gym.text
    fitness = client.get("/tasks/new/fields", params={"site": "gym", "venue": "Fitness"})
    assert '<select id="sub_location"' not in fitness.text  # no areas in that venue
    clinic = client.get("/tasks/new/fields", params={"site": "clinic"})
    # No clinic URL set: nothing to read its services from, so the fields are free text.
    assert "Moxie-style booking page" in clinic.text and "No account for this site" in clinic.text
    odd = client.get("/tasks/new/fields", params={"site": "<nope>"})
    assert odd.status_code == 200 and "&lt;nope&gt;" not in odd.text


def test_task_form_creates_the_task(client: TestClient, runtime: Runtime) -> None:
    account = add_account(runtime, "gym")
    response = post(client, "/tasks/new", _task_form(account, dry_run="1", book_all="1"))
    assert response.status_code == 303
    [task] = _tasks(runtime)
    assert response.headers["location"] == f"/tasks/{task.id}"
    where = (task.site, task.venue, task.sub_location, task.activity)
    assert where == ("gym", "X1", "A", "gym-60min")
    assert task.time_preferences == ["19:00", "18:00"] and task.dry_run is True
    assert task.book_all is True
    assert task.status == "pending"
    page = client.get(response.headers["location"])
    assert "19:00, 18:00" in page.text and "dry run" in page.text
    assert "books every listed time" in page.text


BAD_TASKS = [
    ({"target_date": ""}, "target_date"),
    ({"target_date": "31/02/2030"}, "target_date"),
    ({"times": ["", ""]}, "times"),
    ({"times": ["25:99"]}, "times.0"),  # only the box at fault is marked
    ({"times": ["19:00", "7pm"]}, "times.1"),
    ({"venue": "Nowhere"}, "venue"),
    ({"venue": ""}, "venue"),
    ({"sub_location": "Z"}, "sub_location"),
    ({"activity": "rowing"}, "activity"),
    ({"payment_method": "card"}, "payment_profile_id"),
    ({"payment_method": "card", "payment_profile_id": "1"}, "payment_method"),
    ({"payment_method": "bitcoin"}, "payment_method"),
    ({"strategy": "hope"}, "strategy"),
    ({"poll_interval_s": "1"}, "poll_interval_s"),
    ({"poll_interval_s": "soon"}, "poll_interval_s"),
    ({"duration_minutes": "-5"}, "duration_minutes"),
    ({"account_ids": ["999"]}, "account_ids"),
    ({"account_ids": ["abc"]}, "account_ids"),
    ({"site": "myspace"}, "site"),
    ({"payment_profile_id": "99999999999"}, "payment_profile_id"),
]


def test_task_form_shows_bad_input_by_its_field_and_keeps_the_values(
    client: TestClient, runtime: Runtime
) -> None:
    account = add_account(runtime, "gym")
    for changes, field in BAD_TASKS:
        response = post(client, "/tasks/new", _task_form(account, courts="A, B", **changes))
        assert response.status_code == 422, changes
        assert _field_error(response.text, field), changes
        assert 'value="A, B"' in response.text  # the form keeps what was typed
        assert "Traceback" not in response.text
    assert _tasks(runtime) == []


def test_task_form_checks_the_account_belongs_to_the_site(
    client: TestClient, runtime: Runtime
) -> None:
    other = add_account(runtime, "better", "ben@example.com")
    response = post(client, "/tasks/new", _task_form(other))
    assert response.status_code == 422
    assert "is for better, not gym" in _field_error(response.text, "account_ids")
    assert _tasks(runtime) == []


def test_settings_adds_and_removes_an_account(client: TestClient, runtime: Runtime) -> None:
    form = {"site": "estelle", "display_name": "Sam", "login": "sam@example.com",
            "password": "hunter2-site", "daily_limit": "2"}  # fmt: skip
    added = post(client, "/settings/accounts", form)
    assert added.status_code == 303
    page = client.get(added.headers["location"])
    assert "sam@example.com" in page.text and "Account added" in page.text
    assert "hunter2-site" not in page.text
    again = post(client, "/settings/accounts", form)
    assert again.status_code == 422 and "exists" in _field_error(again.text, "login")
    assert "hunter2-site" not in again.text and 'value="sam@example.com"' in again.text
    with transaction(runtime.sessions) as session:
        account = session.scalars(select(SiteAccount)).one()
        assert account.daily_limit == 2 and "hunter2" not in account.password_enc
    assert post(client, f"/settings/accounts/{account.id}/remove").status_code == 303
    assert "No site accounts yet" in client.get("/settings").text


def test_settings_adds_a_clinic_patient_with_a_phone(client: TestClient, runtime: Runtime) -> None:
    form = {"site": "clinic", "display_name": "Jane Doe", "login": "jane@example.com",
            "password": "anything-1", "phone": "+44 7700 900123"}  # fmt: skip
    assert 'name="phone"' in client.get("/settings").text
    assert "Phone (clinic bookings)" in client.get("/settings").text
    added = post(client, "/settings/accounts", form)
    assert added.status_code == 303
    assert "+44 7700 900123" in client.get(added.headers["location"]).text  # shown, not secret
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(SiteAccount.phone)).one() == "+44 7700 900123"


def test_a_blank_phone_is_no_phone(client: TestClient, runtime: Runtime) -> None:
    form = {"site": "gym", "display_name": "Ann", "login": "ann@example.com",
            "password": "pw-Secret-99", "phone": "  "}  # fmt: skip
    assert post(client, "/settings/accounts", form).status_code == 303
    with transaction(runtime.sessions) as session:
        assert session.scalars(select(SiteAccount.phone)).one() is None


BAD_ACCOUNTS = [({"site": "nope"}, "site"), ({"login": ""}, "login"),
                ({"password": ""}, "password"), ({"daily_limit": "lots"}, "daily_limit"),
                ({"display_name": "x" * 101}, "display_name"), ({"phone": "call me"}, "phone"),
                ({"phone": "+44 12"}, "phone"), ({"phone": "9" * 40}, "phone")]  # fmt: skip


def test_settings_refuses_a_bad_account(client: TestClient, runtime: Runtime) -> None:
    before = row_counts(runtime)
    for changes, field in BAD_ACCOUNTS:
        form = {"site": "gym", "display_name": "Ann", "login": "ann@example.com",
                "password": "pw-Secret-99", **changes}  # fmt: skip
        response = post(client, "/settings/accounts", form)
        assert response.status_code == 422 and _field_error(response.text, field), changes
        assert "pw-Secret-99" not in response.text
        if field == "phone":  # not a secret: kept in the form to correct it
            assert f'value="{changes["phone"]}"' in response.text
    assert row_counts(runtime) == before


def test_settings_adds_a_masked_payment_profile(client: TestClient, runtime: Runtime) -> None:
    account = add_account(runtime)
    form = {"alias": "Visa", "cardholder_name": "Alex M", "card_number": "4111 1111 1111 1111",
            "expiry_month": "7", "expiry_year": "2031", "account_id": str(account),
            "cvv": "123", "store_cvv": "1"}  # fmt: skip
    assert post(client, "/settings/payments", form).status_code == 303
    page = client.get("/settings")
    assert "•••• 1111" in page.text and "4111111111111111" not in page.text
    assert "4111 1111 1111 1111" not in page.text and ">stored<" in page.text
    with transaction(runtime.sessions) as session:
        profile = session.scalars(select(PaymentProfile)).one()
        saved = (profile.expiry_month, profile.expiry_year, profile.account_id)
        assert saved == ("07", "31", account)
    assert post(client, f"/settings/payments/{profile.id}/remove").status_code == 303
    assert "No payment profiles yet" in client.get("/settings").text


BAD_CARDS = [({"card_number": "4111111111111112"}, "card_number"),
             ({"card_number": "12ab"}, "card_number"), ({"expiry_month": "13"}, "expiry_month"),
             ({"expiry_year": "1999"}, "expiry_year"),
             ({"cvv": "12345", "store_cvv": "1"}, "cvv"),
             ({"account_id": "424242"}, "account_id"), ({"alias": ""}, "alias")]  # fmt: skip


def test_settings_refuses_a_bad_card_without_echoing_it(
    client: TestClient, runtime: Runtime
) -> None:
    before = row_counts(runtime)
    for changes, field in BAD_CARDS:
        form = {"alias": "Visa", "cardholder_name": "Alex M", "card_number": CARD_NUMBER,
                "expiry_month": "07", "expiry_year": "2031", **changes}  # fmt: skip
        response = post(client, "/settings/payments", form)
        assert response.status_code == 422 and _field_error(response.text, field), changes
        assert form["card_number"] not in response.text
    assert row_counts(runtime) == before


def test_a_cvv_needs_the_opt_in(client: TestClient, runtime: Runtime) -> None:
    form = {"alias": "Visa", "cardholder_name": "Alex M", "card_number": CARD_NUMBER,
            "expiry_month": "07", "expiry_year": "2031", "cvv": "739"}  # fmt: skip
    response = post(client, "/settings/payments", form)
    assert response.status_code == 422 and "store_cvv" in response.text
    assert "739" not in response.text.replace("7391", "")


def test_notification_urls_are_stored_encrypted_and_shown_masked(
    client: TestClient, runtime: Runtime
) -> None:
    urls = "json://127.0.0.1:9/hook?token=sekrit-notify-token\ndiscord://1234/abcd-webhook"
    assert post(client, "/settings/notifications", {"notify_urls": urls}).status_code == 303
    page = client.get("/settings")
    assert "<code>json://…</code>" in page.text and "<code>discord://…</code>" in page.text
    assert "sekrit-notify-token" not in page.text and "abcd-webhook" not in page.text
    with transaction(runtime.sessions) as session:
        stored = session.get(Meta, "notify_urls")
        assert stored is not None and "sekrit" not in stored.value
        assert runtime.vault.decrypt(stored.value).splitlines() == urls.splitlines()
    bad = post(client, "/settings/notifications", {"notify_urls": "not a url sekrit-2"})
    assert bad.status_code == 422 and "URL 1" in _field_error(bad.text, "notify_urls")
    assert "sekrit-2" not in bad.text
    assert post(client, "/settings/notifications", {"notify_urls": ""}).status_code == 303
    with transaction(runtime.sessions) as session:
        assert session.get(Meta, "notify_urls") is None
    assert "No notification URLs" in client.get("/settings").text


def test_api_token_is_shown_once_and_can_be_revoked(client: TestClient, runtime: Runtime) -> None:
    created = post(client, "/settings/tokens", {"name": "phone"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    token = re.search(r'data-testid="new-token">(abk_[^<]+)<', created.text)
    assert token, "the new token is not on the page"
    plaintext = token.group(1)
    api = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {plaintext}"})
    assert api.status_code == 200
    later = client.get("/settings")
    assert plaintext not in later.text and plaintext[:10] in later.text
    with transaction(runtime.sessions) as session:
        token_id = resolve_token(session, plaintext).id  # type: ignore[union-attr]
    assert post(client, f"/settings/tokens/{token_id}/revoke").status_code == 303
    assert ">revoked<" in client.get("/settings").text
    refused = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {plaintext}"})
    assert refused.status_code == 401
    assert post(client, "/settings/tokens", {"name": "  "}).status_code == 422
    assert post(client, "/settings/tokens/777/revoke").status_code == 404


def _upload(client: TestClient, text: str, **fields: Any):
    files = {"file": ("tasks.csv", text.encode(), "text/csv")}
    return post(client, "/import", fields, files=files)


def test_import_names_the_bad_row_and_imports_nothing(client: TestClient, runtime: Runtime) -> None:
    add_account(runtime, "gym")
    day = future_day().isoformat()
    csv = f"Date,Time1,Time2,Status\n{day},7pm,8pm,Book\n2020-01-01,7pm,,Book\n{day},9pm,,Skip\n"
    defaults = {"site": "gym", "venue": "X1", "activity": "gym-60min",
                "payment_method": "benefit", "all_or_nothing": "1"}  # fmt: skip
    response = _upload(client, csv, **defaults)
    assert response.status_code == 422
    rows = re.findall(r'data-label="Line">(\w+)</td><td data-label="Column">(\w+)</td>',
                      response.text)  # fmt: skip
    assert rows == [("3", "Date")]
    assert "Nothing was imported" in response.text and _tasks(runtime) == []
    assert "Skipped lines" in response.text

    good = _upload(client, csv.replace("2020-01-01", day).replace(",7pm,,", ",6pm,,"), **defaults)
    assert good.status_code == 200 and "Imported 2 task(s)" in good.text
    assert sorted(t.time_preferences[0] for t in _tasks(runtime)) == ["18:00", "19:00"]


def test_import_refuses_a_missing_file_and_bad_defaults(
    client: TestClient, runtime: Runtime
) -> None:
    empty = post(client, "/import", {"site": "gym"})
    assert empty.status_code == 422 and "choose a CSV file" in _field_error(empty.text, "file")
    bad = _upload(client, "Date,Time1\n", site="gym", payment_method="cheque")
    assert bad.status_code == 422 and _field_error(bad.text, "payment_method")
    binary = _upload(client, "Date\x00,Time1\n", site="gym")
    assert binary.status_code == 422 and "NUL" in binary.text
    assert _tasks(runtime) == []


def test_control_characters_are_refused_by_the_field(client: TestClient, runtime: Runtime) -> None:
    """PostgreSQL cannot store NUL: every form refuses it with the field's name, never a 500."""
    account = add_account(runtime, "gym")
    before = row_counts(runtime)
    answers = {
        "Courts": post(client, "/tasks/new", _task_form(account, courts="A\x00")),
        "Name": post(client, "/settings/accounts", {"site": "gym", "login": "l",
                                                            "display_name": "A\x00",
                                                            "password": "p"}),
        "City": post(client, "/settings/payments", {"alias": "a", "cardholder_name": "b",
                                                    "card_number": CARD_NUMBER,
                                                    "expiry_month": "12", "expiry_year": "2031",
                                                    "city": "c\x1b"}),
        "Venue": post(client, "/import", {"site": "gym", "venue": "v\x00"}),
    }  # fmt: skip
    for label, answer in answers.items():
        assert answer.status_code == 422, label
        assert f"{label}: must not contain control characters" in answer.text
    assert row_counts(runtime) == before and _tasks(runtime) == []
