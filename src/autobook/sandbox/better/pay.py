"""The card-payment origin (Opayo-like): the card iframe and the card-identifier endpoints."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from autobook.sandbox.better import cards
from autobook.sandbox.better.api import json_body

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def mount(app: FastAPI, sim: BetterSim) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(cards.CardError)
    async def card_error(request: Request, exc: cards.CardError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.get("/iframe", response_class=HTMLResponse)
    def iframe(request: Request, session_key: str = "") -> Response:
        """The card form the checkout page embeds; it talks to its parent by postMessage."""
        return templates.TemplateResponse(
            request,
            "pay_iframe.html",
            {"session_key": session_key, "parent_origin": sim.urls.get("web", "*")},
        )

    @app.post("/api/v1/card-identifiers", status_code=201)
    async def new_card(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        with sim.lock:
            checkout = cards.checkout_for_key(sim, request.headers.get("authorization"))
            card = cards.new_identifier(sim, checkout, body)
            return {
                "cardIdentifier": card.id,
                "expiry": card.expiry,
                "cardType": card.card_type,
                "lastFourDigits": card.last4,
            }

    @app.post("/api/v1/card-identifiers/{identifier}/security-code", status_code=204)
    async def security_code(request: Request, identifier: str) -> Response:
        body = await json_body(request)
        with sim.lock:
            checkout = cards.checkout_for_key(sim, request.headers.get("authorization"))
            cards.link_security_code(sim, checkout, identifier, body)
        return Response(status_code=204)
