"""Hidden relationships (隐性关联): bounded paths between any two entities.

An investigator asks "how is this official connected to that supplier?". The answer is a
handful of short paths over the ties the model records (posts, kinship, company roles,
contracts, bids, accounts and transfers, subsidies), each step with the source row that
recorded it, so that every hop can be checked in the original table.

Paths are bounded three ways: by ``max_hops`` (at most ``MAX_HOPS``), by relationship types
taken from a checked list, and by ``limit``. Given a date ``at``, ties whose start and end
dates exclude it are not walked: a post held in 2015 does not link a 2023 contract.

Both ends must be in the reader's scope (an out-of-scope key reads as a missing one); a node
on the way that is outside the scope is shown as withheld (its label, no key or name: these
are blanked inside the query), so the reader learns that a tie exists, never whom it names.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import networkx as nx

from analytics.plain import plain
from analytics.queries import (INTERNAL_PROPERTIES, PROVENANCE_KEYS, as_date, counterparts,
                               resolve_entity, valid_at)
from analytics.scope import Scope
from graph.model import load_model

__all__ = [
    "MAX_HOPS",
    "PATH_TYPES",
    "DEFAULT_PATH_TYPES",
    "SHORTEST_PATHS",
    "PATHS_OF_LENGTH",
    "shortest_paths",
    "all_short_paths",
    "path_steps",
    "describe_path",
    "paths_graph",
    "MONEY_TRAILS",
    "money_trails",
    "money_graph",
]

MAX_HOPS = 6

# Ties a path may walk: every relationship type of the model between entities. EVIDENCE
# (alerts), LOADED and RAISED are bookkeeping, not ties.
BOOKKEEPING_TYPES = frozenset({"EVIDENCE", "LOADED", "RAISED"})
PATH_TYPES = tuple(sorted(load_model().relationship_types - BOOKKEEPING_TYPES))
# PART_OF is left out by default: every unit of a county reaches every other through it.
DEFAULT_PATH_TYPES = tuple(t for t in PATH_TYPES if t != "PART_OF")

_TIE_VALID_AT = f"""
  type(r) IN $types AND ($at IS NULL OR ({valid_at('r', '$at')}))
"""

# Nodes by element id and label only: their keys and names come through
# queries.counterparts, which blanks those outside the scope inside the database.
_RETURN_PATH = """
RETURN [n IN nodes(p) | {element_id: elementId(n), label: head(labels(n))}] AS nodes,
       [r IN relationships(p) | {type: type(r), start: elementId(startNode(r)),
                                 properties: properties(r)}] AS relationships
"""

# All shortest paths (ALL SHORTEST stops at the first length that reaches b).
SHORTEST_PATHS = f"""
MATCH (a) WHERE elementId(a) = $source
MATCH (b) WHERE elementId(b) = $target
MATCH p = ALL SHORTEST (a)-[r WHERE {_TIE_VALID_AT}]-{{1,{MAX_HOPS}}}(b)
WHERE length(p) <= $max_hops
{_RETURN_PATH}
LIMIT $limit
"""

_PATHS_OF_LENGTH = """
MATCH (a) WHERE elementId(a) = $source
MATCH (b) WHERE elementId(b) = $target
MATCH p = (a)-[r WHERE {valid}]-{{{hops}}}(b)
WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
{returns}
LIMIT $limit
"""
# Simple paths of exactly h hops, one constant per h (quantifiers cannot be parameters;
# these are fixed at import from range(1, MAX_HOPS + 1), never from input).
PATHS_OF_LENGTH = {
    hops: _PATHS_OF_LENGTH.format(valid=_TIE_VALID_AT, hops=hops, returns=_RETURN_PATH)
    for hops in range(1, MAX_HOPS + 1)
}

# Chains of 1..4 transfers out of the source's accounts, each on or after the one before,
# all within $window_days of the first, each of at least $min_amount, no account twice;
# optionally ending at the target (an account, or any account its holder holds).
MONEY_TRAILS = """
MATCH (source) WHERE elementId(source) = $source
MATCH (source)<-[:HELD_BY*0..1]-(first:Account)
MATCH trail = (first)((payer:Account)-[:PAID]->(txn:Transaction)-[:PAID_TO]->(payee:Account)
               WHERE txn.amount >= $min_amount){1,4}(last:Account)
WHERE size(txn) <= $max_transfers
  AND ($start IS NULL OR txn[0].date >= $start)
  AND all(i IN range(0, size(txn) - 2) WHERE txn[i].date <= txn[i + 1].date)
  AND ($window_days IS NULL OR txn[-1].date <= txn[0].date + duration({days: $window_days}))
  AND all(i IN range(0, size(payee) - 1) WHERE NOT payee[i] IN [first] + payee[i + 1..])
  AND ($target IS NULL OR elementId(last) = $target
       OR EXISTS { (last)-[:HELD_BY]->(holder) WHERE elementId(holder) = $target })
WITH trail, txn, payer, payee LIMIT $limit
RETURN [i IN range(0, size(txn) - 1) | {
  txn: elementId(txn[i]), txn_id: txn[i].txn_id, date: txn[i].date, amount: txn[i].amount,
  memo: txn[i].memo, from_account: elementId(payer[i]), to_account: elementId(payee[i]),
  from_holder: head([account IN [payer[i]] |
    head([(account)-[:HELD_BY]->(h) | [elementId(h), head(labels(h))]])]),
  to_holder: head([account IN [payee[i]] |
    head([(account)-[:HELD_BY]->(h) | [elementId(h), head(labels(h))]])]),
  src_file: txn[i].src_file, src_row: txn[i].src_row}] AS transfers
"""


def _checked(max_hops: int, types: Iterable[str] | None) -> list[str]:
    if not 1 <= int(max_hops) <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}, not {max_hops}")
    types = list(DEFAULT_PATH_TYPES if types is None else types)
    unknown = sorted(set(types) - set(PATH_TYPES))
    if unknown:
        raise ValueError(f"relationship types {unknown} cannot be walked; choose among "
                         f"{', '.join(PATH_TYPES)}")
    return types


def path_steps(nodes: Sequence[dict], relationships: Sequence[dict],
               summaries: dict[str, dict]) -> list[dict]:
    """Turn a path as returned by Neo4j into steps an investigator can read and check.

    Each step has ``from`` and ``to`` (label, key, name, withheld — from ``summaries``, the
    scoped ``queries.counterparts`` of the path's nodes), the relationship ``type``, its
    ``direction`` as stored (``"->"`` when it points from ``from`` to ``to``), its
    ``properties`` (relation, role, title, dates...) and its ``provenance``.

    Examples
    --------
    >>> nodes = [{"element_id": "1", "label": "Person"}, {"element_id": "2", "label": "Person"}]
    >>> summaries = {"1": {"label": "Person", "key": "P1", "name": "张三", "withheld": False},
    ...              "2": {"label": "Person", "key": "P2", "name": "李四", "withheld": False}}
    >>> rels = [{"type": "HAS_RELATIVE", "start": "2", "properties": {"relation": "spouse",
    ...          "src_file": "kinship.csv", "src_row": 7}}]
    >>> [step] = path_steps(nodes, rels, summaries)
    >>> step["from"]["name"], step["direction"], step["type"], step["to"]["name"]
    ('张三', '<-', 'HAS_RELATIVE', '李四')
    >>> step["properties"], step["provenance"]["src_row"]
    ({'relation': 'spouse'}, 7)
    """
    ends = [dict(summaries.get(node["element_id"]) or
                 {"label": node["label"], "key": None, "name": None, "withheld": True})
            for node in nodes]
    steps = []
    for index, relationship in enumerate(relationships):
        properties = plain(relationship["properties"])
        steps.append({
            "from": ends[index],
            "to": ends[index + 1],
            "type": relationship["type"],
            "direction": "->" if relationship["start"] == nodes[index]["element_id"] else "<-",
            "properties": {k: v for k, v in properties.items() if k not in INTERNAL_PROPERTIES},
            "provenance": {k: properties.get(k) for k in PROVENANCE_KEYS},
        })
    return steps


def _paths(connection, rows: list[dict], scope: Scope) -> list[list[dict]]:
    summaries = counterparts(connection, [(n["element_id"], n["label"]) for row in rows
                                          for n in row["nodes"]], scope=scope)
    return [path_steps(row["nodes"], row["relationships"], summaries) for row in rows]


def describe_path(steps: Sequence[dict]) -> str:
    """One line per path: names with their labels, and the ties between them.

    >>> steps = [{"from": {"label": "Person", "name": "张三", "key": "P1"},
    ...           "to": {"label": "Company", "name": "宏达公司", "key": "C1"},
    ...           "type": "HOLDS_ROLE", "direction": "->", "properties": {"role": "shareholder"}}]
    >>> describe_path(steps)
    '张三 [Person P1] -HOLDS_ROLE(role=shareholder)-> 宏达公司 [Company C1]'
    """
    if not steps:
        return ""

    def node(summary: dict) -> str:
        return f"{summary.get('name') or ''} [{summary['label']} {summary['key']}]".strip()

    parts = [node(steps[0]["from"])]
    for step in steps:
        shown = {k: v for k, v in step["properties"].items()
                 if k in ("relation", "role", "title", "start_date", "end_date") and v}
        detail = ",".join(f"{k}={v}" for k, v in shown.items())
        label = f"{step['type']}({detail})" if detail else step["type"]
        arrow = f"-{label}->" if step["direction"] == "->" else f"<-{label}-"
        parts.append(f"{arrow} {node(step['to'])}")
    return " ".join(parts)


def _endpoints(connection, a: str, b: str, scope: Scope) -> tuple[dict, dict]:
    source = resolve_entity(connection, a, scope=scope)
    target = resolve_entity(connection, b, scope=scope)
    if source["element_id"] == target["element_id"]:
        raise ValueError(f"{a!r} and {b!r} are the same entity: choose two different ones")
    return source, target


def shortest_paths(connection, a: str, b: str, *, scope: Scope, max_hops: int = 4,
                   at: dt.date | str | None = None, types: Iterable[str] | None = None,
                   limit: int = 25) -> list[list[dict]]:
    """All shortest paths between two entities, by their keys.

    Parameters
    ----------
    connection : graph.connection.Connection
    a, b : str
        Keys of any two entities: ``id_number``, ``credit_code``, ``unit_id``,
        ``contract_id``, ``account_no``, ``txn_id``, ``payment_id``... Both must be in scope.
    scope : analytics.scope.Scope
        The reader's jurisdiction; nodes on the way outside it are shown withheld.
    max_hops : int
        Longest path considered, 1..``MAX_HOPS``.
    at : date or ISO text, optional
        Walk only ties valid at this date (start ≤ at ≤ end; open bounds allowed).
    types : iterable of str, optional
        Relationship types to walk, from ``PATH_TYPES`` (default ``DEFAULT_PATH_TYPES``).
    limit : int
        Most paths returned.

    Returns
    -------
    list of list of dict
        Each path as its steps (see ``path_steps``); empty when no path is short enough.

    Raises
    ------
    analytics.queries.EntityNotFound
        When a key names no entity in scope.
    ValueError
        For a bound out of range or a relationship type outside ``PATH_TYPES``.

    See Also
    --------
    all_short_paths : every simple path up to ``max_hops``, shortest first.
    """
    types = _checked(max_hops, types)
    source, target = _endpoints(connection, a, b, scope)
    rows = connection.read(SHORTEST_PATHS, source=source["element_id"],
                           target=target["element_id"], types=types, at=as_date(at),
                           max_hops=int(max_hops), limit=int(limit))
    return _paths(connection, rows, scope)


def all_short_paths(connection, a: str, b: str, *, scope: Scope, max_hops: int = 4,
                    at: dt.date | str | None = None, types: Iterable[str] | None = None,
                    limit: int = 50) -> list[list[dict]]:
    """Every simple path (no repeated entity) between two entities, shortest first.

    Same parameters and result as ``shortest_paths``; paths are searched one length at a
    time, so the search stops as soon as ``limit`` paths are found.
    """
    types = _checked(max_hops, types)
    source, target = _endpoints(connection, a, b, scope)
    rows: list[dict] = []
    for hops in range(1, int(max_hops) + 1):
        remaining = int(limit) - len(rows)
        if remaining <= 0:
            break
        rows += connection.read(PATHS_OF_LENGTH[hops], source=source["element_id"],
                                target=target["element_id"], types=types, at=as_date(at),
                                limit=remaining)
    return _paths(connection, rows, scope)


def paths_graph(paths: Iterable[Sequence[dict]]) -> nx.MultiDiGraph:
    """The union of some paths as a graph (nodes keyed by entity key), for drawing.

    >>> steps = [{"from": {"label": "Person", "name": "张三", "key": "P1"},
    ...           "to": {"label": "Company", "name": "宏达公司", "key": "C1"},
    ...           "type": "HOLDS_ROLE", "direction": "->", "properties": {}}]
    >>> graph = paths_graph([steps])
    >>> sorted(graph.nodes), list(graph.edges(keys=True))
    (['C1', 'P1'], [('P1', 'C1', 'HOLDS_ROLE')])
    """
    graph = nx.MultiDiGraph()
    for steps in paths:
        for step in steps:
            for end in (step["from"], step["to"]):
                graph.add_node(_node_id(end), label=end["label"], name=end.get("name"))
            source, target = _node_id(step["from"]), _node_id(step["to"])
            if step["direction"] == "<-":
                source, target = target, source
            graph.add_edge(source, target, key=step["type"], **step["properties"])
    return graph


def money_trails(connection, source: str, target: str | None = None, *, scope: Scope,
                 start: dt.date | str | None = None, window_days: int | None = 90,
                 min_amount: float = 0.0, max_transfers: int = 3,
                 limit: int = 50) -> list[list[dict]]:
    """Follow the money (资金穿透): chains of transfers out of an account or its holder.

    Parameters
    ----------
    connection : graph.connection.Connection
    source : str
        An account_no, or the key of a holder (unit, company, person): trails start from
        any of its accounts. Must be in scope.
    target : str, optional
        Keep only trails ending at this account, or at an account of this holder.
    scope : analytics.scope.Scope
        The reader's jurisdiction: accounts, holders and transfers outside it are shown
        withheld (no key, name or memo), with their date and amount.
    start : date or ISO text, optional
        First transfer on or after this date.
    window_days : int or None
        Every transfer within this many days of the first (None: no bound).
    min_amount : float
        Smallest transfer followed, in yuan.
    max_transfers : int
        Longest chain, 1..4.
    limit : int
        Most trails.

    Returns
    -------
    list of list of dict
        Each trail as its transfers in date order: txn_id, date, amount, memo,
        from_account, from_holder and to_holder ({label, key, name, withheld} or None),
        to_account, withheld (the transfer itself is outside the scope), src_file,
        src_row. Shorter trails first.
    """
    if not 1 <= int(max_transfers) <= 4:
        raise ValueError(f"max_transfers must be between 1 and 4, not {max_transfers}")
    origin = resolve_entity(connection, source, scope=scope)
    end = resolve_entity(connection, target, scope=scope) if target else None
    rows = connection.read(MONEY_TRAILS, source=origin["element_id"],
                           target=end["element_id"] if end else None, start=as_date(start),
                           window_days=window_days, min_amount=float(min_amount),
                           max_transfers=int(max_transfers), limit=int(limit))
    refs = []
    for row in rows:
        for transfer in row["transfers"]:
            refs += [(transfer["from_account"], "Account"), (transfer["to_account"], "Account"),
                     (transfer["txn"], "Transaction")]
            refs += [tuple(h) for h in (transfer["from_holder"], transfer["to_holder"]) if h]
    seen = counterparts(connection, refs, scope=scope)
    trails = []
    for row in rows:
        trail = []
        for transfer in plain(row["transfers"]):
            txn = seen[transfer.pop("txn")]
            if txn["withheld"]:
                transfer.update(txn_id=None, memo=None, src_file=None, src_row=None)
            transfer["withheld"] = txn["withheld"]
            for side in ("from", "to"):
                account = seen[transfer[f"{side}_account"]]
                transfer[f"{side}_account"] = account["key"]
                if account["withheld"]:
                    transfer[f"{side}_account_ref"] = account["ref"]
                holder = transfer[f"{side}_holder"]
                transfer[f"{side}_holder"] = seen[holder[0]] if holder else None
            trail.append(transfer)
        trails.append(trail)
    return sorted(trails, key=lambda trail: (len(trail), trail[0]["date"] or ""))


def _node_id(summary: dict) -> str:
    """An entity's key, or for a withheld one its opaque ``ref`` within the result."""
    return summary.get("key") or summary.get("ref") or "withheld"


def money_graph(trails: Iterable[Sequence[dict]]) -> nx.DiGraph:
    """Holders (or bare accounts) linked by the money of some trails, amounts summed.

    >>> trail = [{"txn_id": "T1", "amount": 100.0, "from_account": "A1", "to_account": "A2",
    ...           "from_holder": {"label": "Unit", "key": "U1", "name": "交通局"},
    ...           "to_holder": None}]
    >>> graph = money_graph([trail])
    >>> list(graph.edges(data="amount")), graph.nodes["A2"]["label"]
    ([('U1', 'A2', 100.0)], 'Account')
    """
    graph = nx.DiGraph()
    seen = set()
    for trail in trails:
        for transfer in trail:
            ends = []
            for side in ("from", "to"):
                account = transfer[f"{side}_account"] or transfer.get(f"{side}_account_ref")
                holder = transfer[f"{side}_holder"] or {
                    "label": "Account", "key": account, "name": transfer[f"{side}_account"]}
                graph.add_node(_node_id(holder), label=holder["label"], name=holder["name"])
                ends.append(_node_id(holder))
            # A withheld transfer has no id: it is told apart by its place in the result.
            identity = transfer["txn_id"] or (tuple(ends), transfer["date"], transfer["amount"])
            if identity in seen:
                continue
            seen.add(identity)
            if not graph.has_edge(*ends):
                graph.add_edge(*ends, amount=0.0, weight=0, kinds={"PAYMENT"})
            graph.edges[ends]["amount"] += transfer["amount"] or 0.0
            graph.edges[ends]["weight"] += 1
    return graph
