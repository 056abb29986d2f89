"""/favicon.ico: browsers ask for it on every site whatever the page links, so it is answered
(from static/, drawn for autobook) instead of logging a 404 for each tab."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from autobook.web.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )
