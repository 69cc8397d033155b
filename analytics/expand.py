"""Expanding a node on the map (关系图展开): its neighbours, a bounded page at a time.

The workbench draws an entity and, on a click, its neighbours. A bank account of a bureau
can have thousands of transfers, so ``expand`` never reads a whole neighbourhood into
Python: the number of ties of each type is a degree count (``COUNT {}``, answered from the
node's relationship counts), and per tie type at most ``limit`` neighbours are fetched,
already ranked in the query; the best ``limit`` of all types are returned, with, per type,
how many ties were not returned (outside the reader's scope, not valid at ``at``, or
beyond ``limit`` — a count, never a name) and a ``truncated`` flag.

Relevance (highest first): a neighbour named by an alert in the reader's scope; then the
larger amount (a transfer's, a contract's, a subsidy's, a bid's, a shareholding's share);
then the more recent date; then the key.

Tie types are the model's relationships of the node's label (both directions), plus
EVIDENCE (the alerts naming it); labels and types reach the query text only from the
model. Where the definitions of docs/access.md put the other end in scope whenever the
node is (``IMPLIED``: an account's transfers, a unit's contracts, subsidies, officials and
accounts, an alert's evidence), the neighbour's condition is not evaluated again — on a
bureau's account with thousands of transfers that is most of the work.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from analytics.access import in_scope
from analytics.plain import plain
from analytics.queries import (INTERNAL_PROPERTIES, PROVENANCE_KEYS, as_date,
                               candidate_keys, resolve_entity, valid_at)
from analytics.scope import Scope
from graph.model import load_model

__all__ = ["EXPANDABLE_TYPES", "IMPLIED", "RELEVANCE", "RESOLVE_MANY", "tie_types_of", "expand",
           "neighbour_counts"]

_MODEL = load_model()
EXPANDABLE_TYPES = tuple(sorted(_MODEL.relationship_types - {"LOADED", "RAISED"}))
RELEVANCE = ("alerted", "amount", "date", "key")
# (label, tie type, direction) whose other end is in scope whenever the node is.
IMPLIED = frozenset({
    ("Account", "PAID", "out"), ("Account", "PAID_TO", "in"),  # a transfer of the account
    ("Unit", "BUYER", "in"), ("Unit", "ISSUED_BY", "in"),  # its contracts and subsidies
    ("Unit", "HOLDS_POSITION", "in"), ("Unit", "HELD_BY", "in"),  # its officials, accounts
    ("Alert", "EVIDENCE", "out"),  # the evidence of an alert in scope
})


@lru_cache(maxsize=None)
def tie_types_of(label: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """``(type, direction, neighbour labels)`` of every tie a node of ``label`` can have.

    >>> ("HOLDS_POSITION", "out", ("Unit",)) in tie_types_of("Person")
    True
    >>> ("HELD_BY", "in", ("Account",)) in tie_types_of("Company")
    True
    """
    ties = []
    for rel in _MODEL.relationships:
        if rel.type not in EXPANDABLE_TYPES:
            continue
        if rel.source == label:
            ties.append((rel.type, "out", tuple(rel.targets)))
        if label in rel.targets:
            ties.append((rel.type, "in", (rel.source,)))
    merged: dict[tuple[str, str], set[str]] = {}
    for rel_type, direction, labels in ties:
        merged.setdefault((rel_type, direction), set()).update(labels)
    return tuple((t, d, tuple(sorted(labels))) for (t, d), labels in sorted(merged.items()))


def _condition(labels: tuple[str, ...], variable: str) -> str:
    if len(labels) == 1:
        return in_scope(labels[0], variable)
    branches = " ".join(f"WHEN {variable}:`{label}` THEN {in_scope(label, variable)}"
                        for label in labels)
    return f"CASE {branches} ELSE false END"


def _key(labels: tuple[str, ...], variable: str) -> str:
    branches = " ".join(f"WHEN {variable}:`{label}` THEN {variable}.`{_MODEL.node(label).key}`"
                        for label in labels)
    names = " ".join(f"WHEN {variable}:`{label}` THEN toString({variable}."
                     f"`{_MODEL.node(label).caption}`)" for label in labels)
    return f"CASE {branches} END AS key, CASE {names} END AS name"


@lru_cache(maxsize=None)
def _neighbours_query(label: str, rel_type: str, direction: str,
                      labels: tuple[str, ...]) -> str:
    implied = (label, rel_type, direction) in IMPLIED
    arrow = f"-[r:`{rel_type}`]->" if direction == "out" else f"<-[r:`{rel_type}`]-"
    label_filter = " OR ".join(f"m:`{label}`" for label in labels)
    return f"""
MATCH (n) WHERE elementId(n) = $element_id
MATCH (n){arrow}(m) WHERE ({label_filter})
  AND ($at IS NULL OR ({valid_at('r', '$at')}
                       AND coalesce(m.signed_date, m.date, m.submitted_date, $at) <= $at))
  AND {'true' if implied else _condition(labels, 'm')}
WITH r, m,
     EXISTS {{ MATCH (m)<-[:EVIDENCE]-(alert:Alert) WHERE {in_scope('Alert', 'alert')} }}
       AS alerted,
     toFloat(coalesce(m.amount, m.bid_amount, r.share_pct, 0.0)) AS amount,
     coalesce(m.date, m.signed_date, m.submitted_date, r.start_date) AS date
ORDER BY alerted DESC, amount DESC, date DESC, elementId(m)
LIMIT $limit
RETURN head(labels(m)) AS label, {_key(labels, 'm')}, properties(r) AS tie,
       alerted, amount, date
"""


@lru_cache(maxsize=None)
def _counts_query(label: str) -> str:
    arrows = {"out": ("-", "->"), "in": ("<-", "-")}
    counts = ", ".join(
        f"`{t}:{d}`: COUNT {{ (n){arrows[d][0]}[:`{t}`]{arrows[d][1]}() }}"
        for t, d, _ in tie_types_of(label))
    return f"""
UNWIND $element_ids AS element_id
MATCH (n:`{label}`) WHERE elementId(n) = element_id
RETURN element_id, {{{counts}}} AS counts
"""


def _checked_types(label: str, tie_types: Iterable[str] | None):
    ties = tie_types_of(label)
    if tie_types is None:
        return ties
    wanted = set(tie_types)
    unknown = sorted(wanted - set(EXPANDABLE_TYPES))
    if unknown:
        raise ValueError(f"unknown tie types {unknown}; choose among "
                         f"{', '.join(EXPANDABLE_TYPES)}")
    return tuple(tie for tie in ties if tie[0] in wanted)


def expand(connection, key: str, *, scope: Scope, tie_types: Iterable[str] | None = None,
           limit: int = 50, at: dt.date | str | None = None) -> dict:
    """The neighbours of an entity, for the map: the ``limit`` most relevant, and counts.

    Parameters
    ----------
    connection : graph.connection.Connection
    key : str
        Key of any entity in scope (any accepted spelling).
    scope : analytics.scope.Scope
        The reader's jurisdiction: neighbours outside it are counted, never named.
    tie_types : iterable of str, optional
        Only ties of these types (``EXPANDABLE_TYPES``); all of the label's by default.
    limit : int
        Most neighbours returned (ranked by ``RELEVANCE``).
    at : date or ISO text, optional
        Only ties valid that day (start ≤ at ≤ end) and facts dated on or before it.

    Returns
    -------
    dict
        ``entity`` (label, key, name); ``neighbours`` (each ``{type, direction`` — out:
        from the entity, in: towards it —, ``node`` {label, key, name}, ``tie``
        (properties of the relationship), ``provenance``, ``alerted``, ``amount``,
        ``date}``); ``counts`` per tie type ``{total, returned, not_returned}`` (a type
        read in both directions counts both); ``truncated`` (some tie was not returned);
        ``relevance`` (the ranking used).

    Raises
    ------
    analytics.queries.EntityNotFound
        When no entity in scope has that key.
    ValueError
        For an unknown tie type or a limit below 1.
    """
    if int(limit) < 1:
        raise ValueError("limit must be at least 1")
    entity = resolve_entity(connection, key, scope=scope)
    ties = _checked_types(entity["label"], tie_types)
    [counted] = connection.read(_counts_query(entity["label"]),
                                element_ids=[entity["element_id"]])
    present = [(rel_type, direction, labels) for rel_type, direction, labels in ties
               if counted["counts"][f"{rel_type}:{direction}"]]
    parameters = {"element_id": entity["element_id"], "at": as_date(at), "limit": int(limit),
                  **scope.parameters()}
    answers = connection.read_many([   # one transaction for every tie type present
        (_neighbours_query(entity["label"], rel_type, direction, labels), parameters)
        for rel_type, direction, labels in present])
    candidates = [(rel_type, direction, row)
                  for (rel_type, direction, _), rows in zip(present, answers) for row in rows]
    candidates.sort(key=lambda c: (not c[2]["alerted"], -c[2]["amount"],
                                   _descending(c[2]["date"]), str(c[2]["key"])))
    chosen = candidates[:int(limit)]
    counts: dict[str, dict] = {}
    for rel_type, direction, _ in ties:
        entry = counts.setdefault(rel_type, {"total": 0, "returned": 0, "not_returned": 0})
        entry["total"] += counted["counts"][f"{rel_type}:{direction}"]
    for rel_type, _, _ in chosen:
        counts[rel_type]["returned"] += 1
    for entry in counts.values():
        entry["not_returned"] = entry["total"] - entry["returned"]
    return {
        "entity": {k: entity[k] for k in ("label", "key", "name")},
        "neighbours": [_neighbour(rel_type, direction, row) for rel_type, direction, row in chosen],
        "counts": counts,
        "truncated": any(entry["not_returned"] for entry in counts.values()),
        "relevance": list(RELEVANCE),
    }


def _descending(date) -> tuple:
    """Sort key putting later dates first and undated last."""
    value = as_date(date)
    return (value is None, -(value.toordinal() if value else 0))


def _neighbour(rel_type: str, direction: str, row: dict) -> dict:
    tie = plain(row["tie"])
    return {"type": rel_type, "direction": direction,
            "node": {"label": row["label"], "key": row["key"], "name": row["name"]},
            "tie": {k: v for k, v in tie.items() if k not in INTERNAL_PROPERTIES},
            "provenance": {k: tie.get(k) for k in PROVENANCE_KEYS},
            "alerted": row["alerted"], "amount": row["amount"], "date": plain(row["date"])}


RESOLVE_MANY = "UNWIND $items AS item\nCALL {\n" + "\n  UNION ".join(
    f"WITH item MATCH (n:`{label}`) WHERE n.`{node.key}` IN item.keys "
    f"AND {in_scope(label, 'n')} RETURN n"
    for label, node in _MODEL.nodes.items() if node.kind == "entity" or label == "Alert"
) + """
}
RETURN item.typed AS typed, elementId(n) AS element_id, head(labels(n)) AS label,
       n AS node
"""


def neighbour_counts(connection, keys: Iterable[str], *, scope: Scope) -> dict[str, dict]:
    """How many ties of each type the given entities have (the map's "+n" badges).

    Returns ``{typed key: {label, key, total, by_type: {type: count}}}`` for the keys of
    entities in scope; a key that is missing or out of scope is absent from the result
    (the two read alike). Counts are degree counts: they include ties whose other end the
    reader may not see (a number, never a name).
    """
    items = [{"typed": key, "keys": candidate_keys(key)} for key in dict.fromkeys(keys)]
    found = connection.read(RESOLVE_MANY, items=items, **scope.parameters())
    by_label: dict[str, list[dict]] = {}
    for row in found:
        by_label.setdefault(row["label"], []).append(row)
    result = {}
    for label, rows in by_label.items():
        counted = {row["element_id"]: row["counts"] for row in connection.read(
            _counts_query(label), element_ids=[row["element_id"] for row in rows])}
        for row in rows:
            by_type: dict[str, int] = {}
            for name, count in counted[row["element_id"]].items():
                rel_type = name.split(":")[0]
                by_type[rel_type] = by_type.get(rel_type, 0) + count
            node = _MODEL.node(label)
            result[row["typed"]] = {"label": label, "key": row["node"][node.key],
                                    "total": sum(by_type.values()), "by_type": by_type}
    return result

