"""Named starting states of the gym: its members and the places other people already hold."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from autobook.sandbox.gym.model import FIRST_HOUR, LAST_HOUR, ZONE, SlotRef, all_areas
from autobook.sandbox.gym.state import GymState

# (email, password, name) of the members every seed creates: the accounts a user manages.
DEMO_MEMBERS: list[tuple[str, str, str]] = [
    ("alex@example.com", "alex-gym-2026", "Alex Morgan"),
    ("sam@example.com", "sam-gym-2026", "Sam Patel"),
    ("jo@example.com", "jo-gym-2026", "Jo Byrne"),
]


def add_demo_members(state: GymState) -> None:
    for email, password, name in DEMO_MEMBERS:
        state.add_member(email, password, name)


def fill_released(state: GymState, now: datetime, rng: random.Random) -> int:
    """Book places for other members in every slot already unlocked (today's earlier ones too),
    so the timetable looks lived in: some slots empty, most part-booked, a few full.
    Deterministic per slot key, so the same clock gives the same timetable."""
    today = now.astimezone(ZONE).date()
    days = int(state.rules.unlock_hours // 24) + 2
    placed = 0
    for d in range(days):
        for hour in range(FIRST_HOUR, LAST_HOUR + 1):
            for loc, sub in all_areas():
                slot = SlotRef(today + timedelta(days=d), hour, loc, sub)
                if state.unlocks_at(slot) > now:
                    continue
                for who in _background_members(slot, state.capacity(slot)):
                    state.add_booking(who, slot, now, "seed", rng)
                    placed += 1
    return placed


def _background_members(slot: SlotRef, capacity: int) -> list[str]:
    r = random.Random(slot.key)
    roll = r.random()
    if roll < 0.15:
        places = capacity
    elif roll < 0.40 or capacity < 2:
        places = 0
    else:
        places = r.randint(1, capacity - 1)
    first = r.randint(1000, 8000)
    return [f"member-{first + n}" for n in range(places)]
