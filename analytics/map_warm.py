"""Warming the relationship map's query plans (``analytics.api.warm_up`` calls this).

Each entity type and tie type the map expands is a query of its own, and its scope
condition makes a first plan take seconds: the first investigator to open a map should not
wait for it. Kept apart from ``map_graph`` and ``map_sources`` because it uses both.
"""
from __future__ import annotations

import time

from analytics.map_graph import MAP_LABELS, expand_page, hidden_neighbours
from analytics.map_sources import paths_graph, trail_graph
from analytics.queries import EntityNotFound
from analytics.scope import Scope
from graph.model import load_model

__all__ = ["warm_up"]

_MODEL = load_model()

# One entity of each label the map draws, with ties (the expand query of every tie type of
# that label gets planned).
WARM_SAMPLE = "CALL {\n" + "\n  UNION ".join(
    f"MATCH (n:`{label}`) WHERE EXISTS {{ (n)--() }} "
    f"RETURN '{label}:' + n.`{_MODEL.node(label).key}` AS id LIMIT 1"
    for label in MAP_LABELS) + "\n}\nRETURN collect(id) AS ids"


def warm_up(connection, *, scope: Scope) -> dict[str, float]:
    """Plan the map's reads once for this kind of reader (``analytics.api.warm_up`` does the
    same for the API's): their scope conditions make a first plan take seconds, and each
    entity type and tie type is a query of its own, which the first investigator should
    not wait for. Expands one entity of every label (every tie type), reads shared
    identifiers, one path and one money trail. Reads only; returns seconds per read."""
    ids = connection.read(WARM_SAMPLE)[0]["ids"]
    if not ids:
        return {}
    people = [i for i in ids if i.startswith(("Person:", "Company:"))]
    accounts = [i for i in ids if i.startswith("Account:")]
    reads = {f"expand {typed.split(':')[0]}":
             (lambda typed=typed: expand_page(connection, typed, scope=scope, limit=5,
                                              on_map=ids)) for typed in ids}
    for typed in people:
        reads[f"hidden {typed.split(':')[0]}"] = (
            lambda typed=typed: hidden_neighbours(connection, typed, "phone", scope=scope,
                                                  limit=1))
    if len(people) > 1:
        reads["paths"] = lambda: paths_graph(connection, people[0], people[1], scope=scope,
                                             max_hops=2)
    if accounts:
        reads["trail"] = lambda: trail_graph(connection, accounts[0], scope=scope,
                                             max_transfers=1, limit=1)
    seconds = {}
    for name, read in reads.items():
        began = time.perf_counter()
        try:
            read()
        except (EntityNotFound, ValueError):
            pass
        seconds[name] = round(time.perf_counter() - began, 3)
    return seconds
