"""Member sessions and the click-through check that was the real site's bot detection.

The real site redirected to its home page whenever the booking page was opened by URL instead of
by clicking through from home. Here every funnel page needs (1) the session to have been served
the page before it and (2) the browser to say, by its Referer, that it came from that page or
from a deeper page of the same funnel (a reload or the back link). A forged Referer alone does not
pass, nor does a session that clicked through once but now types the URL.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from starlette.requests import Request

from autobook.sandbox.estelle.model import SERVICE_ID

COOKIE = "em_session"
FUNNEL = ("home", "book", "padel", "availability", "confirm")
PATHS = {
    "home": "/",
    "book": "/spa",
    "padel": "/spa/category/padel-courts",
    "availability": f"/spa/{SERVICE_ID}",
    "confirm": f"/spa/{SERVICE_ID}/confirm",
}
MAX_VIEWS = 200  # confirm-page loads remembered per session (for the pacing check)


@dataclass
class Session:
    sid: str
    email: str
    trail: set[str] = field(default_factory=set)  # funnel pages served in this session
    views: dict[str, float] = field(default_factory=dict)  # confirm view id → monotonic load time

    def new_view(self) -> str:
        if len(self.views) >= MAX_VIEWS:
            self.views.pop(next(iter(self.views)))
        view = secrets.token_hex(8)
        self.views[view] = time.monotonic()
        return view


class SessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    def create(self, email: str) -> Session:
        session = Session(secrets.token_urlsafe(24), email)
        self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        return self._sessions.get(sid or "")

    def drop(self, sid: str) -> None:
        self._sessions.pop(sid, None)

    def clear(self) -> None:
        self._sessions.clear()

    def __len__(self) -> int:
        return len(self._sessions)


def referer_path(request: Request) -> str | None:
    """The path of a same-origin Referer, else None."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parsed = urlparse(referer)
    if parsed.netloc != request.url.netloc:
        return None
    return parsed.path or "/"


def came_through(session: Session, page: str, request: Request) -> bool:
    """True when `page` was reached by clicking from its predecessor within this session."""
    step = FUNNEL.index(page)
    if step == 0:
        return True
    before = FUNNEL[step - 1]
    allowed_from = {PATHS[p] for p in FUNNEL[step - 1 :]}
    return before in session.trail and referer_path(request) in allowed_from


def fetched_from(session: Session, page: str, request: Request) -> bool:
    """True when a request made by `page` (a script call or its form) comes from that page."""
    return page in session.trail and referer_path(request) == PATHS[page]
