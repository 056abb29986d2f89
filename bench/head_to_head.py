"""`bench.race --head-to-head`: the engine's snipe against an independent sniper, one contested
court per round.

Each round skews the simulator's clock within ±`--max-skew` s, opens one session with one free
court of four releasing LEAD_S ahead on the site's clock, gives two accounts (both members,
so both pay nothing) and starts both at once: the engine's `run_snipe` in this process and
`bench/rival.py` (written from the site notes alone) in its own. From the simulator's event
log, per side: who booked, when its first cart add arrived (the first at or after the release;
`early` counts those before it) and release → its booking.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from autobook.engine.browsers import BrowserPool
from autobook.engine.snipe import run_snipe
from autobook.runtime import Runtime
from bench.support import (
    ExternalSandbox,
    add_account,
    add_task,
    bench_runtime,
    describe,
    fmt,
    markdown_table,
)

VENUE, ACTIVITY, START = "hendon-leisure-centre", "badminton-60min", "19:00"
LEAD_S = 12.0  # both log in, prepare and bracket the clock before the release
SETTLE_S = 1.0
PASSWORD = "Duel-pass-1"
CART_ADD = "/api/activities/cart/add"
SIDES = ("engine", "rival")
VERBOSE = False  # print what the site saw around each release (`bench.race --verbose`)


@dataclass
class Side:
    login: str
    outcome: str = ""
    first_ms: float | None = None  # release → first cart add arriving at or after it
    early: int = 0
    booked_ms: float | None = None
    clock_error_ms: float | None = None  # the rival's: its offset estimate minus the skew


@dataclass
class Round:
    run: int
    skew_s: float
    release: datetime
    sides: dict[str, Side] = field(default_factory=dict)

    @property
    def winner(self) -> str:
        booked = [n for n, s in self.sides.items() if s.booked_ms is not None]
        return booked[0] if len(booked) == 1 else ("both?" if booked else "nobody")


async def one_round(runtime: Runtime, admin: httpx.AsyncClient, box: ExternalSandbox,
                    run: int, skew: float) -> Round:  # fmt: skip
    (await admin.post("/_sandbox/clock", json={"offset_s": skew})).raise_for_status()
    now = datetime.fromisoformat((await admin.get("/_sandbox/clock")).json()["now"])
    day = (now + timedelta(days=1 + run)).date()
    key = f"{VENUE}/{ACTIVITY}/{day.isoformat()}/{START}"
    release = (now + timedelta(seconds=LEAD_S)).replace(microsecond=0)
    tag = uuid.uuid4().hex[:6]
    rnd = Round(run, skew, release,
                {n: Side(f"duel-{n}-{run}-{tag}@example.com") for n in SIDES})  # fmt: skip
    for path, body in (
        ("/_sandbox/better/release/session", {"key": key, "at": release.isoformat()}),
        ("/_sandbox/better/occupancy", {"key": key, "free": [1], "taken": [2, 3, 4]}),
        *(("/_sandbox/better/users", {"email": s.login, "password": PASSWORD, "benefit": True})
          for s in rnd.sides.values()),
    ):  # fmt: skip
        (await admin.post(path, json=body)).raise_for_status()
    since = max((e["seq"] for e in (await admin.get("/_sandbox/events")).json()), default=0)
    account = add_account(runtime, "better", rnd.sides["engine"].login, PASSWORD)
    task = add_task(runtime, site="better", venue=VENUE, activity=ACTIVITY, target_date=day,
                    times=[START], account_ids=[account], strategy="snipe",
                    payment_method="benefit")  # fmt: skip
    rival = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.rival", "--api", box.url("better", "api") + "/api",
        "--web", box.url("better", "web"), "--login", rnd.sides["rival"].login,
        "--password", PASSWORD, "--venue", VENUE, "--activity", ACTIVITY,
        "--date", day.isoformat(), "--start", START, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip

    async def engine() -> str:
        async with BrowserPool() as pool:
            return (await run_snipe(runtime, task, release, pool=pool, worker="duel")).outcome

    try:
        rnd.sides["engine"].outcome = await engine()
    except Exception as exc:  # a figure run: report and carry on
        rnd.sides["engine"].outcome = f"crashed: {type(exc).__name__}"
    out, _ = await rival.communicate()
    try:
        said = json.loads(out.decode().strip().splitlines()[-1])
        rnd.sides["rival"].outcome = said["outcome"]
        rnd.sides["rival"].clock_error_ms = said.get("offset_ms", 0.0) - skew * 1000
    except (ValueError, IndexError, KeyError):
        rnd.sides["rival"].outcome = "no answer"
    await asyncio.sleep(SETTLE_S)
    events = (await admin.get("/_sandbox/events", params={"since": since})).json()
    read_log(rnd, key, events)
    if VERBOSE:
        print_timeline(rnd, events)
    return rnd


def print_timeline(rnd: Round, events: list[dict[str, Any]]) -> None:
    """What the site saw from 50 ms before the release to 300 ms after, for reading a round."""
    at = rnd.release.timestamp()
    who = {s.login: n for n, s in rnd.sides.items()}
    for e in events:
        if -0.05 <= e["t"] - at <= 0.3 and e["kind"] != "release_hold":
            reason = e["detail"].get("reason", "") if e["kind"] == "rejected" else ""
            print(
                f"    {(e['t'] - at) * 1000:+8.1f} ms {who.get(e['actor'], e['actor']):<8} "
                f"{e['kind']:<9} {e['method']} {e['path']} {e['status'] or ''} {reason}"
            )


def read_log(rnd: Round, key: str, events: list[dict[str, Any]]) -> None:
    at = rnd.release.timestamp()
    for side in rnd.sides.values():
        adds = [e["t"] for e in events if e["kind"] == "request" and e["path"] == CART_ADD
                and e["actor"] == side.login]  # fmt: skip
        after = [t for t in adds if t >= at]
        side.early = len(adds) - len(after)
        side.first_ms = (min(after) - at) * 1000 if after else None
        booked = [e["t"] for e in events if e["kind"] == "booking" and e["slot"] == key
                  and e["actor"] == side.login]  # fmt: skip
        side.booked_ms = (min(booked) - at) * 1000 if booked else None


def print_round(r: Round) -> None:
    parts = [
        f"{n} first {fmt(s.first_ms, 1):>6} ms (early {s.early}) booked {fmt(s.booked_ms, 1):>6}"
        f" ms {s.outcome:<10}"
        for n, s in r.sides.items()
    ]
    error = r.sides["rival"].clock_error_ms
    print(f"round {r.run + 1:2d} skew {r.skew_s:+6.3f} s  winner {r.winner:<7} " + "  ".join(parts)
          + f"  rival clock error {fmt(error, 1)} ms", flush=True)  # fmt: skip


def report(rounds: list[Round], args: argparse.Namespace, machine_line: str) -> None:
    print(f"\n{len(rounds)} rounds head to head, one free court, skew within ±{args.max_skew:g} s, "
          f"latency {args.latency_ms:g} ms per round trip; machine: {machine_line}\n")  # fmt: skip
    rows = []
    for name in SIDES:
        firsts = describe([r.sides[name].first_ms for r in rounds
                           if r.sides[name].first_ms is not None])  # fmt: skip
        booked = describe([r.sides[name].booked_ms for r in rounds
                           if r.sides[name].booked_ms is not None])  # fmt: skip
        wins = sum(r.winner == name for r in rounds)
        early = sum(r.sides[name].early for r in rounds)
        rows.append([name, f"{wins}/{len(rounds)}", fmt(firsts.get("median"), 1),
                     fmt(firsts.get("max"), 1), str(early), fmt(booked.get("median"), 1),
                     fmt(booked.get("max"), 1)])  # fmt: skip
    headers = ["who", "wins", "first arrival median (ms)", "first arrival max (ms)", "shots early",
               "release → booked median (ms)", "release → booked max (ms)"]  # fmt: skip
    print(markdown_table(headers, rows))


async def duel(box: ExternalSandbox, args: argparse.Namespace) -> list[Round]:
    rng = random.Random(args.seed)
    rounds: list[Round] = []
    async with httpx.AsyncClient(base_url=box.url("better", "api"), timeout=30) as admin:
        (await admin.post("/_sandbox/seed/demo")).raise_for_status()
        with bench_runtime(box) as runtime:
            runtime.settings = runtime.settings.model_copy(update={"screenshots": False})
            for run in range(args.runs):
                rnd = await one_round(runtime, admin, box, run,
                                      rng.uniform(-args.max_skew, args.max_skew))  # fmt: skip
                rounds.append(rnd)
                print_round(rnd)
        await admin.post("/_sandbox/clock", json={"offset_s": 0})
    return rounds
