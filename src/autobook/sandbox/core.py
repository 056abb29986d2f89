"""What every simulator shares: a skewable site clock, a server-side event log, fault injection,
competing bookers, random cancellations and the `/_sandbox` admin API.

A simulator is a `SimSite` subclass holding its own in-memory state plus one or more ASGI apps
(one per origin it serves). Everything the real site would not expose lives under `/_sandbox`.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as TimeOfDay
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import JSONResponse, Response

ADMIN_PREFIX = "/_sandbox"
HANG_S = 120.0  # a "hanging" response outlives any sane client timeout
STALE_RELEASE = timedelta(seconds=1)  # a release further in the past was skipped by a clock jump
BACKGROUND_ENV = "AUTOBOOK_SANDBOX_BACKGROUND"


def background_default() -> bool:
    """Whether a new simulator fills released days with other people's bookings ("on" unless
    AUTOBOOK_SANDBOX_BACKGROUND is "off"). Tests switch it off, so that every slot is free
    until the test itself takes it: what a seeded day holds depends on the date."""
    return os.environ.get(BACKGROUND_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


class SiteClock:
    """The site's own clock: the machine's clock plus a settable offset (the skew).

    Release instants and the `Date` header follow this clock, so a bot that trusts its own
    clock fires at the wrong moment when the skew is non-zero.
    """

    def __init__(self, offset_s: float = 0.0) -> None:
        self.offset_s = offset_s

    def timestamp(self) -> float:
        return time.time() + self.offset_s

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def set_now(self, instant: datetime) -> None:
        """Skew the clock so that the site's now is `instant` (must be zone-aware)."""
        if instant.tzinfo is None:
            raise ValueError("instant must be zone-aware")
        self.offset_s = instant.timestamp() - time.time()

    def until(self, instant: datetime) -> float:
        """Seconds of real time until the site clock reaches `instant`."""
        return instant.timestamp() - self.timestamp()


@dataclass
class Event:
    seq: int
    t: float  # site-clock epoch seconds, microsecond resolution
    kind: str  # request | login | hold | release_hold | booking | cancel | payment | fault | …
    site: str
    method: str = ""
    path: str = ""
    query: str = ""  # of a request: which day a listing was asked for
    status: int | None = None
    actor: str = ""  # account login, "competitor-2", "canceller", …
    slot: str = ""
    reference: str = ""
    conn: str = ""  # requests: the client's "host:port", one per TCP connection
    detail: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = datetime.fromtimestamp(self.t, UTC).isoformat(timespec="microseconds")
        return data


class EventLog:
    """Append-only, thread-safe log of what happened on the site, timed by the site clock."""

    def __init__(self, site: str, clock: SiteClock) -> None:
        self.site = site
        self.clock = clock
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def record(self, kind: str, **fields: Any) -> Event:
        with self._lock:
            event = Event(len(self._events) + 1, self.clock.timestamp(), kind, self.site, **fields)
            self._events.append(event)
            return event

    def query(self, kind: str | None = None, since_seq: int = 0) -> list[Event]:
        with self._lock:
            return [
                e for e in self._events if e.seq > since_seq and (kind is None or e.kind == kind)
            ]

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


class Faults(BaseModel):
    """Fault rates are probabilities in [0, 1] applied per eligible request or action."""

    error_rate: float = Field(0.0, ge=0, le=1, description="share of requests answered 503")
    slow_rate: float = Field(0.0, ge=0, le=1, description="share of requests delayed")
    slow_ms: int = Field(1500, ge=0, le=60_000)
    hang_rate: float = Field(0.0, ge=0, le=1, description="share of requests that never answer")
    drop_cart_rate: float = Field(0.0, ge=0, le=1, description="share of holds the site drops")
    expire_sessions: bool = Field(False, description="every session token is treated as expired")
    decline_payments: bool = Field(False, description="every card payment is declined")
    site_changed: bool = Field(
        False,
        description="the site changed: a key page element is renamed and a key API field is "
        "dropped, as happens when a site ships a redesign",
    )


class Competitors(BaseModel):
    """Other bookers who grab slots `reaction_ms` after each release instant."""

    count: int = Field(0, ge=0, le=50)
    reaction_ms: int = Field(200, ge=0, le=600_000)
    jitter_ms: int = Field(50, ge=0, le=60_000)
    targets: list[str] = Field(
        default_factory=list, description="slot keys to fight over; empty means any released slot"
    )


class Cancellations(BaseModel):
    """Random cancellations of existing bookings, freeing their slots."""

    per_minute: float = Field(0.0, ge=0, le=600)


class ClockSet(BaseModel):
    offset_s: float | None = Field(None, ge=-86_400 * 400, le=86_400 * 400)
    now: datetime | None = None


class FreeAt(BaseModel):
    """`POST /_sandbox/free`: site-local day and start time, e.g. {"day": "2027-01-05",
    "start": "19:00"}."""

    day: date
    start: TimeOfDay


class Background(BaseModel):
    enabled: bool


class SimSite:
    """Base of every simulator. Subclasses hold the site's state and build its apps.

    Subclasses implement `reset()`, `seed(name)`, `competitor_grab(actor, rng)`,
    `cancel_random(rng)`, `next_release_after(t)` and `build_apps()`.
    """

    name: str = "site"
    origins: tuple[str, ...] = ("web",)  # one port each; the runner fills `urls` before build

    def __init__(self, *, clock: SiteClock | None = None, seed: int | None = None) -> None:
        self.clock = clock or SiteClock()
        self.events = EventLog(self.name, self.clock)
        self.faults = Faults()
        self.competitors = Competitors()
        self.cancellations = Cancellations()
        self.rng = random.Random(seed)
        # Every answer comes this much later, as if the site were far away: half of it on the
        # way in (before the request "arrives" and is logged), half on the way back.
        self.latency_ms = 0.0
        self.background = background_default()  # seed other people's bookings into days
        self.urls: dict[str, str] = {origin: "" for origin in self.origins}
        self.lock = threading.RLock()  # guards the site's in-memory state
        self._tasks: list[asyncio.Task[None]] = []

    # --- hooks for subclasses -------------------------------------------------------------
    def reset(self) -> None:
        raise NotImplementedError

    def seed(self, name: str) -> None:
        raise NotImplementedError

    def competitor_grab(self, actor: str, targets: list[str]) -> str | None:
        """Book one released free slot (among `targets` if given) as `actor`; its key or None."""
        raise NotImplementedError

    def cancel_random(self) -> str | None:
        """Cancel one random existing booking; its reference or None."""
        raise NotImplementedError

    def free_at(self, day: date, start: TimeOfDay) -> int:
        """Give back what other people hold at `start` (site-local) on `day`, at every venue
        and court; how many bookings that freed. A test or the demo states its free slots so."""
        raise NotImplementedError

    def next_release_after(self, after: datetime) -> datetime | None:
        """The first release instant strictly after `after` (site clock), if any."""
        raise NotImplementedError

    def build_apps(self) -> dict[str, FastAPI]:
        """Origin name → ASGI app for every name in `origins`; `self.urls` is already set."""
        raise NotImplementedError

    # --- shared behaviour -----------------------------------------------------------------
    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def new_app(self, title: str) -> FastAPI:
        """An app with the site-clock `Date` header, request events, faults and the admin API."""
        app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
        app.add_middleware(SiteMiddleware, site=self)
        app.include_router(admin_router(self), prefix=ADMIN_PREFIX)
        app.router.on_startup.append(self.start_background)
        app.router.on_shutdown.append(self.stop_background)
        return app

    async def start_background(self) -> None:
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._competitor_loop()),
            asyncio.create_task(self._cancellation_loop()),
        ]

    async def stop_background(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def _competitor_loop(self) -> None:
        last = self.clock.now()
        while True:
            now = self.clock.now()
            release = self.next_release_after(last)
            if last > now or (release is not None and release < now - STALE_RELEASE):
                last = now  # the clock was moved: don't replay or wait for skipped releases
                continue
            wait = self.clock.until(release) if release else 1.0
            if release is None or wait > 1.0:
                await asyncio.sleep(min(max(wait, 0.05), 1.0))
                continue
            await asyncio.sleep(max(wait, 0.0))
            now = self.clock.now()
            if abs(now - release) > STALE_RELEASE:
                last = now  # the clock was moved while we slept: this release is not now
                continue
            last = release
            actors = [f"competitor-{i + 1}" for i in range(self.competitors.count)]
            await asyncio.gather(*(self._compete(actor) for actor in actors))

    async def _compete(self, actor: str) -> None:
        c = self.competitors
        await asyncio.sleep((c.reaction_ms + self.rng.uniform(0, c.jitter_ms)) / 1000)
        with self.lock:
            self.competitor_grab(actor, list(c.targets))

    async def _cancellation_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            rate = self.cancellations.per_minute / 60
            if rate and self.rng.random() < min(rate, 1.0):
                with self.lock:
                    self.cancel_random()

    def date_header(self) -> str:
        return format_datetime(self.clock.now().replace(microsecond=0), usegmt=True)

    def state_summary(self) -> dict[str, Any]:
        """Anything a test wants to read about the site's state; subclasses extend it."""
        return {}

    def actor_of(self, request: Request) -> str:
        """Whose request this is (an account login), for the request's event; "" if unknown."""
        return ""


class SiteMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: Any, site: SimSite) -> None:
        super().__init__(app)
        self.site = site

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        site = self.site
        path = request.url.path
        if path.startswith(ADMIN_PREFIX):
            return await call_next(request)
        if site.latency_ms > 0:
            await asyncio.sleep(site.latency_ms / 2000)
        client = request.client
        conn = f"{client.host}:{client.port}" if client is not None else ""
        event = site.events.record(
            "request", method=request.method, path=path, query=request.url.query, conn=conn,
            actor=site.actor_of(request),
        )
        response = await self._with_faults(request, call_next)
        event.status = response.status_code
        response.headers["Date"] = site.date_header()
        if site.latency_ms > 0:
            await asyncio.sleep(site.latency_ms / 2000)
        return response

    async def _with_faults(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        site, faults = self.site, self.site.faults
        if site.roll(faults.hang_rate):
            site.events.record("fault", path=request.url.path, detail={"fault": "hang"})
            await asyncio.sleep(HANG_S)
        if site.roll(faults.slow_rate):
            site.events.record("fault", path=request.url.path, detail={"fault": "slow"})
            await asyncio.sleep(faults.slow_ms / 1000)
        if site.roll(faults.error_rate):
            site.events.record("fault", path=request.url.path, detail={"fault": "5xx"})
            return JSONResponse({"message": "Service Unavailable"}, status_code=503)
        return await call_next(request)


def admin_router(site: SimSite) -> APIRouter:
    """The `/_sandbox` control API: clock, events, faults, competitors, cancellations, seed."""
    r = APIRouter()

    @r.get("/clock")
    def get_clock() -> dict[str, Any]:
        return {"now": site.clock.now().isoformat(), "offset_s": site.clock.offset_s}

    @r.post("/clock")
    def set_clock(body: ClockSet) -> dict[str, Any]:
        if body.now is not None:
            if body.now.tzinfo is None:
                raise HTTPException(422, "now must carry a UTC offset")
            site.clock.set_now(body.now)
        elif body.offset_s is not None:
            site.clock.offset_s = body.offset_s
        return get_clock()

    @r.get("/events")
    def get_events(kind: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        return [e.public() for e in site.events.query(kind, since)]

    @r.delete("/events")
    def clear_events() -> dict[str, str]:
        site.events.clear()
        return {"status": "cleared"}

    @r.get("/background")
    def get_background() -> dict[str, bool]:
        return {"enabled": site.background}

    @r.post("/background")
    def set_background(body: Background) -> dict[str, bool]:
        """Whether seeds and newly released days get other people's bookings from now on."""
        site.background = body.enabled
        return get_background()

    _settable(r, "/faults", site, "faults", Faults)
    _settable(r, "/competitors", site, "competitors", Competitors)
    _settable(r, "/cancellations", site, "cancellations", Cancellations)

    @r.post("/reset")
    def reset() -> dict[str, str]:
        with site.lock:
            site.reset()
            site.events.clear()
            site.faults, site.competitors = Faults(), Competitors()
            site.cancellations = Cancellations()
            site.background = background_default()
        return {"status": "reset"}

    @r.post("/free")
    def free(body: FreeAt) -> dict[str, int]:
        with site.lock:
            return {"freed": site.free_at(body.day, body.start)}

    @r.post("/seed/{name}")
    def seed(name: str) -> dict[str, str]:
        with site.lock:
            try:
                site.seed(name)
            except KeyError as exc:
                raise HTTPException(404, f"unknown seed {name!r}") from exc
        return {"status": "seeded", "seed": name}

    @r.get("/state")
    def state() -> dict[str, Any]:
        with site.lock:
            return site.state_summary()

    return r


def _settable(r: APIRouter, path: str, site: SimSite, attr: str, model: type[BaseModel]) -> None:
    def read() -> Any:
        return getattr(site, attr)

    def write(body: BaseModel) -> Any:
        setattr(site, attr, body)
        return body

    # The body's type is only known at run time; FastAPI reads it from the annotations.
    write.__annotations__["body"] = model

    r.add_api_route(path, read, methods=["GET"], response_model=model)
    r.add_api_route(path, write, methods=["PUT"], response_model=model)


async def wait_until(
    clock: SiteClock, instant: datetime, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
) -> None:
    """Sleep until the site clock reaches `instant`."""
    await sleep(max(clock.until(instant), 0.0))


def release_instant(day: datetime, *, days_ahead: int, at: timedelta) -> datetime:
    """Release of a slot on `day` (zone-aware midnight of that day, site zone): `days_ahead`
    days before, at local time-of-day `at`. Computed on local wall time, so DST is respected."""
    local_day = day - timedelta(days=days_ahead)
    naive = local_day.replace(tzinfo=None) + at
    return naive.replace(tzinfo=day.tzinfo)
