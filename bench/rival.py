"""bench/rival: an independent Better sniper, the opponent of `bench.race --head-to-head`.

Written from `shared/sites/better.md` alone (no autobook code): what the notes say the best
public bot does. It logs in early, reads the session's `first_bookable_at` and the per-court
ids from the listing shown before the release, brackets the server's clock from `Date`
headers, keeps its connections warm, fires three staggered `cart/add`s a few ms after the
release (retrying 409 load shedding and 422 "not yet"), and checks out with its membership
benefit. It prints one JSON line: what it measured and how it ended.

    python -m bench.rival --api URL --web URL --login EMAIL --password PW \\
        --venue V --activity A --date YYYY-MM-DD --start HH:MM
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
SHOTS_MS = (2.0, 5.0, 8.0)  # after the release by its clock: "a few staggered requests"
RETRY_FOR_S = 2.0


class Rival:
    def __init__(self, api: str, web: str) -> None:
        headers = {"Origin": web, "Accept": "application/json", "User-Agent": UA}
        limits = httpx.Limits(keepalive_expiry=120)
        self.http = httpx.AsyncClient(base_url=api, headers=headers, timeout=10, limits=limits)
        self.offset = 0.0  # server clock - our clock

    async def login(self, username: str, password: str) -> int | None:
        r = await self.http.post("/auth/customer/login",
                                 json={"username": username, "password": password})  # fmt: skip
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"
        user = (await self.http.get("/auth/user")).json()["data"]
        return (user.get("membership_user") or {}).get("id")

    async def prepare(self, venue: str, activity: str, day: str, start: str) -> tuple[dict, float]:
        """The cart item for a court that has space, and the release instant (epoch s)."""
        base = f"/activities/venue/{venue}/activity/{activity}"
        times = (await self.http.get(f"{base}/v2/times", params={"date": day})).json()["data"]
        item = next(t for t in times if t["starts_at"]["format_24_hour"] == start)
        release = datetime.fromisoformat(item["first_bookable_at"]["utc"].replace("Z", "+00:00"))
        params = {"date": day, "start_time": start,
                  "end_time": item["ends_at"]["format_24_hour"],
                  "composite_key": item.get("composite_key") or ""}  # fmt: skip
        courts = (await self.http.get(f"{base}/v2/slots", params=params)).json()["data"]
        court = next((c for c in courts if c.get("spaces")), courts[0])
        cart_item = {"id": court["id"], "type": "activity",
                     "pricing_option_id": court["pricing_option_id"], "apply_benefit": True,
                     "activity_restriction_ids": []}  # fmt: skip
        return cart_item, release.timestamp()

    async def _date_probe(self) -> tuple[float, int]:
        """(local midpoint of the round trip, server Date in epoch seconds)."""
        sent = time.time()
        r = await self.http.get("/activities/venues")
        got = time.time()
        return (sent + got) / 2, int(parsedate_to_datetime(r.headers["date"]).timestamp())

    async def bracket_clock(self) -> None:
        """Find the local instant at which the server's Date ticks: coarse polling until it
        changes, then polls ever closer around the predicted tick. Offset = tick - instant."""
        last = await self._date_probe()
        tick_local = None
        while tick_local is None:  # coarse: every 20 ms until the second changes
            await asyncio.sleep(0.02)
            probe = await self._date_probe()
            if probe[1] != last[1]:
                tick_local, tick_server = (last[0] + probe[0]) / 2, probe[1]
            last = probe
        for spacing in (0.002, 0.0005):  # finer: around the next ticks
            tick_local += 1
            tick_server += 1
            before, after = tick_local - 0.01, tick_local + 0.01
            t = before
            await _sleep_until(t)
            prev = await self._date_probe()
            while True:
                t = max(t + spacing, time.time())
                await _sleep_until(t)
                probe = await self._date_probe()
                if probe[1] >= tick_server:
                    tick_local = (prev[0] + probe[0]) / 2 if prev[1] < tick_server else probe[0]
                    break
                prev = probe
                if probe[0] > after + 0.05:
                    break  # missed it (a busy machine): keep the previous estimate
        self.offset = tick_server - tick_local

    async def keep_warm(self) -> None:
        await asyncio.gather(*(self.http.get("/activities/venues") for _ in SHOTS_MS))

    async def strike(self, cart_item: dict, member: int | None, release: float) -> dict | None:
        body = {"items": [cart_item], "membership_user_id": member, "selected_user_id": None}
        deadline = release - self.offset + RETRY_FOR_S
        won: list[dict] = []

        async def shot(delay_ms: float) -> None:
            await _sleep_until(release - self.offset + delay_ms / 1000)
            while not won and time.time() < deadline:
                r = await self.http.post("/activities/cart/add", json=body)
                if r.status_code == 200:
                    won.append(r.json()["data"])
                    return
                text = r.text.lower()
                if r.status_code == 409 and "already full" in text:
                    return
                await asyncio.sleep(0.005)  # 409 load shedding or 422 not yet: again, fast

        await asyncio.gather(*(shot(ms) for ms in SHOTS_MS))
        return won[0] if won else None

    async def checkout(self, cart: dict) -> str:
        body = {"payments": [], "terms": [1], "source": "activity-booking",
                "completed_waivers": [], "selected_user_id": None}  # fmt: skip
        if cart.get("total"):
            amount = int(cart["total"])
            await self.http.post("/credits/apply", json={
                "credits_to_reserve": [{"amount": amount, "type": "general"}],
                "cart_source": "activity-booking"})  # fmt: skip
            body["payments"] = [{"tender_type": "credit", "amount": amount}]
        r = await self.http.post("/checkout/complete", json=body)
        r.raise_for_status()
        return str(r.json()["complete_order_id"])


async def _sleep_until(local_ts: float) -> None:
    delay = local_ts - time.time()
    if delay > 0.002:
        await asyncio.sleep(delay - 0.002)
    while time.time() < local_ts:
        await asyncio.sleep(0)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rival = Rival(args.api, args.web)
    result: dict[str, Any] = {"outcome": "lost"}
    try:
        member = await rival.login(args.login, args.password)
        cart_item, release = await rival.prepare(args.venue, args.activity, args.date, args.start)
        await rival.bracket_clock()
        result["offset_ms"] = rival.offset * 1000
        await _sleep_until(release - rival.offset - 1.0)
        await rival.keep_warm()
        cart = await rival.strike(cart_item, member, release)
        if cart is not None:
            result["reference"] = await rival.checkout(cart)
            result["outcome"] = "booked"
    except Exception as exc:  # a figure run: say what broke
        result["outcome"] = f"crashed: {type(exc).__name__}: {exc}"[:200]
    finally:
        await rival.http.aclose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("api", "web", "login", "password", "venue", "activity", "date", "start"):
        parser.add_argument(f"--{name}", required=True)
    print(json.dumps(asyncio.run(main_async(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
