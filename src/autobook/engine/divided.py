"""Divide and conquer (seed 002): a task that wants every listed time, booked with several
accounts, each within its daily limit, so together they book what one account could not.

One attempt logs every account in, lists the day once, counts what each account already has
that day (and records any wanted time one of them already holds: never pay twice), then books
the remaining times one by one with the first account that still has room. A site that says
"limit reached" moves on to the next account. Times left over wait for the next cycle.
"""

from __future__ import annotations

import dataclasses
from datetime import time

from autobook.domain.booking import Confirmation, Hold, Slot
from autobook.domain.choice import choose
from autobook.domain.statuses import TaskStatus
from autobook.engine import records
from autobook.engine.attempt import Attempt, AttemptResult, local_time
from autobook.engine.browsers import AccountBrowser
from autobook.engine.steps import retrying
from autobook.sites.base import AccountLimit, SiteAdapter, SlotTaken


class Seat:
    """An account's place in the attempt: its adapter, browser and bookings that day."""

    def __init__(self, data: records.Seat, adapter: SiteAdapter, browser: AccountBrowser) -> None:
        self.data, self.adapter, self.browser = data, adapter, browser
        self.booked = 0  # bookings this account has on the wanted day
        self.full = False  # the site refused more bookings for it

    @property
    def room(self) -> bool:
        limit = self.data.daily_limit
        return not self.full and (limit is None or self.booked < limit)


class DividedAttempt(Attempt):
    """Books every wanted time; `Attempt` supplies the steps, per account in turn."""

    seats: list[Seat]

    def open_seats(self, seats: list[records.Seat]) -> None:
        """One adapter and browser per account; the first account's are the attempt's own."""
        self.seats = [Seat(seats[0], self.adapter, self.browser)]
        self._dry_hold: Hold | None = None
        for data in seats[1:]:
            browser = self.browser.pool.account(f"{self.job.site}:{data.account_id}", trace=True)
            ctx = dataclasses.replace(self.adapter.ctx, browser=browser)
            self.seats.append(Seat(data, type(self.adapter)(ctx, data.creds), browser))

    def _use(self, seat: Seat) -> None:
        """Make `seat` the account the inherited steps act for."""
        self.adapter, self.browser = seat.adapter, seat.browser
        self.job.account_id, self.job.creds = seat.data.account_id, seat.data.creds
        self.job.saved_state = seat.data.saved_state

    async def _drive(self) -> AttemptResult:
        zone, want = self.info.zone, self.job.want
        done = {local_time(s, zone) for s in records.booked_starts(self.runtime, self.job.task_id)}
        remaining = [t for t in want.times if t not in done]
        for seat in self.seats:
            self._use(seat)
            await self._login()
        self._use(self.seats[0])
        slots = await self._list()
        for seat in self.seats:
            self._use(seat)
            await self._count_existing(seat, remaining)
        if remaining and not records.move(self.runtime, self.job, TaskStatus.BOOKING):
            return AttemptResult("busy", self.job.status, "the task was stopped meanwhile",
                                 self.attempt_id)  # fmt: skip
        for wanted in list(remaining):
            if await self._book_one(wanted, slots):
                remaining.remove(wanted)
            if self._dry_hold is not None:
                return await self._dry_run_end(self._dry_hold)
        return self._end(remaining)

    async def _list(self) -> list[Slot]:
        async with self.steps.step("find") as note:
            slots = await retrying(lambda: self.adapter.availability(self.job.want), note)
            note.detail = f"{len(slots)} slots listed"
        return slots

    async def _count_existing(self, seat: Seat, remaining: list[time]) -> None:
        """How many bookings the account has that day; record wanted times it already holds."""
        async with self.steps.step("check existing") as note:
            found = await retrying(lambda: self.adapter.bookings(self.job.want), note)
            seat.booked = len(found)
            held = [b for b in found if local_time(b.starts_at, self.info.zone) in remaining]
            for booking in held:
                remaining.remove(local_time(booking.starts_at, self.info.zone))
                records.record_booking(self.runtime, self.job, booking, self.job.want.venue,
                                  finish=False)  # fmt: skip
            note.detail = f"{seat.data.creds.login}: {len(found)} bookings that day" + (
                f", {len(held)} of them wanted (recorded)" if held else ""
            )

    async def _book_one(self, wanted: time, slots: list[Slot]) -> bool:
        """Book `wanted` with the first account that has room; True when booked."""
        want = self.job.want
        candidates = choose(slots, (wanted,), want.courts, self.info.zone, day=want.day)
        for seat in (s for s in self.seats if s.room and candidates):
            self._use(seat)
            try:
                hold, confirmation = await self._hold_and_pay(candidates)
            except AccountLimit:
                seat.full = True
                continue
            except SlotTaken:
                return False
            if confirmation is None:  # a dry run stops at the first pay button
                self._dry_hold = hold
                return False
            await self._keep(seat, confirmation)
            return True
        return False

    async def _keep(self, seat: Seat, confirmation: Confirmation) -> None:
        seat.booked += 1
        async with self.steps.step("confirm") as note:
            booking_id = records.record_booking(self.runtime, self.job, confirmation,
                                           self.job.want.venue, finish=False)  # fmt: skip
            note.detail = f"{seat.data.creds.login} booked {confirmation.reference}"
        await self._confirmation_screenshot(confirmation, booking_id)

    def _end(self, remaining: list[time]) -> AttemptResult:
        total = len(self.job.want.times)
        if not remaining:
            return self._settle("booked", TaskStatus.SUCCEEDED, f"booked all {total} times")
        left = ", ".join(f"{t:%H:%M}" for t in remaining)
        return self._settle("partial", TaskStatus.PENDING,
                            f"booked {total - len(remaining)} of {total}; still wanted: {left}",
                            wait=True)  # fmt: skip

    async def _cleanup(self, result: AttemptResult | None) -> None:
        """Every account's trace and client; then the attempt's record, once."""
        for i, seat in enumerate(self.seats[1:], start=2):
            self._use(seat)
            await self._stop_trace(result, f"trace-account{i}")
            await seat.adapter.close()
        self._use(self.seats[0])  # its adapter is closed by `run`
        await super()._cleanup(result)
