"""A clinic whose page speaks another language and asks for consent: the driver gets there
with the hints of its profile (data), and without them says what it could not find."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import async_playwright

from autobook.chromium import launch_options
from autobook.sites.base import SiteChanged
from autobook.sites.clinic.browser import Hints, Patient, Widget

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><main id="app">
<label for="p">Prénom</label><input id="p"> <label for="n">Nom</label><input id="n">
<label for="t">Portable</label><input id="t" type="tel">
<label for="c">Courriel</label><input id="c">
<label><input type="checkbox" id="ok"> J'accepte les conditions</label>
<button type="button" id="go">Suivant</button></main>
<script>
document.getElementById('go').onclick = () => {
  const filled = ['p', 'n', 't', 'c'].every(id => document.getElementById(id).value);
  if (!filled || !document.getElementById('ok').checked) return;
  document.getElementById('app').innerHTML =
    '<label for="k">Numéro de carte</label><input id="k"><button>Réserver</button>';
};
</script>"""
FRENCH = Hints(first_name="prénom", last_name="^nom", phone="portable", email="courriel",
               forward="^suivant$", card_number="numéro de carte", tick=("j'accepte",))  # fmt: skip
PATIENT = Patient("Jeanne", "Dupont", "+33612345678", "jeanne@example.com")


def reaches_payment(hints: Hints) -> bool:
    async def go() -> bool:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
            page = await browser.new_page()
            await page.set_content(PAGE)
            widget = Widget(page, "https://clinique.invalid/", ZoneInfo("Europe/Paris"),
                            typing_delay_ms=0, hints=hints)  # fmt: skip
            try:
                await widget.fill_to_payment(PATIENT, step="hold")
                return await widget.at_payment()
            finally:
                await browser.close()

    return asyncio.run(go())


def test_the_profiles_words_get_it_to_the_payment_step() -> None:
    assert reaches_payment(FRENCH)


def test_without_them_it_names_what_is_missing() -> None:
    with pytest.raises(SiteChanged, match="button named"):
        reaches_payment(Hints())
