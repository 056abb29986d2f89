"""`autobook demo`: the simulators, a seeded autobook and its web app, in one command."""

from __future__ import annotations

from pathlib import Path

import click

from autobook.cli.common import echo_note, load_settings, opened_runtime
from autobook.cli.demo_data import demo_today, free_demo_targets, seed_demo
from autobook.logs import setup_logging
from autobook.sandbox.runner import SIM_CLASSES, Sandbox


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("./demo-data"),
    show_default=True,
    help="Where the demo keeps its database and key, apart from your real data.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the web app.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Web app port."
)
@click.option(
    "--sandbox-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="First port of the simulators (one per origin). 0: any free ports.",
)
def demo(data_dir: Path, host: str, port: int, sandbox_port: int) -> None:
    """Start the sandbox sites, seed demo accounts and tasks, and serve the dashboard.

    Prints the simulators' URLs, the dashboard URL and a fresh admin login. Uses its own data
    folder and SQLite database, whatever DATABASE_URL says. Ctrl-C stops everything.
    """
    import uvicorn

    from autobook.web.app import create_app
    from autobook.web.proxies import UVICORN_OPTIONS

    settings = load_settings(data_dir=data_dir, database_url=None, host=host, port=port)
    box = Sandbox.create(list(SIM_CLASSES), seed="demo")
    try:
        box.start(host, sandbox_port)
        free_demo_targets(box, demo_today())
        for name, origins in box.urls().items():
            for origin, url in origins.items():
                click.echo(f"sandbox  {name:<8} {origin:<4} {url}")
        # One task per simulator at a time, so every demo task starts at once.
        lanes = max(settings.worker_concurrency, len(box.sites))
        settings = settings.model_copy(update={**box.site_settings(), "worker_concurrency": lanes})
        with opened_runtime(settings) as runtime:
            setup_logging(settings)
            login = seed_demo(runtime)
            click.echo(f"seeded   {login.accounts} accounts, {login.tasks} new tasks")
            click.echo(f"dashboard {settings.base_url}/")
            click.echo(f"login    {login.username} / {login.password}")
            echo_note("demo running; press Ctrl-C to stop")
            app = create_app(settings, runtime=runtime, worker=settings.embedded_worker)
            uvicorn.run(app, host=host, port=port, log_config=None,
                        **UVICORN_OPTIONS)  # fmt: skip
    except OSError as exc:
        raise click.ClickException(f"--port/--sandbox-port: could not start: {exc}") from None
    finally:
        box.stop()
