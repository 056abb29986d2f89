"""The client's address and scheme: `X-Forwarded-For` / `X-Forwarded-Proto` are believed only
from the peers listed in AUTOBOOK_TRUSTED_PROXIES.

Everything that needs the client (the failed-login limit, the `Secure` cookie flag, the access
log) reads the ASGI scope, which this rewrites for trusted peers only (uvicorn's own middleware,
which walks X-Forwarded-For from the right and stops at the first untrusted hop). uvicorn must
not rewrite it first: by default it believes 127.0.0.1, so anyone on the same host, or any proxy
on it that passes the header through, could pick their address and guess passwords without end.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from autobook.config import Settings

# For every uvicorn.run of the app: the forwarded headers are this module's business alone.
UVICORN_OPTIONS: dict[str, Any] = {"proxy_headers": False}


def add_trusted_proxies(app: FastAPI, settings: Settings) -> None:
    """Add last, so it is outermost: every other layer sees the rewritten client."""
    if settings.trusted_proxy_list:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
