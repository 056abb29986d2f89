"""The admin's HTML pages (Jinja2 templates, htmx). `page_routers` lists every page's router
for the app factory; `auth` (setup, sign in and out) is registered separately."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    # Imported here, not at module level: `autobook.web.ui.auth` must import without them.
    from autobook.web.ui import (
        appointments_admin,
        appointments_google,
        appointments_settings,
        bookings,
        dashboard,
        handoffs,
        imports,
        logs,
        settings,
        settings_login,
        settings_notify,
        settings_tokens,
        tasks,
        tasks_form,
    )

    # tasks_form before tasks: `/tasks/new` must not be read as `/tasks/{task_id}`.
    modules = (dashboard, tasks_form, tasks, bookings, handoffs, imports, logs, settings,
               settings_login, settings_notify, settings_tokens,
               appointments_settings, appointments_admin, appointments_google)  # fmt: skip
    return [module.router for module in modules]
