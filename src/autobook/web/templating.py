"""The Jinja2 environment of the admin pages (autoescaped; every template gets `csrf_token`)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from autobook.web.csrf import csrf_context

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"

TEMPLATES = Jinja2Templates(directory=str(WEB_DIR / "templates"), context_processors=[csrf_context])
