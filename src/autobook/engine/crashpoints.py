"""Crash points: named places in a booking where a test can kill the worker outright.

`AUTOBOOK_CRASH_AT=<point>` makes the process `os._exit` the moment an attempt reaches that
point: no `finally`, no `except`, no lease handed back, exactly as a SIGKILL or a power cut
would leave things. The recovery tests (tests/integration/test_crash_recovery.py) kill a worker
at each point and restart it, to prove a task then ends booked exactly once (never paid twice)
or failed with its reason. Unset (always, outside those tests), `reached` is one dict lookup.

The points, in the order a booking passes them:
- `after_claim`: the task is taken (checking, with a lease); nothing asked of the site yet.
- `after_hold`: the site holds a slot for us; nothing paid.
- `before_pay`: about to send the payment request.
- `after_pay`: the site took the payment and made the booking; autobook has not recorded it.
- `after_record`: the booking and the task's success are committed; the screenshot and the
  notification are still to come.
"""

from __future__ import annotations

import os

CRASH_ENV = "AUTOBOOK_CRASH_AT"
POINTS = ("after_claim", "after_hold", "before_pay", "after_pay", "after_record")
EXIT_CODE = 86  # what a crashed process exits with, so a test tells it from other deaths


def reached(point: str) -> None:
    """Die here if the environment says so."""
    assert point in POINTS, point
    if os.environ.get(CRASH_ENV) == point:
        os._exit(EXIT_CODE)
