"""HTTP helpers every adapter with a JSON API shares: one client shape, and the mapping of
transport failures into the engine's error kinds (timeouts and 5xx/429 are transient)."""

from __future__ import annotations

from typing import Any

import httpx

from autobook.sites.base import SiteChanged, Transient

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Idle connections are kept this long (httpx's default is 5 s): a snipe opens its connections
# minutes before the release and keeps them warm with a request every `engine.snipe` interval,
# so the strike goes out on a connection whose TCP and TLS handshakes are long done.
KEEP_ALIVE_S = 120.0
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10,
                      keepalive_expiry=KEEP_ALIVE_S)  # fmt: skip
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


def new_client(base_url: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"User-Agent": BROWSER_UA, "Accept": "application/json", **(headers or {})},
        timeout=TIMEOUT,
        limits=LIMITS,
        follow_redirects=False,
    )


async def send(
    client: httpx.AsyncClient, method: str, url: str, *, step: str, **kwargs: Any
) -> httpx.Response:
    """One request; timeouts, refused connections, 5xx and 429 become `Transient`."""
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise Transient(f"step {step}: the site did not answer in time", step=step) from None
    except httpx.TransportError as exc:
        raise Transient(f"step {step}: could not reach the site ({exc})", step=step) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise Transient(f"step {step}: the site answered {response.status_code}", step=step)
    return response


def json_body(response: httpx.Response, *, step: str) -> Any:
    """The JSON body; HTML or garbage where JSON was expected means the site changed."""
    try:
        return response.json()
    except ValueError:
        raise SiteChanged(
            f"step {step}: expected JSON from {response.request.url.path}, got "
            f"{response.headers.get('content-type', 'no content type')}",
            step=step,
            selector=response.request.url.path,
        ) from None


def field(data: Any, path: str, *, step: str) -> Any:
    """`data["a"]["b"]` for path "a.b"; a missing field means the site changed."""
    current = data
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            raise SiteChanged(
                f"step {step}: expected field {path!r} is missing from the answer",
                step=step,
                selector=path,
            )
        current = current[part]
    return current
