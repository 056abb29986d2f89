"""GET /docs: Swagger UI for the REST API, open without signing in (the schema holds no data;
every API call it makes still needs a token).

Swagger's assets come from the jsDelivr CDN, so this page needs internet access in the
browser; /openapi.json is always served. Its one inline script is allowed by hash, so the
page's Content-Security-Policy still has no 'unsafe-inline' for scripts.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _script_hashes(html: str) -> str:
    digests = (hashlib.sha256(s.encode()).digest() for s in _INLINE_SCRIPT.findall(html))
    return " ".join(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title=f"{request.app.title} API"
    )
    page.headers["content-security-policy"] = (
        f"default-src 'self'; script-src {CDN} {_script_hashes(page.body.decode())}; "
        f"style-src {CDN} 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return page
