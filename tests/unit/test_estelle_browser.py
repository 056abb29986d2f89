"""The Estelle browser module's pure parts: stray browser errors become transient, and which
saved cookies belong to the site."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from autobook.sites.base import SiteChanged, Transient
from autobook.sites.estelle.browser import cookie_sent_to, guarded


def test_a_stray_browser_error_is_transient_naming_the_step() -> None:
    @guarded("hold")
    async def stuck() -> None:
        raise PlaywrightTimeout("Timeout 15000ms exceeded.\n=== logs ===\nwaiting for ...")

    with pytest.raises(Transient) as error:
        asyncio.run(stuck())
    assert error.value.message == "step hold: Timeout 15000ms exceeded."
    assert error.value.step == "hold"


def test_the_sites_own_errors_pass_through() -> None:
    @guarded("hold")
    async def changed() -> None:
        raise SiteChanged("step hold: expected element '#btnConfirm' is missing", step="hold")

    with pytest.raises(SiteChanged):
        asyncio.run(changed())


@pytest.mark.parametrize(
    ("domain", "host", "sent"),
    [
        ("home.estellemanor.com", "home.estellemanor.com", True),
        (".estellemanor.com", "home.estellemanor.com", True),
        ("estellemanor.com", "home.estellemanor.com", True),
        ("othermanor.com", "home.estellemanor.com", False),
        ("manor.com", "home.estellemanor.com", False),
        ("", "home.estellemanor.com", False),
        ("127.0.0.1", "127.0.0.1", True),
    ],
)
def test_saved_cookies_are_the_sites_own(domain: str, host: str, sent: bool) -> None:
    assert cookie_sent_to(domain, host) is sent
