"""Serve simulators on loopback: each origin of each site on its own port.

Used by `autobook sandbox`, `autobook demo`, the tests and the benchmarks. A `Sandbox` owns the
sites and their servers; `Sandbox.start()` returns once every origin answers.
"""

from __future__ import annotations

import asyncio
import importlib
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from autobook.sandbox.core import SimSite

KEEP_ALIVE_S = 75

# Stable site name → "module:Class". The class builds one app per origin it serves.
SIM_CLASSES: dict[str, str] = {
    "better": "autobook.sandbox.better.site:BetterSim",
    "estelle": "autobook.sandbox.estelle.site:EstelleSim",
    "gym": "autobook.sandbox.gym.site:GymSim",
    "clinic": "autobook.sandbox.clinic.site:ClinicSim",
}


def load_sim(name: str) -> type[SimSite]:
    module, _, cls = SIM_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ServerThread:
    """One uvicorn server in a daemon thread with its own event loop."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(
            app,
            host=host,
            port=self.port,
            log_level="warning",
            lifespan="on",
            access_log=False,
            date_header=False,  # the site sets its own Date from its (skewable) clock
            # nginx's default: idle keep-alive connections survive a minute, as on most sites
            timeout_keep_alive=KEEP_ALIVE_S,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"sim-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self, timeout_s: float = 10.0) -> None:
        self.thread.start()
        deadline = threading.Event()
        for _ in range(int(timeout_s / 0.02)):
            if self.server.started:
                return
            if not self.thread.is_alive():
                break
            deadline.wait(0.02)
        raise RuntimeError(f"simulator on {self.url} did not start")

    def stop(self, timeout_s: float = 5.0) -> None:
        self.ask_to_stop()
        self.thread.join(timeout=timeout_s)

    def ask_to_stop(self) -> None:
        self.server.should_exit = True


# (site, origin) → the setting that points an adapter there, and the path the adapter adds.
URL_SETTINGS = {
    ("better", "api"): ("better_api_url", "/api"),
    ("better", "web"): ("better_web_url", ""),
    ("estelle", "web"): ("estelle_url", ""),
    ("gym", "web"): ("gym_url", ""),
    ("clinic", "web"): ("clinic_url", ""),
}


def settings_for(urls: dict[str, dict[str, str]]) -> dict[str, str]:
    """Settings fields (better_api_url, …) for simulators serving at `urls`."""
    return {
        URL_SETTINGS[(site, origin)][0]: url.rstrip("/") + URL_SETTINGS[(site, origin)][1]
        for site, origins in urls.items()
        for origin, url in origins.items()
        if (site, origin) in URL_SETTINGS
    }


@dataclass
class Sandbox:
    """Simulators by site name, with the URL of each origin once started."""

    sites: dict[str, SimSite] = field(default_factory=dict)
    servers: dict[str, dict[str, ServerThread]] = field(default_factory=dict)

    @classmethod
    def create(cls, names: list[str] | None = None, *, seed: str | None = None) -> Sandbox:
        box = cls()
        for name in names or list(SIM_CLASSES):
            site = load_sim(name)()
            if seed:
                site.seed(seed)
            box.sites[name] = site
        return box

    def start(
        self, host: str = "127.0.0.1", base_port: int = 0, *, latency_ms: float = 0.0
    ) -> Sandbox:
        """Start every origin; ports count up from `base_port`, or are free ones when 0.
        `latency_ms` delays every answer of every site (a site across the internet)."""
        port = base_port
        for name, site in self.sites.items():
            site.latency_ms = latency_ms
            ports: dict[str, int] = {}
            for origin in site.origins:
                ports[origin] = port or free_port(host)
                port = port + 1 if port else 0
            site.urls = {origin: f"http://{host}:{p}" for origin, p in ports.items()}
            apps = site.build_apps()
            site_servers = {o: ServerThread(apps[o], host, ports[o]) for o in site.origins}
            self.servers[name] = site_servers
            for server in site_servers.values():
                server.start()
        return self

    def url(self, site: str, origin: str) -> str:
        return self.servers[site][origin].url

    def urls(self) -> dict[str, dict[str, str]]:
        return {n: {o: s.url for o, s in origins.items()} for n, origins in self.servers.items()}

    def site_settings(self) -> dict[str, str]:
        """The `Settings` fields that point the adapters at these simulators."""
        return settings_for(self.urls())

    def stop(self) -> None:
        """Every origin is told at once, then awaited: a busy machine waits once, not per origin."""
        servers = [server for origins in self.servers.values() for server in origins.values()]
        for server in servers:
            server.ask_to_stop()
        deadline = time.monotonic() + 5.0  # one wait for all: threads are daemons anyway
        for server in servers:
            server.stop(timeout_s=max(0.0, deadline - time.monotonic()))
        self.servers.clear()
