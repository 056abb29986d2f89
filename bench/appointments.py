"""`GET /book/slots` under load: p50/p95 with 50 concurrent clients on a month of data.

A throwaway SQLite autobook gets three appointment types, weekly hours (two windows a day),
and over 31 days: 3 appointments, 4 calendar busy times, a blocked hour and one autobook
booking a day. The app runs in its own process (uvicorn, as `autobook serve` runs it), so
the clients never share its interpreter lock; the clients (one keep-alive connection each,
like a guest's browser) ask for random (type, date) pairs of the month. Prints the figures
and a paste-ready Markdown table, for three loads:

- one client, each request sent as soon as the last one answered (the time one answer takes);
- `--clients` clients, back to back: that many requests always in flight, which measures how
  many answers a second one process gives (each waits behind the others: a saturation test);
- `--clients` guests who each look at the day's times for a while (`--think-ms`, random,
  exponential) before picking the next date: the page's real use, where the latency is what
  one guest sees while the others browse.

    uv run python -m bench.appointments [--clients 50] [--requests 2000] [--think-ms 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from autobook.config import Settings
from autobook.db.models import (
    Appointment,
    AppointmentSettings,
    AppointmentType,
    AvailabilityRule,
    BlockedPeriod,
    Booking,
    CalendarBusy,
    CalendarConnection,
)
from autobook.db.session import transaction
from autobook.runtime import open_runtime
from autobook.sandbox.runner import free_port
from autobook.vault import generate_key
from bench.support import machine, markdown_table, percentile

LONDON = ZoneInfo("Europe/London")
DAYS = 31


def seed(settings: Settings) -> list[int]:
    """A month of rules, appointments, busy times and bookings; the type ids."""
    runtime = open_runtime(settings)
    rng = random.Random(3)
    today = datetime.now(LONDON).date()
    with transaction(runtime.sessions) as s:
        s.add(AppointmentSettings(id=1, min_advance_hours=0, max_future_days=DAYS))
        types = [AppointmentType(name=f"Type {n}", duration_minutes=d, buffer_after_minutes=b)
                 for n, (d, b) in enumerate([(30, 0), (45, 15), (60, 10)])]  # fmt: skip
        s.add_all(types)
        for weekday in range(7):
            s.add(AvailabilityRule(day_of_week=weekday, start_time=clock(8), end_time=clock(12)))
            s.add(AvailabilityRule(day_of_week=weekday, start_time=clock(13), end_time=clock(19)))
        connection = CalendarConnection(kind="ics", url="https://example.invalid/busy.ics")
        s.add(connection)
        s.flush()
        for offset in range(DAYS):
            day = today + timedelta(days=offset)

            def at(hour: int, minute: int = 0, d: object = day) -> datetime:
                return datetime.combine(d, clock(hour, minute), LONDON)  # type: ignore[arg-type]

            for n, hour in enumerate(rng.sample(range(8, 18), 3)):
                start = at(hour)
                end = start + timedelta(minutes=30)
                s.add(Appointment(appointment_type_id=types[0].id, start_datetime=start,
                                  end_datetime=end, busy_start=start, busy_end=end,
                                  guest_name="G", guest_email="g@example.test",
                                  cancel_token=f"{offset}-{n}"))  # fmt: skip
            for hour in rng.sample(range(8, 19), 4):
                s.add(CalendarBusy(connection_id=connection.id, start_datetime=at(hour, 15),
                                   end_datetime=at(hour, 50)))  # fmt: skip
            s.add(BlockedPeriod(start_datetime=at(12, 30), end_datetime=at(13, 30)))
            s.add(Booking(site="better", venue="Hendon", starts_at=at(19), ends_at=at(20)))
        ids = [t.id for t in types]
    runtime.close()
    return ids


async def load(
    url: str, type_ids: list[int], clients: int, requests: int, think_ms: float = 0
) -> list[float]:
    """Each request's time in ms; every client waits about `think_ms` (exponential) before its
    next request, none if 0."""
    today = datetime.now(LONDON).date()
    pairs = [(random.choice(type_ids), today + timedelta(days=random.randrange(DAYS)))
             for _ in range(requests)]  # fmt: skip
    timings: list[float] = []

    async def guest(share: list[tuple[int, date]]) -> None:
        async with Connection(url) as connection:
            for type_id, day in share:
                if think_ms:
                    await asyncio.sleep(random.expovariate(1000 / think_ms))
                began = time.perf_counter()
                await connection.get(f"/book/slots?type_id={type_id}&date={day}")
                timings.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(guest(pairs[n::clients]) for n in range(clients)))
    return timings


class Connection:
    """One guest's keep-alive HTTP/1.1 connection, as a browser holds one. Written on asyncio's
    streams rather than with httpx: in one process with the other 49 clients, httpx's own work
    per request (a few ms) would be timed as the server's."""

    def __init__(self, url: str) -> None:
        origin = urlsplit(url)
        self.host, self.port = origin.hostname or "127.0.0.1", origin.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.close()

    async def get(self, target: str) -> bytes:
        """The body of a 200 answer; anything else raises. A connection the server closed while
        idle (uvicorn keeps one 5 s) is opened again, as a browser does."""
        try:
            return await self._get(target)
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.__aexit__()
            await self.__aenter__()
            return await self._get(target)

    async def _get(self, target: str) -> bytes:
        assert self.reader is not None and self.writer is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        if not head[0].startswith("HTTP/1.1 200"):
            raise RuntimeError(f"GET {target}: {head[0]}")
        fields = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
        if "content-length" not in fields:
            raise RuntimeError(f"GET {target}: no Content-Length (this client reads no chunks)")
        return await self.reader.readexactly(int(fields["content-length"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--think-ms", type=float, default=1000, help="a browsing guest's pause")
    args = parser.parse_args()
    before = machine()
    with tempfile.TemporaryDirectory(prefix="autobook-bench-") as folder:
        env = {"AUTOBOOK_DATA_DIR": f"{folder}/data", "DATABASE_URL": f"sqlite:///{folder}/a.db",
               "ENCRYPTION_KEY": generate_key(), "AUTOBOOK_EMBEDDED_WORKER": "false"}  # fmt: skip
        type_ids = seed(Settings(**env))  # type: ignore[arg-type]
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "autobook", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "PATH": str(Path(sys.executable).parent), "HOME": folder},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{url}/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            asyncio.run(load(url, type_ids, 5, 100))  # warm up
            loads = [(1, 0.0, args.requests // 5), (args.clients, 0.0, args.requests),
                     (args.clients, args.think_ms, args.requests)]  # fmt: skip
            runs = [(n, think, asyncio.run(load(url, type_ids, n, count, think)))
                    for n, think, count in loads]  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=10)
    rows = [[str(n), f"{think:g} ms" if think else "none (back to back)", str(len(t)),
             f"{percentile(t, 0.5):.1f}", f"{percentile(t, 0.95):.1f}", f"{max(t):.1f}"]
            for n, think, t in runs]  # fmt: skip
    print("GET /book/slots, one server process (SQLite), a month of data")
    head = ["clients", "pause between requests", "requests", "p50 ms", "p95 ms", "max ms"]
    print(markdown_table(head, rows))
    clients, _, saturated = runs[1]
    rate = len(saturated) / (sum(saturated) / 1000 / clients)  # requests over the run's length
    print(f"back to back, {clients} clients: {rate:.0f} answers a second")
    print(f"Machine: {before}")


if __name__ == "__main__":
    main()
