"""The Jinja2 environment of the admin pages (autoescaped; every template gets `csrf_token`)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from autobook.domain.tasks import PAYMENT_NAMES
from autobook.sites.names import activity_name, site_name, venue_name, what
from autobook.web.csrf import csrf_context
from autobook.web.messages import anchor, sentence

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"

TEMPLATES = Jinja2Templates(directory=str(WEB_DIR / "templates"), context_processors=[csrf_context])
# The error summary and field errors word every message the same way (`web.messages`).
TEMPLATES.env.globals.update(sentence=sentence, anchor=anchor)
# Pages name sites, venues and activities as the adapters do (`sites.names`), never by key.
TEMPLATES.env.globals.update(
    what=what,
    site_name=site_name,
    venue_name=venue_name,
    activity_name=activity_name,
    payment_names=PAYMENT_NAMES,
)
