"""Hidden relationships (隐性关联): bounded paths between any two entities.

An investigator asks "how is this official connected to that supplier?". The answer is a
handful of short paths over the ties the model records (posts, kinship, company roles,
contracts, bids, accounts and transfers, subsidies), each step with the source row that
recorded it, so that every hop can be checked in the original table.

Paths are bounded three ways: by ``max_hops`` (at most ``MAX_HOPS``), by relationship types
taken from a checked list, and by ``limit``. Given a date ``at``, ties whose start and end
dates exclude it are not walked: a post held in 2015 does not link a 2023 contract.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import networkx as nx

from analytics.queries import PROVENANCE_KEYS, native, node_summary, resolve_entity

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

# Ties a path may walk. EVIDENCE (alerts), LOADED and RAISED are bookkeeping, not ties.
PATH_TYPES = (
    "HOLDS_POSITION", "HAS_RELATIVE", "HOLDS_ROLE", "POSSIBLY_SAME_AS",
    "BUYER", "SUPPLIER", "APPROVED_BY", "FOR_TENDER", "BIDDER",
    "HELD_BY", "PAID", "PAID_TO", "INTO_ACCOUNT",
    "RECIPIENT", "ISSUED_BY", "ABOUT", "PART_OF",
)
# PART_OF is left out by default: every unit of a county reaches every other through it.
DEFAULT_PATH_TYPES = tuple(t for t in PATH_TYPES if t != "PART_OF")

_TIE_VALID_AT = """
  type(r) IN $types AND ($at IS NULL OR (
    (r.start_date IS NULL OR r.start_date <= $at) AND (r.end_date IS NULL OR r.end_date >= $at)
    AND (r.unreported_since IS NULL OR r.unreported_since > $at)
    AND coalesce(r.start_date_period < left(toString($at), size(r.start_date_period)), true)
    AND coalesce(r.end_date_period > left(toString($at), size(r.end_date_period)), true)))
"""

_RETURN_PATH = """
RETURN [n IN nodes(p) | {element_id: elementId(n), labels: labels(n),
                         properties: properties(n)}] AS nodes,
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
  txn_id: txn[i].txn_id, date: txn[i].date, amount: txn[i].amount, memo: txn[i].memo,
  from_account: payer[i].account_no, to_account: payee[i].account_no,
  from_holder: head([account IN [payer[i]] |
    [(account)-[:HELD_BY]->(h) | {labels: labels(h), properties: properties(h)}]]),
  to_holder: head([account IN [payee[i]] |
    [(account)-[:HELD_BY]->(h) | {labels: labels(h), properties: properties(h)}]]),
  src_file: txn[i].src_file, src_row: txn[i].src_row}] AS transfers
"""

_INTERNAL_PROPERTIES = {"rel_key", "src_hash", "src_run", "unreported_run", *PROVENANCE_KEYS}


def _checked(max_hops: int, types: Iterable[str] | None) -> list[str]:
    if not 1 <= int(max_hops) <= MAX_HOPS:
        raise ValueError(f"max_hops must be between 1 and {MAX_HOPS}, not {max_hops}")
    types = list(DEFAULT_PATH_TYPES if types is None else types)
    unknown = sorted(set(types) - set(PATH_TYPES))
    if unknown:
        raise ValueError(f"relationship types {unknown} cannot be walked; choose among "
                         f"{', '.join(PATH_TYPES)}")
    return types


def path_steps(nodes: Sequence[dict], relationships: Sequence[dict]) -> list[dict]:
    """Turn a path as returned by Neo4j into steps an investigator can read and check.

    Each step has ``from`` and ``to`` (label, key, name, provenance), the relationship
    ``type``, its ``direction`` as stored (``"->"`` when it points from ``from`` to ``to``),
    its ``properties`` (relation, role, title, dates...) and its ``provenance``.

    Examples
    --------
    >>> nodes = [{"element_id": "1", "labels": ["Person"], "properties": {"id_number": "P1",
    ...           "name": "张三"}},
    ...          {"element_id": "2", "labels": ["Person"], "properties": {"id_number": "P2",
    ...           "name": "李四"}}]
    >>> rels = [{"type": "HAS_RELATIVE", "start": "2", "properties": {"relation": "spouse",
    ...          "src_file": "kinship.csv", "src_row": 7}}]
    >>> [step] = path_steps(nodes, rels)
    >>> step["from"]["name"], step["direction"], step["type"], step["to"]["name"]
    ('张三', '<-', 'HAS_RELATIVE', '李四')
    >>> step["properties"], step["provenance"]["src_row"]
    ({'relation': 'spouse'}, 7)
    """
    summaries = [node_summary(n["labels"], n["properties"], n["element_id"]) for n in nodes]
    steps = []
    for index, relationship in enumerate(relationships):
        source, target = summaries[index], summaries[index + 1]
        properties = native(relationship["properties"])
        steps.append({
            "from": source,
            "to": target,
            "type": relationship["type"],
            "direction": "->" if relationship["start"] == source["element_id"] else "<-",
            "properties": {k: v for k, v in properties.items()
                           if k not in _INTERNAL_PROPERTIES},
            "provenance": {k: properties.get(k) for k in PROVENANCE_KEYS},
        })
    return steps


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


def _endpoints(connection, a: str, b: str) -> tuple[dict, dict]:
    source, target = resolve_entity(connection, a), resolve_entity(connection, b)
    if source["element_id"] == target["element_id"]:
        raise ValueError(f"{a!r} and {b!r} are the same entity: choose two different ones")
    return source, target


def shortest_paths(connection, a: str, b: str, max_hops: int = 4, at: dt.date | None = None,
                   types: Iterable[str] | None = None, limit: int = 25) -> list[list[dict]]:
    """All shortest paths between two entities, by their keys.

    Parameters
    ----------
    connection : graph.connection.Connection
    a, b : str
        Keys of any two entities: ``id_number``, ``credit_code``, ``unit_id``,
        ``contract_id``, ``account_no``, ``txn_id``, ``payment_id``...
    max_hops : int
        Longest path considered, 1..``MAX_HOPS``.
    at : date, optional
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
        When a key names no entity.
    ValueError
        For a bound out of range or a relationship type outside ``PATH_TYPES``.

    See Also
    --------
    all_short_paths : every simple path up to ``max_hops``, shortest first.
    """
    types = _checked(max_hops, types)
    source, target = _endpoints(connection, a, b)
    rows = connection.read(SHORTEST_PATHS, source=source["element_id"],
                           target=target["element_id"], types=types, at=at,
                           max_hops=int(max_hops), limit=int(limit))
    return [path_steps(row["nodes"], row["relationships"]) for row in rows]


def all_short_paths(connection, a: str, b: str, max_hops: int = 4, at: dt.date | None = None,
                    types: Iterable[str] | None = None, limit: int = 50) -> list[list[dict]]:
    """Every simple path (no repeated entity) between two entities, shortest first.

    Same parameters and result as ``shortest_paths``; paths are searched one length at a
    time, so the search stops as soon as ``limit`` paths are found.
    """
    types = _checked(max_hops, types)
    source, target = _endpoints(connection, a, b)
    paths: list[list[dict]] = []
    for hops in range(1, int(max_hops) + 1):
        remaining = int(limit) - len(paths)
        if remaining <= 0:
            break
        rows = connection.read(PATHS_OF_LENGTH[hops], source=source["element_id"],
                               target=target["element_id"], types=types, at=at,
                               limit=remaining)
        paths.extend(path_steps(row["nodes"], row["relationships"]) for row in rows)
    return paths


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
                graph.add_node(end["key"], label=end["label"], name=end.get("name"))
            source, target = step["from"]["key"], step["to"]["key"]
            if step["direction"] == "<-":
                source, target = target, source
            graph.add_edge(source, target, key=step["type"], **step["properties"])
    return graph


def _holder(found: list[dict]) -> dict | None:
    if not found:
        return None
    summary = node_summary(found[0]["labels"], found[0]["properties"])
    return {k: summary[k] for k in ("label", "key", "name")}


def money_trails(connection, source: str, target: str | None = None,
                 start: dt.date | None = None, window_days: int | None = 90,
                 min_amount: float = 0.0, max_transfers: int = 3,
                 limit: int = 50) -> list[list[dict]]:
    """Follow the money (资金穿透): chains of transfers out of an account or its holder.

    Parameters
    ----------
    connection : graph.connection.Connection
    source : str
        An account_no, or the key of a holder (unit, company, person): trails start from
        any of its accounts.
    target : str, optional
        Keep only trails ending at this account, or at an account of this holder.
    start : date, optional
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
        Each trail as its transfers in date order: txn_id, date, amount, memo, from_account,
        from_holder and to_holder ({label, key, name} or None), to_account, src_file,
        src_row. Shorter trails first.
    """
    if not 1 <= int(max_transfers) <= 4:
        raise ValueError(f"max_transfers must be between 1 and 4, not {max_transfers}")
    origin = resolve_entity(connection, source)
    end = resolve_entity(connection, target) if target else None
    rows = connection.read(MONEY_TRAILS, source=origin["element_id"],
                           target=end["element_id"] if end else None, start=start,
                           window_days=window_days, min_amount=float(min_amount),
                           max_transfers=int(max_transfers), limit=int(limit))
    trails = []
    for row in rows:
        transfers = native(row["transfers"])
        for transfer in transfers:
            transfer["from_holder"] = _holder(transfer["from_holder"])
            transfer["to_holder"] = _holder(transfer["to_holder"])
        trails.append(transfers)
    return sorted(trails, key=lambda trail: (len(trail), trail[0]["date"] or dt.date.min))


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
                holder = transfer[f"{side}_holder"] or {
                    "label": "Account", "key": transfer[f"{side}_account"],
                    "name": transfer[f"{side}_account"]}
                graph.add_node(holder["key"], label=holder["label"], name=holder["name"])
                ends.append(holder["key"])
            if transfer["txn_id"] in seen:
                continue
            seen.add(transfer["txn_id"])
            if not graph.has_edge(*ends):
                graph.add_edge(*ends, amount=0.0, weight=0, kinds={"PAYMENT"})
            graph.edges[ends]["amount"] += transfer["amount"] or 0.0
            graph.edges[ends]["weight"] += 1
    return graph
