"""What a person does, in real Chromium against a real server on loopback and the gym
simulator: first-run setup; add a site account and a payment profile; create a task through
the form (the site change reloads its fields through htmx); watch it reach succeeded on the
dashboard without a reload while the engine runs it; open the booking and its screenshot;
import a CSV with one bad row and read the per-row error.

With AUTOBOOK_DOCS_SCREENSHOTS=1 the main pages are saved to docs/screenshots/*.png for the
README (off by default so test runs never dirty the tree).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from autobook.engine.attempt import AttemptResult
from autobook.runtime import Runtime
from autobook.sandbox.gym.site import DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import (
    SQLITE_ONLY,
    add_account,
    add_task,
    app_server,
    fast_runtime,
    reset_sim,
    run_once,
    sandbox_fixture,
    sim_events,
    tomorrow,
)

# One database is enough here: both are covered page by page in the integration tests.
pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

ADMIN, ADMIN_PASSWORD = "owner", "a long admin passphrase"
LOGIN, SITE_PASSWORD = DEMO_USERS[0]
CARD_NUMBER = "4000 0566 5566 5556"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


box = sandbox_fixture("gym", "quiet")


@pytest.fixture
def server(runtime: Runtime, box: Sandbox) -> Iterator[tuple[str, Runtime]]:
    reset_sim(box.url("gym", "web"), "quiet")
    rt = fast_runtime(runtime, box)
    with app_server(rt) as url:
        yield url, rt


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    if os.environ.get("AUTOBOOK_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=full_page)


def type_into(scope: Page | Locator, label: str, text: str, *, exact: bool = True) -> None:
    field = scope.get_by_label(label, exact=exact)
    field.fill("")
    field.press_sequentially(text)


def first_run(page: Page, url: str) -> None:
    page.goto(url)
    expect(page).to_have_url(f"{url}/setup")
    type_into(page, "Username", ADMIN)
    type_into(page, "Password (at least 10 characters)", ADMIN_PASSWORD)
    type_into(page, "Password again", ADMIN_PASSWORD)
    page.get_by_role("button", name="Create admin and sign in").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_text("No tasks yet.")).to_be_visible()


def add_account_and_card(page: Page, url: str) -> None:
    page.get_by_role("link", name="Settings").click()
    accounts = page.get_by_role("form", name="Add a site account")
    accounts.get_by_label("Site", exact=True).select_option("gym")
    type_into(page, "Name", "Alex")
    type_into(page, "Login (email or member number)", LOGIN)
    type_into(page, "Site password", SITE_PASSWORD)
    accounts.get_by_role("button", name="Add account").click()
    expect(page.get_by_role("status")).to_contain_text("Account added")
    expect(page.get_by_test_id("accounts")).to_contain_text(LOGIN)
    expect(page).to_have_url(f"{url}/settings/accounts?ok=account")  # the section, alone

    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "link", name="Payment profiles"
    ).click()
    cards = page.get_by_role("form", name="Add a payment profile")
    type_into(page, "Alias", "Debit card")
    type_into(page, "Cardholder", "Alex Member")
    type_into(page, "Card number", CARD_NUMBER)
    type_into(cards, "Expiry month", "12", exact=False)
    type_into(cards, "Expiry year", str(datetime.now().year + 3), exact=False)
    cards.get_by_role("button", name="Add payment profile").click()
    expect(page.get_by_role("status")).to_contain_text("Payment profile added")
    expect(page.get_by_test_id("payment-profiles")).to_contain_text("•••• 5556")
    assert CARD_NUMBER.replace(" ", "") not in page.content()
    assert SITE_PASSWORD not in page.content()
    shoot(page, "settings")


def wait_for_htmx(page: Page) -> None:
    """Until no htmx request, swap or settle is under way on the page."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, "
        ".htmx-added')"
    )


def create_task(page: Page, day: str) -> int:
    page.get_by_role("link", name="New task").click()
    expect(page.get_by_label("Venue")).to_contain_text("Hendon Leisure Centre")  # Better first
    page.get_by_label("Site", exact=True).select_option("gym")  # htmx swaps in the gym's choices
    expect(page.get_by_label("Venue")).to_contain_text("X3")
    wait_for_htmx(page)  # the new Venue list listens for changes only once htmx has settled
    page.get_by_label("Venue").select_option("X1")
    expect(page.get_by_label("Sub-location")).to_be_visible()  # X1 has areas A and B
    page.get_by_label("Sub-location").select_option("A")
    expect(page.get_by_label("Alex (" + LOGIN + ")")).to_be_checked()
    page.get_by_label("Date").fill(day)
    page.get_by_label("1st choice").fill("07:00")
    page.get_by_label("2nd choice").fill("08:00")
    page.get_by_label("Payment method").select_option("benefit")
    shoot(page, "task_new")
    page.get_by_role("button", name="Create task").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page.get_by_test_id("task-status")).to_have_text("pending")
    return int(page.url.rsplit("/", 1)[1])


def watch_it_succeed(page: Page, url: str, rt: Runtime, task: int) -> AttemptResult:
    page.get_by_role("link", name="Dashboard").click()
    status = page.get_by_test_id(f"task-status-{task}")
    expect(status).to_have_text("pending")
    page.evaluate("window.__noReload = true")  # gone if the page were loaded again
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    outcome: list[AttemptResult] = []
    engine = threading.Thread(target=lambda: outcome.append(run_once(rt, task)))
    engine.start()
    expect(status).to_have_text("succeeded", timeout=60_000)
    engine.join(timeout=60)
    assert outcome and outcome[0].outcome == "booked", outcome
    assert page.evaluate("window.__noReload") is True and navigations == []
    expect(page.get_by_test_id("stat-today")).to_contain_text("1 upcoming")
    expect(page.get_by_test_id("stat-active")).to_contain_text("0")
    add_a_better_task(rt)
    page.reload()  # the new task in the list: a site whose keys are not its names
    tasks = page.get_by_test_id("tasks")
    expect(tasks).to_contain_text("Hendon Leisure Centre · Badminton 60 min")
    expect(tasks).not_to_contain_text("hendon-leisure-centre")
    shoot(page, "dashboard")
    return outcome[0]


def add_a_better_task(rt: Runtime) -> None:
    """A second task, on Better, written as the API would: a dry run that waits."""
    account = add_account(rt, "better", "sam@example.com", "better-pass-1", "Sam")
    add_task(rt, site="better", venue="hendon-leisure-centre", activity="badminton-60min",
             target_date=tomorrow() + timedelta(days=6), times=["19:00"], dry_run=True,
             account_ids=[account], payment_method="credit")  # fmt: skip


def open_booking(page: Page, url: str, task: int, result: AttemptResult) -> None:
    page.get_by_role("link", name=f"#{task}", exact=True).first.click()
    expect(page).to_have_url(f"{url}/tasks/{task}")
    expect(page.get_by_test_id("booking-reference")).to_have_text(result.reference or "?")
    expect(page.get_by_test_id("attempts")).to_contain_text("confirm")
    image = page.get_by_role("img", name=re.compile("Confirmation page"))
    expect(image).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 100
    shoot(page, "task")
    with page.expect_navigation():
        page.get_by_role("link", name="Open the confirmation screenshot").click()
    assert page.url.endswith(".png")
    page.go_back()
    page.get_by_role("link", name="Bookings").click()
    expect(page.get_by_test_id("bookings")).to_contain_text(result.reference or "?")
    shoot(page, "bookings")


def import_with_a_bad_row(page: Page, tmp: Path, day: str) -> None:
    csv = tmp / "bookings.csv"
    csv.write_text(f"Date,Time1,Time2,Status\n{day},6pm,7pm,Book\nnot-a-date,7pm,,Book\n")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("CSV file").set_input_files(str(csv))
    form = page.get_by_role("form", name="Import a CSV")
    form.get_by_label("Site", exact=True).select_option("gym")
    type_into(form, "Venue", "X1", exact=False)
    form.get_by_label("Payment method").select_option("benefit")
    form.get_by_role("button", name="Import").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("3")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors).to_contain_text("Date")
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was imported")
    shoot(page, "import")


def test_a_person_sets_up_books_and_imports(
    page: Page, server: tuple[str, Runtime], box: Sandbox, tmp_path: Path
) -> None:
    url, rt = server
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.set_viewport_size({"width": 1280, "height": 900})
    day = tomorrow().isoformat()  # unlocked at the gym

    first_run(page, url)
    add_account_and_card(page, url)
    task = create_task(page, day)
    result = watch_it_succeed(page, url, rt, task)
    assert len(sim_events(box.url("gym", "web"), "booking")) == 1
    open_booking(page, url, task, result)
    import_with_a_bad_row(page, tmp_path, day)
    page.get_by_role("link", name="Logs").click()
    shoot(page, "logs")
    assert [m for m in console if "Content Security Policy" in m] == []
    on_a_phone(page, url, task)


def on_a_phone(page: Page, url: str, task: int) -> None:
    """The same pages at 390 px: names, not keys; the menu folded; the steps short rows."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{url}/")
    expect(page.get_by_test_id("tasks")).to_contain_text("X1 / A · Gym session (60 min)")
    expect(page.get_by_test_id("tasks")).to_contain_text("Hendon Leisure Centre · Badminton")
    shoot(page, "dashboard_phone")
    page.goto(f"{url}/tasks/{task}")
    expect(page.get_by_text("Gym session (60 min)")).to_be_visible()
    shoot(page, "task_phone")
    page.get_by_text("Menu").click()
    expect(page.get_by_role("link", name="Bookings")).to_be_visible()
    shoot(page, "menu_phone", full_page=False)


def test_pages_fit_a_phone(page: Page, server: tuple[str, Runtime]) -> None:
    url, _ = server
    page.set_viewport_size({"width": 390, "height": 844})
    first_run(page, url)
    for path in ("/", "/tasks/new", "/bookings", "/logs", "/import", "/settings",
                 "/settings/accounts", "/settings/payments", "/settings/notifications",
                 "/settings/tokens", "/settings/sessions"):  # fmt: skip
        page.goto(url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
    page.goto(url + "/settings")
    shoot(page, "settings_phone")
