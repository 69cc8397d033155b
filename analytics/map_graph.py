"""The relationship map's graph (关系图谱): entities and ties as the map page draws them.

The map holds entities by ``Label:key`` and ties by a stable id (``edge_id``), so that
what one answer adds and what another already drew are recognised as the same thing. The
reads, each within the reader's scope applied inside the Cypher:

- ``describe``: entities by id with their facts, provenance and, per tie type, how many
  ties they have whose other end is in scope (the map's "+n" badges) and how many lead
  outside it (``outside``: a count, never a name); an id the reader may not see is left
  out, exactly like a missing one.
- ``ties``: the ties among entities already found in scope, with provenance (dataset,
  file, row, load run), and from them to other entities of the map that are in scope.
- ``expand_page``: ``analytics.expand.expand`` paged per tie type ("+N more"), its
  neighbours described, the withheld ones counted per type.
- ``hidden_neighbours`` / ``hidden_ties``: a shared phone, address, email or account
  (``analytics.identifiers``' kinds) as a tie of its own, ``SHARES_PHONE`` …

The graphs of an alert's evidence, of paths and of money trails are built on these in
``analytics.map_sources``. Nothing here writes.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from analytics.access import in_scope, key_expression, label_expression, visible
from analytics.expand import IMPLIED, RESOLVE_MANY, expand
from analytics.identifiers import IDENTIFIER_KINDS
from analytics.plain import plain
from analytics.queries import INTERNAL_PROPERTIES, EntityNotFound, resolve_entity
from analytics.scope import Scope
from graph.model import load_model

__all__ = ["MAP_LABELS", "MAP_TIE_TYPES", "HIDDEN_TYPES", "DATE_PROPERTY", "AMOUNT_PROPERTY",
           "MAX_REACH", "node_id", "split_id", "edge_id", "describe", "describe_one", "ties",
           "expand_page", "hidden_neighbours", "hidden_ties", "public"]

_MODEL = load_model()
# Entities an investigator puts on a map, and alerts (drawn with their evidence).
MAP_LABELS = tuple(label for label, node in _MODEL.nodes.items()
                   if node.kind == "entity") + ("Alert",)
# Ties between them; the workflow's own (events, successions, merges) are not drawn.
MAP_TIE_TYPES = tuple(sorted(
    {rel.type for rel in _MODEL.relationships
     if rel.source in MAP_LABELS and set(rel.targets) & set(MAP_LABELS)}
    - {"LOADED", "RAISED", "SUCCEEDS", "MERGED_INTO"}))
HIDDEN_TYPES = {f"SHARES_{kind.upper()}": kind for kind in IDENTIFIER_KINDS}
# The date and amount of dated entities (the map's time filter and histogram).
DATE_PROPERTY = {"Contract": "signed_date", "Transaction": "date", "SubsidyPayment": "date",
                 "Bid": "submitted_date", "Complaint": "date"}
AMOUNT_PROPERTY = {"Contract": "amount", "Transaction": "amount", "SubsidyPayment": "amount",
                   "Bid": "bid_amount"}
# Deepest page of one tie type: the expand query ranks at most this many.
MAX_REACH = 5000
# Properties of an entity that are bookkeeping, or too long for the map's side panel.
_NOT_SHOWN = INTERNAL_PROPERTIES | {"evidence", "facts", "parameters", "evidence_keys",
                                    "status_log", "_lock", "anchor", "former_ids",
                                    "entity_ids", "unit_ids", "first_scan", "last_scan",
                                    "retired_by", "version", "keyless"}


def node_id(label: str, key) -> str:
    """The map's id of an entity: its label and key (two labels may share a key text).

    >>> node_id("Person", "11010519700101001X")
    'Person:11010519700101001X'
    """
    return f"{label}:{key}"


def split_id(typed: str) -> tuple[str, str]:
    """``Label:key`` back into its parts; a label the map does not draw is an error.

    >>> split_id("Contract:HT:2023:1")
    ('Contract', 'HT:2023:1')
    """
    label, _, key = str(typed).partition(":")
    if label not in MAP_LABELS or not key:
        raise ValueError(f"{typed!r} is not an entity of the map: write Label:key with a "
                         f"label among {', '.join(MAP_LABELS)}")
    return label, key


def edge_id(rel_type: str, source: str, target: str, properties: dict) -> str:
    """A tie's id on the map: its type, its ends and what tells it from a parallel tie
    (the source row, the start date, the role, relation, title or shared value).

    >>> edge_id("HOLDS_POSITION", "Person:P1", "Unit:U1", {"src_file": "positions.csv",
    ...         "src_row": 7, "start_date": "2018-01-01", "title": "局长"})
    'HOLDS_POSITION|Person:P1|Unit:U1|positions.csv:7|2018-01-01|局长'
    """
    kind = (properties.get("role") or properties.get("relation") or properties.get("title")
            or properties.get("value") or "")
    row = (f"{properties.get('src_file')}:{properties.get('src_row')}"
           if properties.get("src_file") else "")
    return f"{rel_type}|{source}|{target}|{row}|{properties.get('start_date') or ''}|{kind}"


def provenance(properties: dict) -> dict:
    """Where a fact comes from: ``{dataset, file, row, run}`` (run: the load's extract)."""
    return {"dataset": properties.get("src_dataset"), "file": properties.get("src_file"),
            "row": properties.get("src_row"), "run": properties.get("src_run")}


def make_edge(rel_type: str, source: str, target: str, properties: dict, **extra) -> dict:
    """A tie as the map holds it: id, type, ends (as stored), props and provenance."""
    properties = plain(properties)
    return {"id": edge_id(rel_type, source, target, properties), "type": rel_type,
            "from": source, "to": target,
            "props": {k: v for k, v in properties.items() if k not in INTERNAL_PROPERTIES},
            "provenance": provenance(properties), **extra}


def public(node: dict) -> dict:
    """A described entity without its database element id (not for the page)."""
    return {k: v for k, v in node.items() if k != "element_id"}


_SAME_HOUSEHOLD = ("(n:Person AND o:Person AND n.household_id IS NOT NULL "
                   "AND o.household_id = n.household_id)")
# An account's members: its holder, and the recipients of the subsidies paid into it.
_ACCOUNT_OF = ("(n)<-[:HELD_BY]-(acct:Account)",
               "(n)<-[:RECIPIENT]-(:SubsidyPayment)-[:INTO_ACCOUNT]->(acct:Account)")
_MEMBER_OF = ("(acct)-[:HELD_BY]->(o)",
              "(acct)<-[:INTO_ACCOUNT]-(:SubsidyPayment)-[:RECIPIENT]->(o)")


def _hidden_branches() -> list[str]:
    """Subquery branches giving ``type`` (SHARES_<KIND>), ``o`` (another person or company
    sharing ``n``'s identifier) and ``value`` (what they share). Members of one household
    among themselves are left out, as ``analytics.identifiers`` does by default."""
    branches = []
    for kind in IDENTIFIER_KINDS:
        rel_type = f"SHARES_{kind.upper()}"
        if kind == "account":
            for mine in _ACCOUNT_OF:
                for theirs in _MEMBER_OF:
                    branches.append(f"WITH n MATCH {mine}, {theirs} WHERE (o:Person OR o:Company)"
                                    f" AND o <> n AND NOT {_SAME_HOUSEHOLD} "
                                    f"RETURN '{rel_type}' AS type, o, acct.account_no AS value")
            continue
        for other in ("Person", "Company"):
            if kind not in _MODEL.node(other).properties:
                continue
            # An index seek on the other's value: the value as stored, and for an email
            # also in lower and upper case (a scan lowering every email costs 400k reads).
            same = (f"o.{kind} IN [n.{kind}, toLower(n.{kind}), toUpper(n.{kind})]"
                    if kind == "email" else f"o.{kind} = n.{kind}")
            branches.append(f"WITH n MATCH (o:`{other}`) WHERE n.{kind} IS NOT NULL AND "
                            f"{same} AND o <> n AND NOT {_SAME_HOUSEHOLD} "
                            f"RETURN '{rel_type}' AS type, o, n.{kind} AS value")
    return branches


_SHARING_IN_SCOPE = (f"CASE WHEN o:Person THEN {in_scope('Person', 'o')} "
                     f"ELSE {in_scope('Company', 'o')} END")
_SHARING = "CALL {\n  " + "\n  UNION ".join(_hidden_branches()) + "\n}"


def _implied(variable: str = "n") -> str:
    """True where ``analytics.expand.IMPLIED`` puts the other end of ``r`` in scope
    whenever ``n`` is (an account's transfers, a unit's contracts …)."""
    parts = [f"({variable}:`{label}` AND type(r) = '{rel_type}' AND "
             f"{'' if direction == 'out' else 'NOT '}out)"
             for label, rel_type, direction in sorted(IMPLIED)]
    return "(" + " OR ".join(parts) + ")"


# Per entity and tie type: all its ties (to entities the map draws) and those whose other
# end is in scope. One condition for every label, evaluated only where not implied.
TIE_COUNTS = f"""
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id
OPTIONAL MATCH (n)-[r]-(m) WHERE type(r) IN $types AND ({' OR '.join(f'm:`{x}`' for x in MAP_LABELS)})
WITH element_id, n, r, m, startNode(r) = n AS out
WITH element_id, n, type(r) AS type,
     CASE WHEN r IS NULL THEN false WHEN {_implied()} THEN true ELSE {visible('m')} END AS ok,
     r IS NOT NULL AS present
WITH element_id, n, type, sum(CASE WHEN present THEN 1 ELSE 0 END) AS total,
     sum(CASE WHEN ok THEN 1 ELSE 0 END) AS inside
WITH element_id, n, collect(CASE WHEN total > 0 THEN [type, total, inside] END) AS counts
RETURN element_id, counts,
       EXISTS {{ MATCH (n)<-[:EVIDENCE]-(alert:Alert) WHERE {in_scope('Alert', 'alert')} }}
         AS alerted
"""

# Per person or company: the others sharing its phone, address, email or account.
SHARING_COUNTS = f"""
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id AND (n:Person OR n:Company)
{_SHARING}
WITH element_id, type, o, {_SHARING_IN_SCOPE} AS ok
RETURN element_id, type, count(DISTINCT o) AS total,
       count(DISTINCT CASE WHEN ok THEN o END) AS inside
"""


def _node(label: str, row: dict, counts: dict, alerted: bool) -> dict:
    properties = plain(row["node"])
    node = _MODEL.node(label)
    date, amount = DATE_PROPERTY.get(label), AMOUNT_PROPERTY.get(label)
    caption = properties.get(node.caption)
    return {
        "id": node_id(label, properties[node.key]), "label": label,
        "key": properties[node.key], "name": None if caption is None else str(caption),
        "date": properties.get(date) if date else None,
        "amount": properties.get(amount) if amount else None,
        "alerted": alerted,
        "facts": {k: v for k, v in properties.items()
                  if k not in _NOT_SHOWN and v not in (None, "", [])},
        "provenance": provenance(properties),
        "ties": {t: inside for t, (total, inside) in sorted(counts.items())},
        "outside": {t: total - inside for t, (total, inside) in sorted(counts.items())
                    if total > inside},
        "element_id": row["element_id"],
    }


def describe(connection, ids: Iterable[str], *, scope: Scope,
             sharing: bool = True) -> dict[str, dict]:
    """The entities ``ids`` (``Label:key``) the reader may see, by id, in the order given.

    Each: ``id, label, key, name`` (the model's caption), ``date`` and ``amount`` (of
    contracts, transfers, payments, bids, complaints), ``alerted`` (named by an alert in
    scope), ``facts`` (its properties), ``provenance`` ``{dataset, file, row, run}``,
    ``ties`` (per tie type, ties whose other end is in scope, shared identifiers as
    ``SHARES_*`` counting the others sharing), ``outside`` (per type, ties leading outside
    the scope: counts only) and ``element_id`` (for ``ties``; ``public`` drops it). Ids out
    of scope or missing are absent, alike. Three queries: the entities (``RESOLVE_MANY``
    of ``analytics.expand``), their tie counts, their shared identifiers (left out with
    ``sharing=False``).
    """
    order = list(dict.fromkeys(ids))
    wanted = {}
    for typed in order:
        label, key = split_id(typed)
        wanted[typed] = label
    rows = connection.read(RESOLVE_MANY, items=[{"typed": typed, "keys": [split_id(typed)[1]]}
                                               for typed in order], **scope.parameters())
    rows = [row for row in rows if row["label"] == wanted[row["typed"]]]
    if not rows:
        return {}
    element_ids = [row["element_id"] for row in rows]
    counts: dict[str, dict] = {element_id: {} for element_id in element_ids}
    alerted = {}
    for found in connection.read(TIE_COUNTS, element_ids=element_ids, types=list(MAP_TIE_TYPES),
                                 **scope.parameters()):
        alerted[found["element_id"]] = found["alerted"]
        for rel_type, total, inside in found["counts"]:
            counts[found["element_id"]][rel_type] = (total, inside)
    people = [row["element_id"] for row in rows if row["label"] in ("Person", "Company")]
    if sharing and people:
        for found in connection.read(SHARING_COUNTS, element_ids=people, **scope.parameters()):
            counts[found["element_id"]][found["type"]] = (found["total"], found["inside"])
    found = {}
    for row in rows:
        node = _node(row["label"], row, counts[row["element_id"]],
                     alerted.get(row["element_id"], False))
        found[node["id"]] = node
    return {typed: found[typed] for typed in order if typed in found}


def describe_one(connection, typed: str, *, scope: Scope, sharing: bool = True) -> dict:
    """One entity, by its map id or (any accepted spelling of) its key alone.

    Raises ``analytics.queries.EntityNotFound`` for a key missing or out of scope (the
    same words for both).
    """
    if ":" in str(typed) and str(typed).partition(":")[0] in MAP_LABELS:
        found = describe(connection, [typed], scope=scope, sharing=sharing)
        if found:
            return found[typed]
        typed = str(typed).partition(":")[2]
    entity = resolve_entity(connection, typed, scope=scope)
    if entity["label"] not in MAP_LABELS:
        raise EntityNotFound(f"{typed!r} is not an entity the map draws")
    canonical = node_id(entity["label"], entity["key"])
    return describe(connection, [canonical], scope=scope, sharing=sharing)[canonical]


TIES = f"""
UNWIND $element_ids AS element_id
MATCH (a) WHERE elementId(a) = element_id
MATCH (a)-[r]-(b)
WHERE type(r) IN $types
  AND (elementId(b) IN $element_ids
       OR ({label_expression('b')} + ':' + toString({key_expression('b')}) IN $also
           AND {visible('b')}))
WITH DISTINCT r
WITH r, startNode(r) AS s, endNode(r) AS e
RETURN type(r) AS type, properties(r) AS properties,
       {label_expression('s')} AS source_label, {key_expression('s')} AS source_key,
       {label_expression('e')} AS target_label, {key_expression('e')} AS target_key
"""


def ties(connection, element_ids: Iterable[str], *, scope: Scope,
         also: Iterable[str] = ()) -> list[dict]:
    """The ties among entities already found in scope (``element_ids``, from ``describe``),
    and from them to the entities ``also`` (``Label:key``) that are in scope.

    Each tie: ``id`` (``edge_id``), ``type``, ``from`` and ``to`` (map ids, as stored),
    ``props`` (relation, role, title, dates …) and ``provenance`` (dataset, file, row,
    load run). Only ``MAP_TIE_TYPES``.
    """
    element_ids = list(dict.fromkeys(element_ids))
    if not element_ids:
        return []
    rows = connection.read(TIES, element_ids=element_ids, types=list(MAP_TIE_TYPES),
                           also=list(dict.fromkeys(also)), **scope.parameters())
    return [make_edge(row["type"], node_id(row["source_label"], row["source_key"]),
                      node_id(row["target_label"], row["target_key"]), row["properties"])
            for row in rows]


def expand_page(connection, typed: str, *, scope: Scope, tie_types: Iterable[str] | None = None,
                offset: int = 0, limit: int = 50, on_map: Iterable[str] = ()) -> dict:
    """One page of an entity's neighbours for the map.

    ``analytics.expand.expand`` ranks them (named by an alert in scope first, then the
    larger amount, then the later date); with one tie type, ``offset`` skips those an
    earlier page returned ("+N more"). Without ``tie_types`` every tie type of the model
    is read; shared identifiers (``SHARES_*``) only when asked for by name.

    Returns ``entity`` (the entity, described), ``nodes`` (the neighbours, described),
    ``edges`` (their ties to the entity, and to the ``on_map`` entities in scope),
    ``counts`` per tie type ``{total, in_scope, withheld, returned}`` and ``more`` per type
    (in-scope ties ranked after this page), ``reachable`` (whether ``offset + limit`` is
    still under ``MAX_REACH``).

    Raises ``EntityNotFound`` for a key out of scope, ``ValueError`` for a tie type the
    map does not draw or an offset with other than one type.
    """
    tie_types = list(tie_types) if tie_types else None
    if tie_types is not None:
        unknown = sorted(set(tie_types) - set(MAP_TIE_TYPES) - set(HIDDEN_TYPES))
        if unknown:
            raise ValueError(f"the map does not draw ties of type {unknown}; choose among "
                             f"{', '.join(MAP_TIE_TYPES + tuple(HIDDEN_TYPES))}")
    offset, limit = int(offset), int(limit)
    if offset and (not tie_types or len(tie_types) != 1):
        raise ValueError("a further page (offset) is read one tie type at a time")
    if not 1 <= limit <= 500 or not 0 <= offset < MAX_REACH:
        raise ValueError(f"limit must be 1..500 and offset 0..{MAX_REACH - 1}")
    # The entity's own shared identifiers are counted only when they are asked for.
    me = describe_one(connection, typed, scope=scope,
                      sharing=bool(tie_types and set(tie_types) & set(HIDDEN_TYPES)))
    typed = me["id"]
    present = set(me["ties"]) | set(me["outside"])
    wanted = [t for t in (tie_types or [t for t in me["ties"] if t not in HIDDEN_TYPES])
              if t in present]
    model_types = [t for t in wanted if t in MAP_TIE_TYPES]
    reach = min(offset + limit, MAX_REACH)
    chosen, edges = [], []
    if model_types and any(me["ties"].get(t) for t in model_types):
        answer = expand(connection, me["key"], scope=scope, tie_types=model_types, limit=reach)
        for item in answer["neighbours"][offset:]:
            other = node_id(item["node"]["label"], item["node"]["key"])
            source, target = (typed, other) if item["direction"] == "out" else (other, typed)
            chosen.append((item["type"], other))
            edges.append(make_edge(item["type"], source, target,
                                   {**item["tie"], **item["provenance"]}))
    for rel_type in (t for t in wanted if t in HIDDEN_TYPES and me["ties"].get(t)):
        found = hidden_neighbours(connection, typed, HIDDEN_TYPES[rel_type], scope=scope,
                                  limit=limit, offset=offset, described=me)
        chosen += [(rel_type, other) for other in found["nodes"]]
        edges += found["edges"]
    new_ids = list(dict.fromkeys(other for _, other in chosen))
    nodes = describe(connection, new_ids, scope=scope)
    known = {edge["id"] for edge in edges}
    edges += [edge for edge in ties(connection, [n["element_id"] for n in nodes.values()],
                                    scope=scope, also=[i for i in on_map if i != typed])
              if edge["id"] not in known]
    counts, more = {}, {}
    for rel_type in wanted:
        inside, outside = me["ties"].get(rel_type, 0), me["outside"].get(rel_type, 0)
        returned = sum(1 for t, _ in chosen if t == rel_type)
        counts[rel_type] = {"total": inside + outside, "in_scope": inside,
                            "withheld": outside, "returned": returned}
        more[rel_type] = max(0, inside - offset - returned)
    return {"entity": public(me), "nodes": [public(node) for node in nodes.values()],
            "edges": edges, "counts": counts, "more": more, "offset": offset, "limit": limit,
            "reachable": offset + limit < MAX_REACH}


HIDDEN_NEIGHBOURS = f"""
MATCH (n) WHERE elementId(n) = $element_id AND (n:Person OR n:Company)
{_SHARING}
WITH type, o, value WHERE type = $type AND {_SHARING_IN_SCOPE}
WITH DISTINCT o, value, {label_expression('o')} AS other_label, {key_expression('o')} AS key
ORDER BY other_label, key, value
SKIP $offset LIMIT $limit
RETURN other_label, key, value
"""


def hidden_neighbours(connection, typed: str, kind: str, *, scope: Scope, limit: int = 50,
                      offset: int = 0, described: dict | None = None) -> dict:
    """The persons and companies in scope sharing the entity's phone, address, email or
    account (``kind``): ``{nodes: [map ids], edges: [SHARES_<KIND> ties]}``, one tie per
    shared value, each tie's ``props.value`` the value shared."""
    me = described or describe_one(connection, typed, scope=scope)
    if kind not in IDENTIFIER_KINDS or me["label"] not in ("Person", "Company"):
        raise ValueError(f"a {me['label']} has no {kind} to share")
    rel_type = f"SHARES_{kind.upper()}"
    rows = connection.read(HIDDEN_NEIGHBOURS, element_id=me["element_id"], type=rel_type,
                           offset=int(offset), limit=int(limit), **scope.parameters())
    nodes, edges = [], []
    for row in rows:
        other = node_id(row["other_label"], row["key"])
        nodes.append(other)
        ends = sorted([me["id"], other])
        edges.append(make_edge(rel_type, ends[0], ends[1], {"value": plain(row["value"])},
                               hidden=True))
    return {"nodes": list(dict.fromkeys(nodes)), "edges": edges}


ACCOUNTS_OF = """
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id AND (n:Person OR n:Company)
RETURN element_id,
       [(n)<-[:HELD_BY]-(a:Account) | a.account_no] +
       [(n)<-[:RECIPIENT]-(:SubsidyPayment)-[:INTO_ACCOUNT]->(a:Account) | a.account_no]
         AS accounts
"""


def hidden_ties(connection, nodes: Iterable[dict], kinds: Iterable[str] = IDENTIFIER_KINDS
                ) -> list[dict]:
    """Shared identifiers between entities already found in scope (``describe``'s
    results): one ``SHARES_<KIND>`` tie per pair and shared value. Members of one household
    sharing among themselves are left out, as ``analytics.identifiers`` does."""
    people = [node for node in nodes if node["label"] in ("Person", "Company")]
    kinds = set(kinds)
    if len(people) < 2:
        return []
    holders: dict[tuple[str, str], list[dict]] = {}
    for node in people:
        for kind in ("phone", "address", "email"):
            value = node["facts"].get(kind)
            if kind in kinds and value not in (None, ""):
                value = str(value).strip().lower() if kind == "email" else str(value).strip()
                holders.setdefault((kind, value), []).append(node)
    if "account" in kinds:
        by_element = {node["element_id"]: node for node in people}
        for row in connection.read(ACCOUNTS_OF, element_ids=list(by_element)):
            for account in dict.fromkeys(row["accounts"]):
                holders.setdefault(("account", account), []).append(by_element[row["element_id"]])
    edges = {}
    for (kind, value), members in holders.items():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                household = a["facts"].get("household_id")
                if a["id"] == b["id"] or (a["label"] == b["label"] == "Person" and household
                                          and household == b["facts"].get("household_id")):
                    continue
                ends = sorted([a["id"], b["id"]])
                edge = make_edge(f"SHARES_{kind.upper()}", ends[0], ends[1], {"value": value},
                                 hidden=True)
                edges[edge["id"]] = edge
    return list(edges.values())
