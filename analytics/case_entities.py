"""Entities as cases, saved maps and reports see them: found by key, checked against the
reader's jurisdiction, shown with their facts and provenance, and the ties among them.

An entity is in a scope (``ENTITY_IN_SCOPE``) when it is a unit of the scope, is evidence
of an alert concerning a unit of the scope, holds a post at, buys for or is paid by such a
unit, supplies one of its contracts, or is a relative of one of its officials. This is the
interim rule of the cases work; the analytics API's per-label conditions
(``analytics.access.in_scope``) replace it when they land, and ``entity_facts`` is then a
call of its entity card: both are kept here, one function each, for that swap.
"""
from __future__ import annotations

from typing import Any

from analytics.queries import candidate_keys
from analytics.plain import plain
from analytics.scope import Scope
from graph.connection import Connection
from graph.model import PROVENANCE, load_model

__all__ = ["CASE_LABELS", "ENTITY_IN_SCOPE", "find_entities", "entity_facts", "ties_among",
           "evidence_ties"]

# Labels a case may concern (Case.yaml, CONCERNS); keys from the model.
CASE_LABELS = ("Person", "Company", "Unit", "Contract", "Tender", "Bid", "Account",
               "Transaction", "SubsidyPayment")
INTERNAL = frozenset({"record_key", "rel_key", "keyless", "stub", "_lock"})

ENTITY_IN_SCOPE = """($scope_units IS NULL
  OR (n:Unit AND n.unit_id IN $scope_units)
  OR EXISTS { MATCH (n)<-[:EVIDENCE]-(a:Alert)
              WHERE any(unit IN a.unit_ids WHERE unit IN $scope_units) }
  OR EXISTS { MATCH (n)-[:HOLDS_POSITION|BUYER|ISSUED_BY|HELD_BY]->(u:Unit)
              WHERE u.unit_id IN $scope_units }
  OR EXISTS { MATCH (n)<-[:SUPPLIER]-(:Contract)-[:BUYER]->(u:Unit)
              WHERE u.unit_id IN $scope_units }
  OR EXISTS { MATCH (n)-[:HAS_RELATIVE]-(:Person)-[:HOLDS_POSITION]->(u:Unit)
              WHERE u.unit_id IN $scope_units })"""


def _find_query() -> str:
    model = load_model()
    branches = "\n  UNION ".join(
        f"MATCH (n:{model.check_label(label)}) WHERE n.`{model.node(label).key}` IN $keys "
        "RETURN n" for label in CASE_LABELS)
    return f"""
CALL {{
  {branches}
}}
WITH n WHERE {ENTITY_IN_SCOPE}
RETURN elementId(n) AS element_id,
       [label IN labels(n) WHERE label IN $labels][0] AS label, properties(n) AS properties
"""


FIND = _find_query()

TIES_AMONG = """
MATCH (a)-[r]->(b)
WHERE elementId(a) IN $element_ids AND elementId(b) IN $element_ids AND type(r) IN $types
RETURN elementId(a) AS source, elementId(b) AS target, type(r) AS type,
       properties(r) AS properties
LIMIT $limit
"""

# Ties a picture draws between entities (bookkeeping ties such as EVIDENCE are not ties).
TIE_TYPES = ("HOLDS_POSITION", "HAS_RELATIVE", "HOLDS_ROLE", "BUYER", "SUPPLIER",
             "APPROVED_BY", "FOR_TENDER", "BIDDER", "HELD_BY", "PAID", "PAID_TO",
             "INTO_ACCOUNT", "RECIPIENT", "ISSUED_BY", "POSSIBLY_SAME_AS")


def find_entities(connection: Connection, keys: list[str], scope: Scope
                  ) -> dict[str, dict[str, Any]]:
    """``{key as given: {element_id, label, key, name, properties}}`` for every key that
    names an entity in scope; a key outside the scope is simply absent, like a missing one.
    """
    wanted = list(dict.fromkeys(str(key).strip() for key in keys if str(key).strip()))
    forms = {key: candidate_keys(key) for key in wanted}
    if not wanted:
        return {}
    model = load_model()
    by_key: dict[str, dict[str, Any]] = {}
    rows = connection.read(FIND, keys=sorted({form for group in forms.values()
                                              for form in group}),
                           labels=list(CASE_LABELS), **scope.parameters())
    for row in rows:              # one query for every key: a report asks for hundreds
        node = model.node(row["label"])
        properties = plain(row["properties"])
        key = str(properties.get(node.key))
        by_key.setdefault(key, {"element_id": row["element_id"], "label": row["label"],
                                "key": key,
                                "name": properties.get(node.caption) or properties.get("name"),
                                "properties": properties})
    found: dict[str, dict[str, Any]] = {}
    for key in wanted:
        match = next((by_key[form] for form in forms[key] if form in by_key), None)
        if match is not None:
            found[key] = match
    return found


def entity_facts(connection: Connection, key: str, scope: Scope) -> dict[str, Any] | None:
    """What a report states of one entity: each property with its model label and the
    source that gave it (dataset, file, row, load run), or None (missing or out of scope).

    Shaped like the API's entity card (``entity``, ``facts``, ``provenance``), which will
    replace this read at merge.
    """
    found = find_entities(connection, [key], scope).get(str(key).strip())
    if found is None:
        return None
    label, properties = found["label"], found["properties"]
    node = load_model().node(label)
    source = {"dataset": properties.get("src_dataset"), "file": properties.get("src_file"),
              "row": properties.get("src_row"), "run": properties.get("src_run")}
    sources = [source] if any(value is not None for value in source.values()) else []
    facts = []
    for name in [*node.properties, *sorted(set(properties) - set(node.properties))]:
        if name not in properties or name in PROVENANCE or name in INTERNAL:
            continue
        spec = node.properties.get(name)
        facts.append({"property": name, "label_zh": spec.zh if spec else name,
                      "label_en": spec.en if spec else name, "value": properties[name],
                      "sources": sources})
    return {"entity": {"label": label, "label_zh": node.name_zh, "label_en": node.name_en,
                       "key": found["key"], "name": found["name"]},
            "facts": facts, "provenance": {name: properties.get(name) for name in PROVENANCE}}


def ties_among(connection: Connection, entities: list[dict[str, Any]], limit: int = 400
               ) -> list[dict[str, Any]]:
    """The ties of the graph between the given entities (from ``find_entities``), as
    evidence-like items ``{type, from, to, detail, start_date, end_date, src_*}``: what a
    saved map's or a case's picture draws. At most ``limit`` ties (``truncated`` says so).
    """
    by_element = {entity["element_id"]: entity["key"] for entity in entities}
    if len(by_element) < 2:
        return []
    rows = connection.read(TIES_AMONG, element_ids=list(by_element), types=list(TIE_TYPES),
                           limit=limit + 1)
    ties = []
    for row in rows[:limit]:
        properties = plain(row["properties"])
        ties.append({"type": row["type"], "from": by_element[row["source"]],
                     "to": by_element[row["target"]],
                     "start_date": properties.get("start_date"),
                     "end_date": properties.get("end_date"),
                     "detail": {name: properties[name] for name in
                                ("relation", "role", "title", "share_pct") if name in properties},
                     **{name: properties.get(name) for name in PROVENANCE}})
    if len(rows) > limit:
        ties.append({"truncated": True, "limit": limit})
    return ties


def evidence_ties(connection: Connection, evidence: list[dict[str, Any]], scope: Scope
                  ) -> list[dict[str, Any]]:
    """The ties among an alert's evidence entities that its evidence does not list (a
    contract's buyer and supplier, an account's holder): what its picture draws besides."""
    found = find_entities(connection, [item["id"] for item in evidence
                                       if "type" not in item and item.get("id")], scope)
    return ties_among(connection, list(found.values()))
