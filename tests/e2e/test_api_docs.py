"""/docs in real Chromium against a real server on loopback, with every request to another
origin blocked as if offline: Swagger UI loads from our own origin only, renders the API,
obeys its Content-Security-Policy, and runs a call with a bearer token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from autobook.db.auth import create_token
from autobook.db.session import transaction
from autobook.runtime import Runtime
from engine_support import SQLITE_ONLY, app_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    with app_server(runtime) as url:
        yield url


# The page does not depend on the database: SQLite is enough.
@SQLITE_ONLY
def test_docs_work_offline_and_call_the_api(page: Page, server: str, runtime: Runtime) -> None:
    requested: list[str] = []
    foreign: list[str] = []
    console: list[str] = []

    def offline(route: Route) -> None:
        url = route.request.url
        requested.append(url)
        if url.startswith(f"{server}/") or url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort("internetdisconnected")

    page.route("**/*", offline)
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.goto(f"{server}/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("autobook")
    stats = page.locator("#operations-stats-stats_api_v1_stats_get")
    expect(stats).to_be_visible()
    expect(page.locator("#operations-tasks-import_tasks_api_v1_tasks_import_post")).to_be_visible()
    assert f"{server}/static/swagger-ui/swagger-ui-bundle.js" in requested
    assert f"{server}/openapi.json" in requested

    page.locator("button.authorize").first.click()
    with transaction(runtime.sessions) as session:
        token = create_token(session, name="docs")[1]
    page.locator(".auth-container input").first.fill(token)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()
    stats.locator(".opblock-summary").first.click()
    stats.locator(".try-out__btn").click()
    stats.locator("button.execute").click()
    status = stats.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")

    assert foreign == [], "the docs page must not need the internet"
    assert [m for m in console if "Content Security Policy" in m] == []
