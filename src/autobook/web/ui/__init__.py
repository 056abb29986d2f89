"""The admin's HTML pages (Jinja2 templates, htmx)."""
