"""The layers run one way (DESIGN.md): web and cli → worker → handoff and appointments → engine
→ sites → db → domain. This reads every module's imports (type-only ones too) and fails on an
arrow that runs back up, naming the module and the import."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Lowest first; a module may import its own tier and any tier below it. The support modules sit
# where their imports put them: settings, logs, the vault, the private data folder and finding
# Chromium under the database; the runtime (settings + database + vault) and the notifier under
# the engine that uses them.
TIERS: list[set[str]] = [
    {"domain", "__init__"},
    {"config", "logs", "vault", "datadir", "chromium"},
    {"db"},
    {"sites"},
    {"runtime", "notify"},
    {"engine"},
    {"handoff", "appointments"},
    {"worker"},
    {"web", "cli", "__main__"},
]
# The simulators are a world of their own: they may import nothing of the product.
ISLANDS = {"sandbox"}


def part_of(module: str) -> str:
    """The top-level part of `autobook.x.y` ("x")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def tier_of(part: str) -> int:
    for index, tier in enumerate(TIERS):
        if part in tier:
            return index
    raise AssertionError(f"autobook.{part} is in no layer: add it to TIERS in {__file__}")


def imports_of(src: Path, path: Path) -> list[tuple[int, str]]:
    """(line, imported autobook module) for every import in the file, relative ones resolved."""
    module = ".".join(path.relative_to(src).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return [(line, name) for line, name in found if name.split(".")[0] == "autobook"]


def back_imports(src: Path) -> list[str]:
    """Every import under `src`/autobook that runs against the layer order."""
    problems = []
    for path in sorted((src / "autobook").rglob("*.py")):
        module = ".".join(path.relative_to(src).with_suffix("").parts)
        here = part_of(module)
        for line, name in imports_of(src, path):
            there = part_of(name)
            where = f"{path.relative_to(src)}:{line} imports {name}"
            if here in ISLANDS or there in ISLANDS:
                if here != there and not (there in ISLANDS and tier_of(here) == len(TIERS) - 1):
                    problems.append(f"{where} (the simulators stand apart)")
            elif tier_of(there) > tier_of(here):
                problems.append(f"{where} (autobook.{there} is above autobook.{here})")
    return problems


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert back_imports(SRC) == []


def package_cycle(src: Path) -> list[str]:
    """A cycle of imports between top-level parts (same-layer parts could form one), or []."""
    graph: dict[str, set[str]] = {}
    for path in (src / "autobook").rglob("*.py"):
        here = part_of(".".join(path.relative_to(src).with_suffix("").parts))
        graph.setdefault(here, set()).update(
            there for _, name in imports_of(src, path) if (there := part_of(name)) != here
        )

    def walk(node: str, trail: list[str]) -> list[str]:
        if node in trail:
            return [*trail[trail.index(node) :], node]
        for nxt in sorted(graph.get(node, ())):
            if found := walk(nxt, [*trail, node]):
                return found
        return []

    for start in sorted(graph):
        if found := walk(start, []):
            return found
    return []


def test_no_import_cycle_between_packages() -> None:
    assert package_cycle(SRC) == []


def test_the_check_sees_a_back_import(tmp_path: Path) -> None:
    fake = tmp_path / "autobook" / "db"
    fake.mkdir(parents=True)
    type_only = "if TYPE_CHECKING:\n    from autobook.worker import loop\n"
    (fake / "bad.py").write_text("from typing import TYPE_CHECKING\n" + type_only)
    assert back_imports(tmp_path) == [
        "autobook/db/bad.py:3 imports autobook.worker (autobook.worker is above autobook.db)"
    ]


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    for part, other in (("config", "logs"), ("logs", "config")):
        (tmp_path / "autobook" / part).mkdir(parents=True)
        (tmp_path / "autobook" / part / "m.py").write_text(f"import autobook.{other}.m\n")
    assert package_cycle(tmp_path) == ["config", "logs", "config"]
