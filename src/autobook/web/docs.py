"""GET /docs: Swagger UI for the REST API, open without signing in (the schema holds no data;
every API call it makes still needs a token).

Everything the page loads comes from our own origin: Swagger UI is vendored in
`static/swagger-ui/` (see its README for version and licence), so the docs work with no
internet access. Its one inline script is allowed by hash, so the page's
Content-Security-Policy still has no 'unsafe-inline' for scripts.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

ASSETS = "/static/swagger-ui"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# No validator badge: it would send the schema to validator.swagger.io.
SWAGGER_PARAMETERS = {"validatorUrl": None, "persistAuthorization": False}


def _script_hashes(html: str) -> str:
    digests = (hashlib.sha256(s.encode()).digest() for s in _INLINE_SCRIPT.findall(html))
    return " ".join(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )
    page.headers["content-security-policy"] = (
        f"default-src 'self'; script-src 'self' {_script_hashes(page.body.decode())}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    return page
