"""The booking web site as a person uses it: availability, the "Your selection" modal, login,
basket, checkout (credit, saved card + CVV, new card in the payment iframe), confirmation.

Pages are server-rendered from the shared state; forms post back to this origin.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from autobook.sandbox.better import cart as carts
from autobook.sandbox.better import webcheckout, webviews
from autobook.sandbox.better.errors import BetterError
from autobook.sandbox.better.models import User
from autobook.sandbox.better.webviews import AUTH_COOKIE, CONSENT_COOKIE

if TYPE_CHECKING:
    from autobook.sandbox.better.site import BetterSim

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
GTM_JS = "window.dataLayer = window.dataLayer || [];\n" \
    "window.dataLayer.push({event: 'gtm.js', 'gtm.start': Date.now()});\n" \
    "document.dispatchEvent(new Event('better:analytics-ready'));\n"  # fmt: skip


def web_user(sim: BetterSim, request: Request) -> User | None:
    """The logged-in user from the auth cookie; None when absent, unknown or expired."""
    token = webviews.token_from_cookie(request.cookies.get(AUTH_COOKIE))
    try:
        return sim.state.user_for_token(token, expired=sim.faults.expire_sessions)
    except BetterError:
        return None


def page(
    sim: BetterSim, request: Request, name: str, ctx: dict[str, Any], status: int = 200
) -> Response:
    user = web_user(sim, request)
    base = {
        "user": user,
        "consent": CONSENT_COOKIE in request.cookies,
        "basket_count": len(sim.state.cart_of(user).items) if user else 0,
        "next": request.url.path,
        "login_error": None,
        "open_login": False,
    }
    return templates.TemplateResponse(request, name, base | ctx, status_code=status)


def mount(app: FastAPI, sim: BetterSim) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/gtm.js")
    def gtm() -> Response:
        """The analytics bootstrap the payment iframe waits for (blocking it breaks payment)."""
        return PlainTextResponse(GTM_JS, media_type="application/javascript")

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        with sim.lock:
            today = sim.state.today()
            venues = [
                {"name": v.name, "links": [
                    {"name": a.name, "href": webviews.by_time_url(v.slug, a.slug, today)}
                    for a in v.activities.values()]}
                for v in sim.state.venues.values()
            ]  # fmt: skip
            return page(sim, request, "home.html", {"venues": venues})

    @app.get("/location/{venue}/{activity}/{day}/by-time", response_class=HTMLResponse)
    def by_time(request: Request, venue: str, activity: str, day: str) -> Response:
        with sim.lock:
            return availability(sim, request, venue, activity, day, None)

    @app.get("/location/{venue}/{activity}/{day}/by-time/slot/{span}", response_class=HTMLResponse)
    def by_time_slot(request: Request, venue: str, activity: str, day: str, span: str) -> Response:
        with sim.lock:
            return availability(sim, request, venue, activity, day, span)

    add_session_routes(app, sim)
    webcheckout.add_routes(app, sim)


def availability(
    sim: BetterSim, request: Request, venue: str, activity: str, day_raw: str,
    span: str | None, error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    state = sim.state
    try:
        v, a, day = state.venue(venue), state.activity(venue, activity), date.fromisoformat(day_raw)
    except (BetterError, ValueError):
        return page(sim, request, "not_found.html", {}, 404)
    slots = webviews.slot_views(sim, venue, activity, day)
    modal = None
    if span is not None:
        chosen = [s for s in slots if webviews.span(s.session) == span]
        if not chosen:
            return page(sim, request, "not_found.html", {}, 404)
        modal = webviews.modal_view(chosen[0])
    ctx = {
        "venue": v, "activity": a, "day": day, "slots": slots, "modal": modal,
        "tabs": webviews.day_tabs(sim, venue, activity, day), "error": error,
        "page_url": webviews.by_time_url(venue, activity, day),
        "login_error": "These credentials do not match our records."
        if request.query_params.get("login") == "failed" else None,
    }  # fmt: skip
    ctx["open_login"] = ctx["login_error"] is not None
    ctx["next"] = ctx["page_url"]  # logging in resets the modal: back to the plain listing
    return page(sim, request, "availability.html", ctx, status)


def add_session_routes(app: FastAPI, sim: BetterSim) -> None:
    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        target = _safe_next(str(form.get("next", "/")))
        with sim.lock:
            user = sim.state.find_user(username) if username else None
            ok = user is not None and user.password == password
            sim.events.record("login", actor=username, detail={"ok": ok, "via": "web"})
            if user is None or not ok:
                sep = "&" if "?" in target else "?"
                return RedirectResponse(f"{target}{sep}login=failed", status_code=303)
            token = sim.state.issue_token(user)
        response = RedirectResponse(target, status_code=303)
        # JSON-quoted like the real cookie; set raw so the quotes are not escaped.
        response.headers.append("set-cookie", f'{AUTH_COOKIE}="{token}"; Path=/; SameSite=Lax')
        return response

    @app.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(AUTH_COOKIE, path="/")
        return response

    @app.post("/basket/add")
    async def basket_add(request: Request) -> Response:
        form = await request.form()
        back = _safe_next(str(form.get("back", "/")))
        with sim.lock:
            user = web_user(sim, request)
            if user is None:
                return RedirectResponse(back, status_code=303)
            try:
                slot_id = int(str(form.get("slot_id", "")))
                s, _ = sim.state.place(slot_id)
                kind = "activity" if s.activity.kind == "resources" else "purchasableOccurrence"
                body = {
                    "items": [{"id": slot_id if kind == "activity" else s.id, "type": kind,
                               "pricing_option_id": s.activity.pricing_option_id,
                               "apply_benefit": True, "activity_restriction_ids": []}],
                    "membership_user_id": user.membership_user_id, "selected_user_id": None,
                }  # fmt: skip
                carts.add(sim, user, body)
            except (ValueError, KeyError):
                return RedirectResponse(back, status_code=303)
            except BetterError as exc:
                return availability(
                    sim, request, s.venue.slug, s.activity.slug, s.day.isoformat(),
                    webviews.span(s), exc.message, exc.status,
                )  # fmt: skip
        return RedirectResponse("/basket/checkout", status_code=303)


def _safe_next(target: str) -> str:
    """Only same-site paths: never an open redirect."""
    return quote(target, safe="/:-_.?=&") if target.startswith("/") and "//" not in target else "/"
