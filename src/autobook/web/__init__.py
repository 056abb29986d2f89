"""The web service: HTML pages for the admin (Jinja2 + htmx), the REST API under /api/v1, and
/health. `create_app` in `app.py` builds it; `autobook serve` runs it with uvicorn."""
