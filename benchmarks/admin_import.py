"""The physical limit: ``neo4j-admin database import full`` of the same rows as the peer.

The staging (not timed, like the peer's) turns the staged UTF-8 tables of
``benchmarks/load_csv_peer.py`` into the import tool's node and relationship files, with the
same nodes (one per key, reference-only nodes included), the same relationships (one per
start, end and ``rel_key``, as ``MERGE`` would keep) and the same raw-string properties, so
the three methods build the same graph. The import itself runs offline into a store that
does not exist yet; the schema is created after it, on the started server, and its index
population is measured with it.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from benchmarks.load_csv_peer import NODE_PASSES, REL_PASSES
from graph.admin_import import import_command  # noqa: F401  (the one way to call the tool)


def _column(expr: str) -> str:
    return expr.removeprefix("row.")


def _rows(path: Path):
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            yield {k: (v if v != "" else None) for k, v in row.items()}


def stage_import_files(staged: dict[str, Path], out: Path) -> list[str]:
    """Write node and relationship files; returns the tool's ``--nodes``/``--relationships``."""
    out.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, dict[str, dict]] = defaultdict(dict)
    node_key: dict[str, str] = {}
    node_props: dict[str, list[str]] = defaultdict(list)
    for p in NODE_PASSES:
        if p.table not in staged:
            continue
        node_key[p.label] = p.key
        for prop in p.props:
            if prop not in node_props[p.label]:
                node_props[p.label].append(prop)
        for row in _rows(staged[p.table]):
            if row.get(p.column) is None:
                continue
            key = p.key_fn(row) if p.key_fn else row[p.column]
            props = nodes[p.label].setdefault(key, {})
            for prop in p.props:
                props[prop] = row.get(prop)
    arguments = []
    for label, by_key in nodes.items():
        path = out / f"nodes-{label}.csv"
        props = node_props[label]
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow([f"{node_key[label]}:ID({label})", *props])
            for key, values in by_key.items():
                writer.writerow([key, *(values.get(p) or "" for p in props)])
        arguments.append(f"--nodes={label}={path}")
    for index, p in enumerate(REL_PASSES):
        if p.table not in staged:
            continue
        (sl, _, se), (el, _, ee) = p.start, p.end
        header = [f":START_ID({sl})", f":END_ID({el})"]
        header += ["rel_key"] if p.rel_key_fn else []
        header += list(p.props)
        seen: set[tuple] = set()
        path = out / f"rels-{index:02d}-{p.rel_type}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(header)
            for row in _rows(staged[p.table]):
                if any(row.get(c) is None for c in p.needs):
                    continue
                start = p.start_fn(row) if p.start_fn else row[_column(se)]
                end = row[_column(ee)]
                rel_key = p.rel_key_fn(row) if p.rel_key_fn else None
                if (start, end, rel_key) in seen:
                    continue
                seen.add((start, end, rel_key))
                writer.writerow([start, end, *([rel_key] if p.rel_key_fn else []),
                                 *(row.get(prop) or "" for prop in p.props)])
        arguments.append(f"--relationships={p.rel_type}={path}")
    return arguments
