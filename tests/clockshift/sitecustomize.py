"""Runs this Python process on another date: when AUTOBOOK_TEST_CLOCK_OFFSET is set (seconds,
by `scripts/test-dates`), the wall clock (time.time, datetime.now, date.today) moves by that
much and keeps ticking; monotonic time is untouched, so timeouts and sleeps behave.

Loaded through PYTHONPATH as `sitecustomize`, so every process of a test run (pytest, its
xdist workers, the worker and sandbox subprocesses it starts) shares the one offset."""

import os

_offset = os.environ.get("AUTOBOOK_TEST_CLOCK_OFFSET")
SHIFTED = bool(_offset)  # the test session checks this: a run meant to move is never silent
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_offset), tick=True).start()
    # time-machine starts the ticking at the first read of the clock, not at start(): a
    # process that forks before reading it (tests/integration/crash_runner.py) would give
    # every child the same starting instant, and a later child would see an earlier "now"
    # than the one before it. Read it here, so the clock ticks from interpreter start.
    time.time()
