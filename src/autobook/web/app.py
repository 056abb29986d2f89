"""The app factory. `autobook serve` runs `uvicorn.run(create_app(settings), host=…, port=…)`;
tests pass an already opened `runtime` so the app works on their database.

Without a runtime the app opens one at start-up (key, migrations, vault canary) and closes it
at shutdown. `/docs` is public (see `docs.py`); the pages need the admin's session and the
API a bearer token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from autobook.config import Settings, get_settings
from autobook.handoff.service import HandoffService
from autobook.runtime import Runtime, open_runtime
from autobook.web import docs, favicon, handoff_live, health
from autobook.web.api import api_router
from autobook.web.errors import install_error_handlers
from autobook.web.hygiene import RequestHygiene
from autobook.web.middleware import BodyLimit, LastResort, SecurityHeaders
from autobook.web.proxies import add_trusted_proxies
from autobook.web.public import public_routers
from autobook.web.ratelimit import LoginRateLimiter
from autobook.web.session_cookie import add_session_cookie
from autobook.web.templating import STATIC_DIR
from autobook.web.ui import auth, page_routers
from autobook.worker.containment import supervise
from autobook.worker.loop import Worker

MAX_BODY_BYTES = 1024 * 1024  # nothing the API takes is near this; larger bodies get a 413


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    worker: bool = False,
    handoffs: bool | None = None,
) -> FastAPI:
    """The app; with `worker`, the booking worker runs in the same process (embedded mode),
    and so do booking sessions (`handoffs`, by default where the worker is)."""
    run_handoffs = worker if handoffs is None else handoffs
    settings = settings or (runtime.settings if runtime else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = None
        if runtime is None:
            opened = app.state.runtime = await run_in_threadpool(open_runtime, settings)
        stop, loop = asyncio.Event(), None
        if worker:
            embedded = Worker(app.state.runtime, concurrency=settings.worker_concurrency)
            loop = asyncio.create_task(
                supervise(app.state.runtime, embedded.name, embedded.run, stop)
            )
        sessions = None
        if run_handoffs:
            service = app.state.handoffs = HandoffService(app.state.runtime)
            sessions = asyncio.create_task(service.run(stop))
        try:
            yield
        finally:
            stop.set()
            if loop is not None:
                await loop
            if sessions is not None:
                await sessions
            if opened is not None:
                opened.close()

    app = FastAPI(
        title="autobook",
        version=version("autobook"),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.state.settings = settings  # what SettingsDep answers
    app.state.login_limiter = LoginRateLimiter()
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (health.router, favicon.router, docs.router, auth.router, handoff_live.router,
                   *page_routers(), *public_routers(), api_router):  # fmt: skip
        app.include_router(router)
    # Added last = outermost: headers go on every response, even the last-resort 500.
    app.add_middleware(RequestHygiene)
    app.add_middleware(LastResort)
    add_session_cookie(app, settings)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeaders)
    add_trusted_proxies(app, settings)
    return app
