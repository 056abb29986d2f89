"""Login, logout, the members' home page and the member's own bookings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from autobook.sandbox.estelle.sessions import COOKIE
from autobook.sandbox.estelle.web_common import (
    LOGIN_PATH,
    member_session,
    render,
    to_login,
)

if TYPE_CHECKING:
    from autobook.sandbox.estelle.site import EstelleSim

MSG_MISSING = "Please enter your email address and password."
MSG_BAD_LOGIN = "The email address or password you entered is incorrect. Please try again."


def auth_router(sim: EstelleSim) -> APIRouter:
    r = APIRouter()

    @r.get(LOGIN_PATH)
    def login_page(request: Request) -> Response:
        if member_session(sim, request):
            return RedirectResponse("/", status_code=302)
        return render(request, "login.html", {"email": ""})

    @r.post(LOGIN_PATH)
    async def login(request: Request) -> Response:
        form = await request.form()
        email, password = str(form.get("email") or ""), str(form.get("password") or "")
        if not email.strip() or not password:
            return render(request, "login.html", {"error": MSG_MISSING, "email": email}, 400)
        with sim.lock:
            member = sim.club.authenticate(email, password)
            sim.events.record("login", actor=email.strip().lower(), detail={"ok": bool(member)})
            if member is None:
                return render(request, "login.html", {"error": MSG_BAD_LOGIN, "email": email})
            session = sim.club.sessions.create(member.email)
        response = RedirectResponse("/", status_code=302)
        response.set_cookie(COOKIE, session.sid, httponly=True, samesite="lax", path="/")
        return response

    @r.get("/page/logout")
    def logout(request: Request) -> Response:
        with sim.lock:
            sim.club.sessions.drop(request.cookies.get(COOKIE) or "")
        response = to_login()
        response.delete_cookie(COOKIE, path="/")
        return response

    @r.get("/")
    def home(request: Request) -> Response:
        session = member_session(sim, request)
        if session is None:
            return to_login()
        with sim.lock:
            session.trail.add("home")
            member = sim.club.members.get(session.email)
        return render(request, "home.html", {"member": member})

    @r.get("/page/my-bookings")
    def my_bookings(request: Request) -> Response:
        session = member_session(sim, request)
        if session is None:
            return to_login()
        with sim.lock:
            mine = sorted(
                (b for b in sim.club.bookings.values() if b.member == session.email),
                key=lambda b: b.slot,
            )
            member = sim.club.members.get(session.email)
        return render(request, "my_bookings.html", {"bookings": mine, "member": member})

    return r
