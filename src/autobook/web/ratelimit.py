"""Failed-login limit per client IP over a sliding minute, in memory.

In memory is enough for the one web process that serves the admin pages; a restart forgives
everyone, which costs an attacker a restart they cannot cause.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0
MAX_TRACKED_IPS = 10_000


class LoginRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def _recent(self, ip: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(ip, deque())
        while failures and failures[0] <= now - WINDOW_S:
            failures.popleft()
        return failures

    def retry_after(self, ip: str, limit: int) -> int | None:
        """Seconds to wait when `ip` has used up its `limit` failures this minute, else None."""
        with self._lock:
            now = self._clock()
            failures = self._recent(ip, now)
            if len(failures) < limit:
                return None
            return max(1, math.ceil(failures[-limit] + WINDOW_S - now))

    def record_failure(self, ip: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent(ip, now).append(now)
            if len(self._failures) > MAX_TRACKED_IPS:  # bound memory under a spray of addresses
                for key in list(self._failures):
                    if not self._recent(key, now):
                        del self._failures[key]

    def reset(self, ip: str) -> None:
        with self._lock:
            self._failures.pop(ip, None)
