"""The Better simulator the Better contract tests share: one per module, reset before each test
to the demo data with the site clock pinned at `better_helpers.NOW`."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from better_helpers import BROWSER_HEADERS, NOW

from autobook.sandbox.runner import Sandbox


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    box = Sandbox.create(["better"], seed="demo").start()
    yield {o: box.url("better", o) for o in ("api", "web", "pay")}
    box.stop()


@pytest.fixture
def admin(urls: dict[str, str]) -> Iterator[httpx.Client]:
    """The `/_sandbox` API over a fresh demo state, the site clock pinned at NOW."""
    with httpx.Client(base_url=urls["api"], timeout=10) as c:
        c.post("/_sandbox/reset").raise_for_status()
        c.post("/_sandbox/clock", json={"now": NOW.isoformat()}).raise_for_status()
        c.post("/_sandbox/seed/demo").raise_for_status()
        c.delete("/_sandbox/events").raise_for_status()
        yield c


@pytest.fixture
def api(urls: dict[str, str], admin: httpx.Client) -> Iterator[httpx.Client]:
    """The site's JSON API, as a browser calls it."""
    with httpx.Client(base_url=urls["api"] + "/api", headers=BROWSER_HEADERS, timeout=10) as c:
        yield c
