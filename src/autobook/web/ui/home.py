"""GET /: the signed-in admin's start page (a placeholder until the dashboard exists)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from autobook.web.deps import CurrentAdmin
from autobook.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, admin: CurrentAdmin) -> Response:
    return TEMPLATES.TemplateResponse(request, "home.html", {"user": admin})
