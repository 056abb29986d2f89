"""A pre-warmed process that forks one short-lived worker per request, for the crash tests.

Importing autobook takes seconds on a loaded machine; forty kills would spend minutes on it.
This process imports everything once, opens nothing (no database, no threads), and for each
request line on stdin forks a child that opens its own runtime and runs one attempt at the
task, as a restarted worker would: recover tasks whose lease has run out, then run what is due.
With a crash point the child `os._exit`s there (engine.crashpoints). The exit code goes back
as one JSON line on stdout.

Request: {"settings": <base64 pickle of Settings>, "task_id": 3, "point": "after_pay" | null}
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pickle
import sys
from datetime import UTC, datetime, timedelta

from autobook.config import Settings
from autobook.domain.sites import Site
from autobook.engine.attempt import run_attempt
from autobook.engine.browsers import BrowserPool
from autobook.engine.crashpoints import CRASH_ENV
from autobook.runtime import open_runtime
from autobook.sites.registry import adapter_class
from autobook.worker.loop import recover_abandoned


async def _attempt(settings: Settings, task_id: int) -> None:
    runtime = open_runtime(settings, migrate=False)
    try:
        # A restarted worker comes up after the dead one's lease ran out: recover, then run.
        later = datetime.now(UTC) + timedelta(seconds=settings.lease_seconds + 1)
        recover_abandoned(runtime, now=later)
        async with BrowserPool() as pool:
            await run_attempt(runtime, task_id, pool=pool, worker=f"crash-{os.getpid()}")
    finally:
        runtime.close()


def _child(request: dict) -> int:
    if request.get("point"):
        os.environ[CRASH_ENV] = request["point"]
    settings: Settings = pickle.loads(base64.b64decode(request["settings"]))
    asyncio.run(_attempt(settings, int(request["task_id"])))
    return 0


def main() -> None:
    for site in Site:  # adapters are imported on first use: do it once, before any fork
        adapter_class(site.value)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    main()
