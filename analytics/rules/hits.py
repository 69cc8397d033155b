"""Run one rule and turn its rows into hits: evidence with provenance, identifiers, sentences.

A rule's Cypher returns nodes and relationships tagged with their role in the hit; here each
becomes a plain map carrying the entity's key and its provenance (dataset, file, row), so an
alert can show exactly which rows of which files it rests on. The identifiers of the
evidence (ID numbers, credit codes, unit codes, contract, tender, payment and transaction
numbers, account numbers) make the alert's ``entity_ids``.

The alert's id comes from the rule's *anchor* (what one alert is: the contract and official
of a relative_supplier hit, the tender of a bid_rigging hit …), not from every identifier:
evidence may grow or shrink under an anchor and the alert keeps its id. ``legacy_id`` is the
id the same hit had before anchors (a digest of every identifier), kept so that alerts
stored then are found again and keep their decisions.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j.graph import Node, Relationship

from analytics.plain import plain
from analytics.rules.render import render
from analytics.rules.rule import Rule, RuleError
from graph.connection import Connection
from graph.model import load_model

__all__ = ["Hit", "IDENTIFIER_LABELS", "run_rule", "hits_from_records", "fingerprint", "anchor_id",
           "anchor_parts", "evidence_key"]

# Labels whose key is an identifier of the alert export (rules.md, "Alert export").
IDENTIFIER_LABELS = ("Person", "Company", "Unit", "Contract", "Tender", "SubsidyPayment",
                     "Transaction", "Account")
PROVENANCE = ("src_dataset", "src_file", "src_row")
RELATIONSHIP_DETAIL = ("relation", "role", "title", "share_pct", "derived", "unreported_since")

NODE_BY_ELEMENT_ID = """
MATCH (n) WHERE elementId(n) IN $element_ids
RETURN elementId(n) AS element_id, labels(n) AS labels, properties(n) AS properties
"""


@dataclass
class Hit:
    """One row of a rule: what an alert is made of."""

    rule_id: str
    evidence: list[dict[str, Any]]
    facts: dict[str, Any]
    entity_ids: list[str]
    alert_id: str
    summary_zh: str = ""
    summary_en: str = ""
    anchor: list[str] | None = None
    legacy_id: str = ""

    @property
    def unit_ids(self) -> list[str]:
        """Units named by the evidence: Unit nodes and the units of evidence positions."""
        return sorted({item["id"] for item in self.evidence if item.get("label") == "Unit"}
                      | {item["to"] for item in self.evidence
                         if item.get("type") == "HOLDS_POSITION" and item.get("to")})

    @property
    def evidence_keys(self) -> list[str]:
        """One key per evidence item (``evidence_key``), sorted: what a scan compares."""
        return sorted({evidence_key(item) for item in self.evidence})


def fingerprint(rule_id: str, entity_ids: list[str]) -> str:
    """The id alerts had before anchors: the rule and every sorted identifier.

    >>> fingerprint("bid_rigging", ["T1", "C2"]) == fingerprint("bid_rigging", ["C2", "T1"])
    True
    """
    digest = hashlib.sha256("\n".join([rule_id, *sorted(set(entity_ids))]).encode())
    return f"{rule_id}:{digest.hexdigest()[:16]}"


def anchor_id(rule_id: str, parts: list[str]) -> str:
    """The alert id: ``rule_id:`` and 16 hex digits of SHA-256 over the anchor's parts.

    The text hashed starts with ``anchor`` so an anchor id never equals a legacy
    fingerprint of the same rule.

    >>> anchor_id("bid_rigging", ["tender=T1"])
    'bid_rigging:2bd77efedd75b98c'
    >>> anchor_id("bid_rigging", ["tender=T1"]) == fingerprint("bid_rigging", ["T1"])
    False
    """
    digest = hashlib.sha256("\n".join(["anchor", rule_id, *parts]).encode())
    return f"{rule_id}:{digest.hexdigest()[:16]}"


def evidence_key(item: dict[str, Any]) -> str:
    """A stable name for one evidence item, as the loader identifies the fact.

    A node is ``role|Label|key``; a tie is ``role|TYPE|from>to|start|kind``, kind being the
    role, relation or title that, with its endpoints and start, identifies it in the input.

    >>> evidence_key({"role": "official", "label": "Person", "id": "P1"})
    'official|Person|P1'
    >>> evidence_key({"role": "holding", "type": "HOLDS_ROLE", "from": "P1", "to": "C1",
    ...               "start_date": "2019-01-01", "detail": {"role": "shareholder"}})
    'holding|HOLDS_ROLE|P1>C1|2019-01-01|shareholder'
    """
    if "type" not in item:
        return f"{item.get('role')}|{item.get('label')}|{item.get('id')}"
    detail = item.get("detail") or {}
    kind = detail.get("role") or detail.get("relation") or detail.get("title") or ""
    return (f"{item.get('role')}|{item['type']}|{item.get('from')}>{item.get('to')}|"
            f"{item.get('start_date') or ''}|{kind}")


def anchor_parts(rule: Rule, evidence: list[dict[str, Any]], facts: dict[str, Any]
                 ) -> list[str] | None:
    """``term=value`` for each term of the rule's anchor (None when the rule has none).

    A role gives the sorted keys of its evidence items (``contract=K1``, several joined by
    ``,``); ``a|b`` the first role the hit has; ``facts.x`` the fact. A term with no value
    is an error naming the rule: an alert must never get an empty identity. The clause only
    chooses the terms: two clauses with the same terms (a supplier matched through an
    official's contact or a relative's) are one alert.
    """
    _, terms = rule.anchor_terms(facts)
    if terms is None:
        return None
    parts = []          # the clause is not part of the id: it may only pick the sentence
    for term in terms:
        if term.startswith("facts."):
            value = facts.get(term.removeprefix("facts."))
            if value in (None, "", []):
                raise RuleError(f"rule {rule.id}: anchor {term} has no value in a hit")
            parts.append(f"{term}={plain(value)}")
            continue
        for role in term.split("|"):
            keys = sorted({evidence_key(item).split("|", 1)[1] if "type" in item
                           else str(item.get("id")) for item in evidence
                           if item.get("role") == role})
            if keys:
                parts.append(f"{role}={','.join(keys)}")
                break
        else:
            raise RuleError(f"rule {rule.id}: anchor {term} names no evidence of a hit")
    return parts


def run_rule(connection: Connection, rule: Rule, parameters: dict[str, Any] | None = None,
             unit_ids: list[str] | None = None) -> list[Hit]:
    """Run ``rule`` with its parameters resolved; one hit per alert, merged by anchor id."""
    values = rule.resolve(parameters)
    with connection.session(default_access_mode=neo4j.READ_ACCESS) as session:
        records = session.execute_read(_records, rule.cypher, {**values, "unit_ids": unit_ids})
    return hits_from_records(connection, rule, records)


def hits_from_records(reader: Any, rule: Rule, records: list) -> list[Hit]:
    """Hits of a rule's result records, merged by anchor id.

    ``reader`` answers ``read(query, **parameters)`` with dicts (a ``Connection``, or an
    open transaction's reader when the records come from uncommitted writes, as in a
    pre-approval check): endpoints the query did not return are looked up through it.
    """
    keys = _Keys(reader)
    rows = [(_evidence(record["evidence"], keys), record.get("facts") or {})
            for record in records]
    keys.resolve_pending()
    hits: dict[str, Hit] = {}
    for evidence, facts in rows:
        hit = _hit(rule, [keys.finish(item) for item in evidence], plain(facts))
        if hit.alert_id in hits:
            _merge(hits[hit.alert_id], hit)
        else:
            hits[hit.alert_id] = hit
    return list(hits.values())


def _records(tx: neo4j.ManagedTransaction, query: str, parameters: dict) -> list[neo4j.Record]:
    return list(tx.run(query, parameters))


class _Keys:
    """Keys of nodes by element id; endpoints the query did not return are fetched once."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.model = load_model()
        self.known: dict[str, tuple[str, str]] = {}
        self.pending: set[str] = set()

    def node(self, node: Node) -> tuple[str, str] | None:
        if node.element_id not in self.known and node.labels:
            self.known[node.element_id] = self._label_and_key(node.labels, dict(node))
        return self.known.get(node.element_id)

    def _label_and_key(self, labels, properties: dict) -> tuple[str, str]:
        label = next((name for name in labels if name in self.model.nodes), next(iter(labels)))
        key = self.model.nodes[label].key if label in self.model.nodes else None
        return label, str(properties.get(key, "")) if key else ""

    def endpoint(self, node: Node) -> str:
        found = self.node(node)
        if found is None:
            self.pending.add(node.element_id)
            return node.element_id
        return found[1]

    def resolve_pending(self) -> None:
        if not self.pending:
            return
        for row in self.connection.read(NODE_BY_ELEMENT_ID, element_ids=sorted(self.pending)):
            self.known[row["element_id"]] = self._label_and_key(row["labels"], row["properties"])

    def finish(self, item: dict) -> dict:
        """Replace endpoint element ids left by ``endpoint`` with the nodes' keys."""
        for side in ("from", "to"):
            value = item.get(side)
            if value in self.known and "type" in item:
                item[side] = self.known[value][1]
        return item


def _evidence(items: list[dict], keys: _Keys) -> list[dict]:
    evidence, seen = [], set()
    for item in items or []:
        entity = item.get("node") if item.get("node") is not None else item.get("rel")
        if entity is None or (item.get("role"), entity.element_id) in seen:
            continue
        seen.add((item.get("role"), entity.element_id))
        if isinstance(entity, Node):
            label, key = keys.node(entity)
            evidence.append({"role": item.get("role"), "label": label, "id": key,
                             "name": entity.get("name") or entity.get("title"),
                             **{name: entity.get(name) for name in PROVENANCE},
                             "element_id": entity.element_id})
        elif isinstance(entity, Relationship):
            detail = {name: plain(entity.get(name)) for name in RELATIONSHIP_DETAIL
                      if entity.get(name) is not None}
            evidence.append({"role": item.get("role"), "type": entity.type,
                             "from": keys.endpoint(entity.start_node),
                             "to": keys.endpoint(entity.end_node),
                             "start_date": plain(entity.get("start_date")),
                             "end_date": plain(entity.get("end_date")), "detail": detail,
                             **{name: entity.get(name) for name in PROVENANCE}})
    return evidence


def _hit(rule: Rule, evidence: list[dict], facts: dict) -> Hit:
    entity_ids = sorted({item["id"] for item in evidence
                         if item.get("label") in IDENTIFIER_LABELS and item.get("id")})
    legacy = fingerprint(rule.id, entity_ids)
    parts = anchor_parts(rule, evidence, facts)
    hit = Hit(rule.id, evidence, facts, entity_ids,
              anchor_id(rule.id, parts) if parts is not None else legacy,
              anchor=parts, legacy_id=legacy)
    hit.summary_zh = render(rule, hit.evidence, facts, "zh")
    hit.summary_en = render(rule, hit.evidence, facts, "en")
    return hit


def _merge(target: Hit, other: Hit) -> None:
    """Two rows with the same anchor are one alert: keep every evidence item once."""
    seen = {(item.get("role"), item.get("element_id") or (item.get("type"), item.get("from"),
                                                          item.get("to"), item.get("src_row")))
            for item in target.evidence}
    for item in other.evidence:
        key = (item.get("role"), item.get("element_id") or (item.get("type"), item.get("from"),
                                                            item.get("to"), item.get("src_row")))
        if key not in seen:
            target.evidence.append(item)
            seen.add(key)
    target.entity_ids = sorted(set(target.entity_ids) | set(other.entity_ids))
    target.legacy_id = fingerprint(target.rule_id, target.entity_ids)
