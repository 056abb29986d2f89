"""What the benchmarks share: a throwaway autobook database aimed at the sandbox, the machine
they ran on, and figures printed as text and as paste-ready Markdown.

The simulators run in their own process (`ExternalSandbox` from tests/engine_support.py), as a
real site would, so the thing being measured never shares an interpreter lock with the site.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from autobook.config import Settings
from autobook.runtime import Runtime, open_runtime
from autobook.vault import generate_key

# The sandbox helpers live with the tests; the benchmarks use the same ones.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from engine_support import (
    ExternalSandbox,
    add_account,
    add_card,
    add_task,
    sandbox_settings,
)

__all__ = [
    "ExternalSandbox", "add_account", "add_card", "add_task", "bench_runtime", "describe",
    "machine", "markdown_table",
]  # fmt: skip


@contextmanager
def bench_runtime(box: ExternalSandbox) -> Iterator[Runtime]:
    """A fresh SQLite autobook in a temporary folder, its site URLs on the sandbox."""
    with tempfile.TemporaryDirectory(prefix="autobook-bench-") as folder:
        settings = Settings(
            AUTOBOOK_DATA_DIR=Path(folder) / "data",
            DATABASE_URL=f"sqlite:///{folder}/autobook.db",
            ENCRYPTION_KEY=generate_key(),
        )
        runtime = open_runtime(sandbox_settings(settings, box))  # type: ignore[arg-type]
        try:
            yield runtime
        finally:
            runtime.close()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure printed was measured)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def describe(values: Sequence[float]) -> dict[str, float]:
    """min / median / p90 / p95 / max of `values`; empty when there are none."""
    if not values:
        return {}
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "p90": percentile(values, 0.9),
        "p95": percentile(values, 0.95),
        "max": max(values),
    }


def fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _first_line(path: str, prefix: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            found = (ln.split(":", 1)[1] for ln in handle if ln.startswith(prefix))
            return next(found, "?").strip()
    except OSError:
        return "?"


def machine() -> str:
    """One line naming the machine and how busy it was, for the README's Performance section."""
    cpu = _first_line("/proc/cpuinfo", "model name")
    total_kb = _first_line("/proc/meminfo", "MemTotal").split()[0]
    mem_gib = int(total_kb) / 1024**2 if total_kb.isdigit() else 0
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    python = f"Python {platform.python_version()}"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{when}; {os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM; {python}; "
        f"load average before the run {load}"
    )
