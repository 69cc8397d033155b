"""Plain values: the one converter from what the driver returns to JSON-ready Python.

The web app, the notebooks and the command line all receive the analytics API's results as
dicts, lists, strings, numbers, booleans and None, so that ``json.dumps`` takes them as
they are and a template never meets a ``neo4j.time.Date``. Dates and datetimes become ISO
text (``2023-05-01``, ``2024-01-10T08:00:00.000000000+00:00``), which sorts as the dates
do and which ``analytics.queries.as_date`` reads back. Every module converts through
this module: ``plain`` for results, ``native`` where code computes with the values (a
session's expiry, an account's last sign-in kept as ``datetime`` on a dataclass).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

import neo4j.time
from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point

__all__ = ["plain", "native"]


def plain(value: Any) -> Any:
    """A JSON-ready copy of a driver value (containers walked, dates as ISO text).

    Nodes become ``{element_id, labels, properties}``, relationships ``{element_id, type,
    start, end, properties}``, paths ``{nodes, relationships}``; a float NaN (pandas'
    missing value) and pandas' ``NA``/``NaT`` become None, numpy scalars Python numbers.

    >>> import neo4j.time
    >>> plain({"d": neo4j.time.Date(2023, 5, 1), "rows": [(1, dt.date(2020, 1, 2))],
    ...        "x": float("nan")})
    {'d': '2023-05-01', 'rows': [[1, '2020-01-02']], 'x': None}
    >>> plain(neo4j.time.DateTime(2024, 1, 10, 8, 0, 0, tzinfo=dt.timezone.utc))
    '2024-01-10T08:00:00.000000000+00:00'
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)):
        return value.iso_format()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, neo4j.time.Duration):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Node):
        return {"element_id": value.element_id, "labels": sorted(value.labels),
                "properties": plain(dict(value))}
    if isinstance(value, Relationship):
        return {"element_id": value.element_id, "type": value.type,
                "start": value.start_node.element_id if value.start_node else None,
                "end": value.end_node.element_id if value.end_node else None,
                "properties": plain(dict(value))}
    if isinstance(value, Path):
        return {"nodes": [plain(node) for node in value.nodes],
                "relationships": [plain(rel) for rel in value.relationships]}
    if isinstance(value, Point):
        return {"srid": value.srid, "coordinates": list(value)}
    if _is_missing(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return plain(value.item())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return value


def _is_missing(value: Any) -> bool:
    """pandas' NA and NaT without importing pandas (they compare unequal to themselves)."""
    name = type(value).__name__
    return name in ("NAType", "NaTType")


def native(value: Any) -> Any:
    """A driver value as Python objects (Neo4j dates and datetimes to ``datetime``).

    >>> native({"at": neo4j.time.Date(2023, 5, 1), "rows": [1, "a"]})
    {'at': datetime.date(2023, 5, 1), 'rows': [1, 'a']}
    """
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [native(item) for item in value]
    if isinstance(value, dict):
        return {name: native(item) for name, item in value.items()}
    return value
