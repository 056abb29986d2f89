"""The members' web pages: log in, pick a day / location / sub-location, see the hourly slots
with places left, book with a button, see the confirmation, list and cancel bookings.
Sessions are a server-side id in the `gym_session` cookie."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from autobook.sandbox.gym.errors import LoginRequired
from autobook.sandbox.gym.model import (
    LOCATIONS,
    ZONE,
    GymError,
    Member,
    parse_area,
    parse_date,
    slot_from_fields,
)
from autobook.sandbox.gym.templating import TEMPLATES

if TYPE_CHECKING:
    from autobook.sandbox.gym.site import GymSim

SESSION_COOKIE = "gym_session"
DAY_STRIP_DAYS = 14  # the day picker shows today and the next 13 days


def web_router(site: GymSim) -> APIRouter:
    r = APIRouter()

    def member_of(request: Request, next_url: str | None = None) -> Member:
        query = f"?{request.url.query}" if request.url.query else ""
        target = next_url or request.url.path + query
        try:
            return site.member_for(request.cookies.get(SESSION_COOKIE), "web")
        except GymError as exc:
            raise LoginRequired(target, expired=exc.code == "session_expired") from exc

    def render(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)

    @r.get("/")
    def home(request: Request) -> Response:
        member_of(request, "/book")
        return RedirectResponse("/book", status_code=303)

    @r.get("/login")
    def login_page(
        request: Request, next: str = "/book", expired: str = "", logged_out: str = ""
    ) -> Response:
        notice = None
        if expired:
            notice = "Your session has expired. Please log in again."
        elif logged_out:
            notice = "You have been logged out."
        return render(request, "login.html", member=None, next=next, notice=notice, email="")

    @r.post("/login")
    async def login_submit(request: Request) -> Response:
        form = await request.form()
        email, password = str(form.get("email") or ""), str(form.get("password") or "")
        next_url = str(form.get("next") or "/book")
        if not email or not password:
            return render(
                request,
                "login.html",
                422,
                member=None,
                next=next_url,
                email=email,
                error="Please enter your email address and password.",
            )
        try:
            _, session = site.login(email, password, "web")
        except GymError as exc:
            return render(
                request,
                "login.html",
                exc.status,
                member=None,
                next=next_url,
                email=email,
                error=exc.message,
            )
        safe = next_url if next_url.startswith("/") and not next_url.startswith("//") else "/book"
        response = RedirectResponse(safe, status_code=303)
        response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax", path="/")
        return response

    @r.post("/logout")
    def logout(request: Request) -> Response:
        with site.lock:
            site.state.close_session(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login?logged_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @r.get("/book")
    def book_page(
        request: Request, date: str | None = None, location: str = "Fitness", sub_location: str = ""
    ) -> Response:
        member = member_of(request)
        return booking_page(request, member, date, location, sub_location)

    def booking_page(
        request: Request,
        member: Member,
        day_text: str | None,
        location: str,
        sub_location: str,
        *,
        error: GymError | None = None,
    ) -> Response:
        now = site.clock.now()
        today = now.astimezone(ZONE).date()
        ctx: dict[str, Any] = {
            "member": member,
            "today": today,
            "days": [today + timedelta(days=d) for d in range(DAY_STRIP_DAYS)],
            "locations": LOCATIONS,
            "date_text": day_text or today.isoformat(),
            "location": location,
            "sub_location": sub_location,
            "day": None,
            "slots": [],
            "error": _friendly(error) if error else None,
            # The site_changed fault renames the Book buttons, as a redesign would.
            "book_class": "reserve-button" if site.faults.site_changed else "book-button",
        }
        try:
            day = parse_date(day_text) if day_text else today
            loc, sub = parse_area(location, sub_location or None)
        except GymError as exc:
            ctx["error"] = ctx["error"] or _friendly(exc)
            return render(request, "book.html", error.status if error else exc.status, **ctx)
        with site.lock:
            ctx["slots"] = [
                {**site.state.slot_view(s, now, member.email), "unlocks": site.state.unlocks_at(s)}
                for s in site.state.day_slots(day, loc, sub)
            ]
        ctx.update(day=day, date_text=day.isoformat(), area=f"{loc} {sub}" if sub else loc)
        return render(request, "book.html", error.status if error else 200, **ctx)

    @r.post("/book")
    async def book_submit(request: Request) -> Response:
        form = await request.form()
        fields = {k: str(form.get(k) or "") for k in ("date", "time", "location", "sub_location")}
        query = urlencode({k: v for k, v in fields.items() if k != "time" and v})
        member = member_of(request, f"/book?{query}")
        try:
            slot = slot_from_fields(
                fields["date"], fields["time"], fields["location"], fields["sub_location"] or None
            )
            booking = site.book(member, slot, "web")
        except GymError as exc:
            return booking_page(
                request,
                member,
                fields["date"] or None,
                fields["location"] or "Fitness",
                fields["sub_location"],
                error=exc,
            )
        return RedirectResponse(f"/bookings/{booking.reference}?confirmed=1", status_code=303)

    @r.get("/bookings")
    def bookings_page(request: Request, cancelled: str = "") -> Response:
        member = member_of(request)
        notice = f"Booking {cancelled} has been cancelled." if cancelled else None
        return bookings_list(request, member, notice=notice)

    def bookings_list(
        request: Request,
        member: Member,
        *,
        notice: str | None = None,
        error: GymError | None = None,
    ) -> Response:
        now = site.clock.now()
        with site.lock:
            rows = [
                (b, b.status == "confirmed" and b.slot.starts_at > now)
                for b in site.state.member_bookings(member.email)
            ]
        return render(
            request,
            "bookings.html",
            error.status if error else 200,
            member=member,
            rows=rows,
            notice=notice,
            error=error.message if error else None,
        )

    @r.get("/bookings/{reference}")
    def booking_detail(request: Request, reference: str, confirmed: str = "") -> Response:
        member = member_of(request)
        try:
            with site.lock:
                booking = site.state.find_booking(member.email, reference)
        except GymError as exc:
            return render(request, "error.html", exc.status, member=member, title=exc.message)
        return render(
            request, "booking.html", member=member, booking=booking, confirmed=bool(confirmed)
        )

    @r.post("/bookings/{reference}/cancel")
    def cancel_submit(request: Request, reference: str) -> Response:
        member = member_of(request, "/bookings")
        try:
            booking = site.cancel(member, reference)
        except GymError as exc:
            return bookings_list(request, member, error=exc)
        return RedirectResponse(f"/bookings?cancelled={booking.reference}", status_code=303)

    return r


def _friendly(exc: GymError) -> str:
    """Form-field errors as a person reads them on the page."""
    field = exc.extra.get("field")
    if field == "date":
        return "Please choose a valid date."
    if field == "sub_location" and "required" in exc.message:
        return "Please choose a sub-location (A or B)."
    return exc.message
