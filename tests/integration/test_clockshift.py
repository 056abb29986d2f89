"""The moved clock of `scripts/test-dates` (tests/clockshift) ticks in forked children too: a
process that forks workers before it reads the clock (crash_runner.py) must not give every
child the same starting instant."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FORKS = """
import os, time
def child_now():
    r, w = os.pipe()
    if os.fork() == 0:
        os.write(w, repr(time.time()).encode())
        os._exit(0)
    os.wait()
    return float(os.read(r, 100))
first = child_now()
time.sleep(0.5)
print(child_now() - first, time.time() - 86400 * 200)
"""


def test_children_forked_apart_see_their_real_distance_on_the_moved_clock() -> None:
    shift = Path(__file__).parents[1] / "clockshift"
    env = {**os.environ, "AUTOBOOK_TEST_CLOCK_OFFSET": str(86400 * 200), "PYTHONPATH": str(shift)}
    done = subprocess.run([sys.executable, "-c", FORKS], env=env, capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    apart, unshifted = (float(v) for v in done.stdout.split())
    assert 0.45 <= apart < 5  # was 0.0: both children started the clock at the same instant
    # ...and the clock did move: 200 days back from it is about the real now.
    real = float(subprocess.check_output([sys.executable, "-c", "import time; print(time.time())"],
                                         env={k: v for k, v in env.items() if k != "PYTHONPATH"}))
    assert abs(unshifted - real) < 60
