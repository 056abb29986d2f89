"""The admin pages on a real database: every page needs the admin, shows an empty state that
says what to do next, refuses form posts without the session's CSRF token; the dashboard and
its live partial, the task page's timeline and booking, and the screenshot route that refuses
anything but a plain file name inside the screenshots folder."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_ui_helpers import (
    add_account,
    add_attempt,
    add_booking,
    add_task,
    post,
    set_status,
    signed_in,
    task_status,
)
from test_web_helpers import row_counts

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.web.app import create_app

PAGES = ["/", "/dashboard/live", "/tasks/new", "/tasks/new/fields?site=gym", "/bookings",
         "/logs", "/logs/tail", "/import", "/settings", "/tasks/1", "/tasks/1/live",
         "/screenshots/a.png"]  # fmt: skip
FORMS = ["/tasks/new", "/tasks/1/stop", "/tasks/1/resume", "/tasks/1/delete",
         "/bookings/1/cancel", "/import", "/settings/accounts", "/settings/accounts/1/remove",
         "/settings/accounts/1/test", "/settings/payments", "/settings/payments/1/remove",
         "/settings/notifications", "/settings/notifications/test", "/settings/tokens",
         "/settings/tokens/1/revoke"]  # fmt: skip
EMPTY_STATES = {
    "/": "Create a task",
    "/bookings": "No bookings yet",
    "/logs": "No log lines yet",
    "/settings": "No site accounts yet",
}


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    yield from signed_in(settings, runtime)


# One test per rule, looping over the pages: a database per case would make the suite slow.
def test_every_page_needs_the_admin(settings: Settings, runtime: Runtime) -> None:
    with TestClient(create_app(settings, runtime=runtime)) as anon:
        for path in PAGES:
            response = anon.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/setup", path
            polled = anon.get(path, headers={"HX-Request": "true"}, follow_redirects=False)
            assert polled.status_code == 401 and polled.headers["HX-Redirect"] == "/setup", path


def test_every_form_refuses_a_missing_or_foreign_csrf_token(
    client: TestClient, runtime: Runtime
) -> None:
    task = add_task(runtime, account_ids=[add_account(runtime)])
    before = row_counts(runtime), task_status(runtime, task)
    for path in FORMS:
        for token in (None, "forged-token"):
            data = {"csrf_token": token} if token else {}
            response = client.post(path, data={**data, "name": "x"}, follow_redirects=False)
            assert response.status_code == 403, (path, token)
            assert 'data-field="csrf_token"' in response.text, path
    assert (row_counts(runtime), task_status(runtime, task)) == before


def test_pages_show_empty_states_that_say_what_to_do(client: TestClient) -> None:
    for path, hint in EMPTY_STATES.items():
        page = client.get(path)
        assert page.status_code == 200 and hint in page.text, path
    assert "No payment profiles yet" in client.get("/settings").text
    assert "No API tokens" in client.get("/settings").text


def test_dashboard_lists_tasks_and_polls_its_live_partial(
    client: TestClient, runtime: Runtime
) -> None:
    waiting = add_task(runtime, strategy="snipe")
    done = add_task(runtime, times=["09:00"])
    set_status(runtime, done, "succeeded")
    page = client.get("/")
    assert 'hx-get="/dashboard/live"' in page.text and 'hx-trigger="every 2s"' in page.text
    live = client.get("/dashboard/live")
    assert live.status_code == 200 and "<html" not in live.text  # a partial, not a page
    assert 'id="live"' in live.text and 'hx-trigger="every 2s"' in live.text
    status = re.compile(r'data-testid="task-status-(\d+)">\s*<span class="status status-(\w+)"')
    assert dict(status.findall(live.text)) == {str(waiting): "pending", str(done): "succeeded"}
    # The active task's release (gym: 48 hours before 07:00 on its day) is the next one.
    assert re.search(r'data-testid="stat-active">.*?<div class="value">1<', live.text, re.S)
    assert f'task <a href="/tasks/{waiting}">' in live.text
    assert f'action="/tasks/{waiting}/stop"' in live.text
    assert f'action="/tasks/{done}/stop"' not in live.text  # finished: nothing to stop


def test_stop_resume_and_delete_go_through_the_transitions(
    client: TestClient, runtime: Runtime
) -> None:
    task = add_task(runtime)
    assert post(client, f"/tasks/{task}/stop").headers["location"] == "/"
    assert task_status(runtime, task) == "stopped"
    resumed = post(client, f"/tasks/{task}/resume", {"next": f"/tasks/{task}"})
    assert resumed.headers["location"] == f"/tasks/{task}"
    assert task_status(runtime, task) == "pending"
    away = post(client, f"/tasks/{task}/stop", {"next": "//evil.example/"})
    assert away.headers["location"] == "/"  # never redirected off the site

    set_status(runtime, task, "booking")
    refused = post(client, f"/tasks/{task}/stop")
    assert refused.status_code == 409 and "booking" in refused.text
    assert post(client, f"/tasks/{task}/delete").status_code == 409
    assert task_status(runtime, task) == "booking"

    set_status(runtime, task, "failed")
    assert post(client, f"/tasks/{task}/delete").headers["location"] == "/"
    assert task_status(runtime, task) is None
    assert post(client, f"/tasks/{task}/delete").status_code == 404
    assert post(client, "/tasks/99999999999/stop").status_code == 422  # over 32 bits


def test_task_page_shows_the_timeline_the_error_and_the_booking(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    task = add_task(runtime, account_ids=[add_account(runtime)])
    empty = client.get(f"/tasks/{task}")
    assert "No attempts yet" in empty.text and "No booking yet" in empty.text
    assert f'hx-get="/tasks/{task}/live" hx-trigger="every 2s"' in empty.text  # active: live
    add_attempt(runtime, task, shot="task1-attempt1-confirmation.png")
    add_booking(runtime, task_id=task, screenshot_path="task1-attempt1-confirmation.png")
    set_status(runtime, task, "failed", error="authentication error: the site refused")
    page = client.get(f"/tasks/{task}")
    assert page.status_code == 200
    assert "authentication error: the site refused" in page.text
    for text in ("login", "120 ms", "find detail", "300 ms", "GYM-ABC123", "£0.00"):
        assert text in page.text
    assert page.text.count('href="/screenshots/task1-attempt1-confirmation.png"') == 2
    assert 'src="/screenshots/task1-attempt1-confirmation.png"' in page.text
    assert "48 hours before the start" in page.text  # the gym's release rule
    live = client.get(f"/tasks/{task}/live")
    assert live.status_code == 200 and "<html" not in live.text and "GYM-ABC123" in live.text
    assert 'id="task-live"' in live.text and "hx-trigger" not in live.text  # failed: still


def test_screenshots_are_served_only_from_their_folder(
    client: TestClient, settings: Settings, tmp_path
) -> None:
    folder = settings.screenshots_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (settings.data_dir / "secret.png").write_bytes(b"not for you")
    (folder / "notes.txt").write_text("not an image")
    os.symlink(settings.data_dir / "secret.png", folder / "link.png")
    shot = client.get("/screenshots/ok.png")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
    assert shot.content.startswith(b"\x89PNG")
    for name in ("..%2Fsecret.png", "%2e%2e%2fsecret.png", "..%5Csecret.png", "link.png",
                 "notes.txt", "missing.png", "%2Fetc%2Fpasswd"):  # fmt: skip
        response = client.get(f"/screenshots/{name}")
        assert response.status_code == 404, name
        assert b"not for you" not in response.content
    signed_out = TestClient(client.app)
    assert signed_out.get("/screenshots/ok.png", follow_redirects=False).status_code == 303


def test_unknown_ids_are_clear_404s(client: TestClient) -> None:
    for path in ("/tasks/4242", "/screenshots/nothing.png"):
        page = client.get(path)
        assert page.status_code == 404 and "Not found" in page.text
    assert client.get("/tasks/abc").status_code == 422
    assert client.get("/tasks/0").status_code == 422
