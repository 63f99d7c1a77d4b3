"""The layout of the package: an import graph without cycles, imports that only go down.

The graph is read from the source with :mod:`ast`, so it includes every import:
module level, ``if TYPE_CHECKING:`` blocks and imports inside functions.  An
import of ``pkg.mod`` is an edge to ``pkg.mod`` (not to ``pkg``'s ``__init__``,
which Python also runs, but which imports only down); ``from pkg import name`` is
an edge to ``pkg.name`` when that is a module and to ``pkg`` otherwise.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import bayespersuade

PKG_DIR = Path(bayespersuade.__file__).parent


def module_files(root: Path) -> dict[str, tuple[Path, bool]]:
    """``{dotted module name: (file, is_package)}`` for every ``.py`` file under ``root``."""
    out = {}
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (p, is_pkg)
    return out


def import_graph(root: Path) -> nx.DiGraph:
    """Every import between the modules of the package at ``root``."""
    pkg = root.name
    mods = module_files(root)
    g = nx.DiGraph()
    for name, (path, is_pkg) in mods.items():
        g.add_node(name)
        here = name.split(".") if is_pkg else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == pkg:
                        g.add_edge(name, alias.name, line=node.lineno)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != pkg:
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    g.add_edge(name, sub if sub in mods else target, line=node.lineno)
    return g


def describe_cycles(g: nx.DiGraph, limit: int = 10) -> list[str]:
    # each cycle starts at its alphabetically first module, so the names are stable
    rotated = [c[c.index(min(c)):] + c[: c.index(min(c))] for c in nx.simple_cycles(g)]
    cycles = sorted(rotated, key=lambda c: (len(c), c))
    return [" -> ".join([*c, c[0]]) for c in cycles[:limit]]


def test_import_graph_has_no_cycles():
    cycles = describe_cycles(import_graph(PKG_DIR))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_cycle_detector_names_a_cycle(tmp_path):
    # The check above must be able to fail: a type-only import inside
    # TYPE_CHECKING and an import inside a function close a cycle here.
    pkg = tmp_path / "toy"
    (pkg / "solvers").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "solvers" / "__init__.py").write_text("")
    (pkg / "game.py").write_text("def solve():\n    from .solvers import lp\n")
    (pkg / "solvers" / "lp.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..game import Game\n"
    )
    assert describe_cycles(import_graph(pkg)) == ["toy.game -> toy.solvers.lp -> toy.game"]


# Which subpackage may import which (besides itself and the leaf modules
# `exceptions`, `_version` and `citations`).  Down the list = lower in the house.
LEAVES = {"bayespersuade.exceptions", "bayespersuade._version", "bayespersuade.citations"}
MAY_IMPORT = {
    "bayespersuade.solvers": set(),
    "bayespersuade.datasets": set(),
    "bayespersuade.instances": {"bayespersuade.solvers", "bayespersuade.datasets",
                                "bayespersuade.game", "bayespersuade.io",
                                "bayespersuade.solution"},
    # Plots draw games, solutions and ceiling tables; the face calls them lazily
    # (``game.plot()``), so they read the game and the solution through protocols.
    "bayespersuade.plots": {"bayespersuade.solvers", "bayespersuade.datasets",
                            "bayespersuade.instances"},
    "bayespersuade.llm": {"bayespersuade.solvers", "bayespersuade.datasets",
                          "bayespersuade.instances", "bayespersuade.game", "bayespersuade.io",
                          "bayespersuade.solution", "bayespersuade.plots"},
    # The Inspect task (optional extra) sits on the LLM bridge; only it imports inspect_ai.
    "bayespersuade.inspect_task": {"bayespersuade.llm", "bayespersuade.solvers",
                                   "bayespersuade.datasets", "bayespersuade.instances",
                                   "bayespersuade.game", "bayespersuade.io",
                                   "bayespersuade.solution", "bayespersuade.plots"},
}


def _room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_imports_only_go_down(room):
    g = import_graph(PKG_DIR)
    allowed = MAY_IMPORT[room] | LEAVES | {room}
    bad = [
        f"{src} imports {dst} (line {g.edges[src, dst]['line']})"
        for src, dst in g.edges
        if _room(src) == room and dst not in LEAVES and _room(dst) not in allowed
    ]
    assert not bad, "\n".join(bad)


def test_package_top_holds_the_face_only():
    top = sorted(p.stem for p in PKG_DIR.glob("*.py"))
    assert len(top) <= 10, top
    for sub in sorted(p for p in PKG_DIR.iterdir() if (p / "__init__.py").is_file()):
        doc = ast.get_docstring(ast.parse((sub / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"{sub.name}/__init__.py says nothing about what lives there"
