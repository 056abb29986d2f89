"""bench/race: release → booked on the Better simulator, measured by the simulator's own log.

Three ways to book, run side by side (same process, same simulator, interleaved run by run):

- http: the engine's snipe (`engine.snipe.run_snipe`), paying with account credit over the API;
- browser: the engine's snipe paying by card in the browser (billing form, payment iframe);
- baseline: the bot of seeds 000/001 (bench/baseline.py): at the release time by the LOCAL
  clock it opens the web site and clicks through to book, paying by card in the iframe.

Every run skews the simulator's clock by a random offset within ±3 s, then gives each way its
own session (one free court of four) releasing LEAD_S ahead on the site's clock. From the event
log: release → our account's `booking` event, and release → the first booking request (cart
add or web "Book now") at or after the release, which over the engine's 2×N snipes is the
"clock accuracy under skew" figure. Prints each trial, the distributions and Markdown tables.
Asserts nothing; loopback only; N trials per way, each bounded by the engine's own timeouts.

    uv run python -m bench.race [--runs 10] [--max-skew 3] [--seed N] [--competitors 0]
    uv run python -m bench.race --head-to-head [--runs 20] [--latency-ms 20]

`--head-to-head` races the engine's snipe against an independent sniper instead
(bench/head_to_head.py, bench/rival.py), `--runs` rounds of one contested court.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, async_playwright

from autobook.chromium import launch_options
from autobook.engine.browsers import BrowserPool
from autobook.engine.snipe import run_snipe
from autobook.runtime import Runtime
from bench import head_to_head
from bench.baseline import BaselineBot, CardDetails, Target
from bench.support import (
    ExternalSandbox,
    add_account,
    add_card,
    add_task,
    bench_runtime,
    describe,
    fmt,
    machine,
    markdown_table,
)

LONDON = ZoneInfo("Europe/London")
VENUE, ACTIVITY = "hendon-leisure-centre", "badminton-60min"
MODES = ("http", "browser", "baseline")
START = {"http": "17:00", "browser": "18:00", "baseline": "19:00"}  # one session per way
LEAD_S = 9.0  # release this far ahead: log in, arm and sync the clock (~6 s of probes) first
SETTLE_S = 1.0  # after a trial, for the site's last events to land before reading the log
PASSWORD = "Race-pass-1"
CARD = CardDetails("Alex Member", "4111111111111111", "1230", "123", "1 High Street", "London",
                   "N1 1AA")  # fmt: skip
ENGINE_BOOK_PATH = "/activities/cart/add"
BASELINE_BOOK_PATH = "/basket/add"
CHECKOUT_PAGE = "/basket/checkout"


@dataclass
class Trial:
    mode: str
    run: int
    skew_s: float
    key: str
    login: str
    release: datetime  # on the site's clock
    outcome: str = ""
    booked_ms: float | None = None  # release → our booking event
    first_ms: float | None = None  # release → first booking request at or after it
    early: int = 0  # booking requests that reached the site before the release
    checkout_ms: float | None = None  # release → the web checkout page requested (card ways)


class Race:
    def __init__(self, runtime: Runtime, admin: httpx.AsyncClient, web_url: str,
                 pool: BrowserPool, browser: Browser, competitors: int) -> None:  # fmt: skip
        self.runtime, self.admin, self.web_url = runtime, admin, web_url
        self.pool, self.browser, self.competitors = pool, browser, competitors

    async def trial(self, mode: str, run: int, skew: float) -> Trial:
        """Set up one contested session releasing LEAD_S ahead, book it one way, read the log."""
        admin = self.admin
        (await admin.post("/_sandbox/clock", json={"offset_s": skew})).raise_for_status()
        now = datetime.fromisoformat((await admin.get("/_sandbox/clock")).json()["now"])
        day = now.astimezone(LONDON).date() + timedelta(days=1 + run)
        key = f"{VENUE}/{ACTIVITY}/{day.isoformat()}/{START[mode]}"
        release = (now + timedelta(seconds=LEAD_S)).replace(microsecond=0)
        login = f"race-{mode}-{run}-{uuid.uuid4().hex[:6]}@example.com"
        trial = Trial(mode, run, skew, key, login, release)
        await self._site_setup(trial, credit=mode == "http")
        since = await self._last_seq()
        try:
            if mode == "baseline":
                trial.outcome = await self._baseline(trial, day)
            else:
                trial.outcome = await self._engine(trial, day, by_card=mode == "browser")
        except Exception as exc:  # a figure run: report what broke and carry on
            trial.outcome = f"crashed: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
        await asyncio.sleep(SETTLE_S)
        self._read_log(trial, await self._events(since))
        return trial

    async def _site_setup(self, trial: Trial, *, credit: bool) -> None:
        admin = self.admin
        for path, body in (
            ("/_sandbox/better/release/session",
             {"key": trial.key, "at": trial.release.isoformat()}),
            ("/_sandbox/better/occupancy", {"key": trial.key, "free": [1], "taken": [2, 3, 4]}),
            ("/_sandbox/better/users", {"email": trial.login, "password": PASSWORD,
                                        "credit_pence": 10_000 if credit else 0}),
        ):  # fmt: skip
            (await admin.post(path, json=body)).raise_for_status()
        competitors = {"count": self.competitors, "reaction_ms": 200, "jitter_ms": 50,
                       "targets": [trial.key]}  # fmt: skip
        (await admin.put("/_sandbox/competitors", json=competitors)).raise_for_status()

    async def _engine(self, trial: Trial, day: date, *, by_card: bool) -> str:
        rt = self.runtime
        account = add_account(rt, "better", trial.login, PASSWORD)
        payment: dict[str, Any] = {"payment_method": "credit"}
        if by_card:
            payment = {"payment_method": "card", "payment_profile_id": add_card(rt)}
        task = add_task(
            rt, site="better", venue=VENUE, activity=ACTIVITY, target_date=day,
            times=[START[trial.mode]], account_ids=[account], strategy="snipe", **payment,
        )  # fmt: skip
        result = await run_snipe(rt, task, trial.release, pool=self.pool, worker="bench")
        return result.outcome

    async def _baseline(self, trial: Trial, day: date) -> str:
        bot = BaselineBot(self.browser, self.web_url, trial.login, PASSWORD, CARD,
                          self.runtime.settings.human_typing_ms)  # fmt: skip
        target = Target(VENUE, ACTIVITY, day, START["baseline"])
        try:
            page = await bot.prepare(target)
            # The seeds' bot fires when ITS clock shows the release time: the skew is its error.
            return await bot.book(page, target, trial.release.timestamp())
        finally:
            await bot.close()

    async def _last_seq(self) -> int:
        events = await self._events(0)
        return max((e["seq"] for e in events), default=0)

    async def _events(self, since: int) -> list[dict[str, Any]]:
        response = await self.admin.get("/_sandbox/events", params={"since": since})
        response.raise_for_status()
        return list(response.json())

    @staticmethod
    def _read_log(trial: Trial, events: list[dict[str, Any]]) -> None:
        at = trial.release.timestamp()
        path = BASELINE_BOOK_PATH if trial.mode == "baseline" else ENGINE_BOOK_PATH
        asks = [e["t"] for e in events if e["kind"] == "request" and e["method"] == "POST"
                and e["path"].endswith(path)]  # fmt: skip
        after = [t for t in asks if t >= at]
        trial.early = len(asks) - len(after)
        # The log stamps a request on arrival, before the site checks the release, so a shot
        # a hair early can still win; with none after the release, show the last early one.
        closest = min(after) if after else max(asks, default=None)
        trial.first_ms = (closest - at) * 1000 if closest is not None else None
        pages = [e["t"] for e in events if e["kind"] == "request" and e["method"] == "GET"
                 and e["path"] == CHECKOUT_PAGE and e["t"] >= at]  # fmt: skip
        trial.checkout_ms = (min(pages) - at) * 1000 if pages else None
        ours = [e["t"] for e in events if e["kind"] == "booking" and e["slot"] == trial.key
                and e["actor"] == trial.login]  # fmt: skip
        trial.booked_ms = (min(ours) - at) * 1000 if ours else None


def print_trial(t: Trial) -> None:
    print(
        f"run {t.run + 1:2d} {t.mode:<8} skew {t.skew_s:+6.3f} s  first request "
        f"{fmt(t.first_ms, 1):>8} ms  (early {t.early})  checkout page {fmt(t.checkout_ms):>6} ms  "
        f"booked {fmt(t.booked_ms):>7} ms  "
        f"{t.outcome}",
        flush=True,
    )


def booked_table(trials: list[Trial]) -> list[list[str]]:
    rows = []
    for mode in MODES:
        mine = [t for t in trials if t.mode == mode]
        d = describe([t.booked_ms for t in mine if t.booked_ms is not None])
        pages = describe([t.checkout_ms for t in mine if t.checkout_ms is not None])
        rows.append([mode, f"{int(d.get('n', 0))}/{len(mine)}",
                     *(fmt(d.get(k)) for k in ("min", "median", "p90", "max")),
                     fmt(pages.get("median"))])  # fmt: skip
    return rows


def first_request_table(trials: list[Trial]) -> list[list[str]]:
    rows = []
    groups = {"engine (http+browser)": [t for t in trials if t.mode != "baseline"],
              "baseline": [t for t in trials if t.mode == "baseline"]}  # fmt: skip
    for name, group in groups.items():
        firsts = [t.first_ms for t in group if t.first_ms is not None]
        d = describe(firsts)
        within = sum(0 <= f <= 50 for f in firsts)
        rows.append([name, str(len(group)), *(fmt(d.get(k), 1) for k in
                    ("min", "median", "p90", "max")), f"{within}/{len(group)}"])  # fmt: skip
    return rows


def report(trials: list[Trial], args: argparse.Namespace, machine_line: str) -> None:
    print(f"\n{args.runs} runs per way, skew uniform within ±{args.max_skew:g} s, "
          f"{args.competitors} competitors at 200 ms; machine: {machine_line}\n")  # fmt: skip
    print("Release → booked (ms, from the simulator's event log)\n")
    headers = ["way", "booked", "min", "median", "p90", "max", "checkout page opened (median)"]
    print(markdown_table(headers, booked_table(trials)))
    print("\nFirst booking request at or after the release (ms; clock accuracy under skew)\n")
    print(markdown_table(["who", "snipes", "min", "median", "p90", "max", "within +50 ms"],
                         first_request_table(trials)))  # fmt: skip
    print(
        "\nEngine snipes, first request (ms) by skew: "
        + ", ".join(
            f"{t.skew_s:+.2f}s→{fmt(t.first_ms, 1)}" for t in trials if t.mode != "baseline"
        )
    )


async def bench(box: ExternalSandbox, args: argparse.Namespace) -> list[Trial]:
    rng = random.Random(args.seed)
    trials: list[Trial] = []
    async with (
        httpx.AsyncClient(base_url=box.url("better", "api"), timeout=30) as admin,
        BrowserPool() as pool,
        async_playwright() as pw,
    ):
        (await admin.post("/_sandbox/seed/demo")).raise_for_status()
        browser = await pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        with bench_runtime(box) as runtime:
            race = Race(runtime, admin, box.url("better", "web"), pool, browser, args.competitors)
            for run in range(args.runs):
                skew = rng.uniform(-args.max_skew, args.max_skew)
                order = MODES[run % 3 :] + MODES[: run % 3]  # nobody always goes first
                for mode in order:
                    trial = await race.trial(mode, run, skew)
                    trials.append(trial)
                    print_trial(trial)
        await browser.close()
        await admin.put("/_sandbox/competitors", json={"count": 0})
        await admin.post("/_sandbox/clock", json={"offset_s": 0})
    return trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, choices=range(1, 51), metavar="1..50",
                        help="trials per way (default 10: 20 engine snipes)")  # fmt: skip
    parser.add_argument("--max-skew", type=float, default=3.0, help="seconds, either way")
    parser.add_argument("--seed", type=int, default=None, help="for repeatable skews")
    parser.add_argument(
        "--head-to-head",
        action="store_true",
        help="the engine's snipe against bench/rival.py, one court per round",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="head to head: print what the site saw around each release",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="added to every round trip to the simulator (half each way)",
    )
    parser.add_argument("--competitors", type=int, default=0, choices=range(0, 11),
                        metavar="0..10", help="bookers grabbing the free court 200 ms "
                        "after each release (default 0: all ways book, all are timed)")  # fmt: skip
    args = parser.parse_args()
    machine_line = machine()
    box = ExternalSandbox(args.latency_ms).start()
    try:
        if args.head_to_head:
            head_to_head.VERBOSE = args.verbose
            rounds = asyncio.run(head_to_head.duel(box, args))
        else:
            trials = asyncio.run(bench(box, args))
    finally:
        box.stop()
    if args.head_to_head:
        head_to_head.report(rounds, args, machine_line)
    else:
        report(trials, args, machine_line)


if __name__ == "__main__":
    main()
