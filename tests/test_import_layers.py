"""Imports flow one way, and no module needs itself back (read from the source, not run).

Imports inside functions count: a cycle hidden in a function (graph.connection and
graph.local_server used to import each other that way) is still a cycle. Imports under
``if TYPE_CHECKING:`` do not: they exist for type hints only and are never executed.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graph", "ingest", "analytics", "web", "synthetic", "lianjian")
# What each package may import besides itself (README: ingest → graph ← analytics ← web;
# the CLI composes them; synthetic makes data from ingest's table specification).
ALLOWED = {"graph": set(), "ingest": {"graph"}, "analytics": {"graph"},
           "web": {"analytics", "graph"}, "synthetic": {"ingest", "graph", "analytics"},
           "lianjian": set(PACKAGES)}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module(path): path for package in PACKAGES
            for path in sorted((ROOT / package).rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules imported by ``path`` (``from a import b`` counts a.b if a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_lines(tree)
    found = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names
                     if f"{node.module}.{alias.name}" in modules] or [node.module]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(path, modules) - {name}:
            graph.add_edge(name, target)
    return graph


def test_no_module_imports_itself_back():
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == [], cycles


def test_packages_import_only_the_layers_below_them():
    wrong = sorted((source, target) for source, target in _graph().edges
                   if target.split(".")[0] != source.split(".")[0]
                   and target.split(".")[0] not in ALLOWED[source.split(".")[0]])
    assert wrong == [], wrong


def test_the_graph_cycle_is_gone():
    """graph.local_server uses graph.connection; graph.connection needs nothing above it."""
    graph = _graph()
    assert graph.has_edge("graph.local_server", "graph.connection")
    assert not nx.has_path(graph, "graph.connection", "graph.local_server")
