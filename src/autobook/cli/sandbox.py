"""`autobook sandbox`: the site simulators on loopback, until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from autobook.cli.common import echo_note
from autobook.sandbox.runner import SIM_CLASSES, Sandbox


@click.command()
@click.option("--seed", default="demo", show_default=True, help="Named data set to load.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    "base_port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="First port; each origin of each site takes the next one. 0: any free ports.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(0, 5000),
    default=0,
    show_default=True,
    help="Add this much to every round trip (half each way), as if the sites were far away.",
)
def sandbox(seed: str, host: str, base_port: int, latency_ms: float) -> None:
    """Run the simulators of the booking sites and print their URLs; Ctrl-C stops them."""
    try:
        box = Sandbox.create(list(SIM_CLASSES), seed=seed)
    except (KeyError, ValueError) as exc:
        raise click.ClickException(f"--seed: {seed!r} is not a known data set ({exc})") from None
    # Ctrl-C even when started with SIGINT ignored (a background job of a script, a test
    # runner's worker): an inherited "ignore" would otherwise leave it running for good.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        box.start(host, base_port, latency_ms=latency_ms)
        for name, origins in box.urls().items():
            for origin, url in origins.items():
                click.echo(f"{name:<8} {origin:<8} {url}")
        echo_note("sandbox running; press Ctrl-C to stop")
        _sleep_until_signalled()
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(f"--host/--port: could not start: {exc}") from None
    except KeyboardInterrupt:
        echo_note("stopping")
    finally:
        box.stop()


def _sleep_until_signalled() -> None:
    """Block until Ctrl-C or SIGTERM raises here. The wait is timed: Linux may hand the signal
    to a server thread, and an endless wait in the main thread would then never wake up to
    run Python's handler."""
    idle = threading.Event()
    while not idle.wait(0.5):
        pass


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # `docker stop` and test harnesses stop it like Ctrl-C
