"""`autobook serve` with its handoff service, as a separate process the restart test can kill.

argv: a base64 pickle of the Settings, then the port. Prints "ready" once it answers.
"""

from __future__ import annotations

import base64
import pickle
import sys

import uvicorn

from autobook.web.app import create_app


def main() -> None:
    settings = pickle.loads(base64.b64decode(sys.argv[1]))
    app = create_app(settings, handoffs=True)
    config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    server = uvicorn.Server(config)
    server.run()


if __name__ == "__main__":
    main()
