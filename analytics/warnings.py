"""预警信息集成: warnings raised by business systems' own supervision modules.

A business system posts a warning (source system, its rule, its own key for the warning,
the entities by key, a text, a time). It becomes an ``Alert`` like the platform's own, so
it enters the same queue and workflow (预警 → 分办 → 核查 → 处置) and counts wherever alerts
count — portraits, profiles, rule quality — under the rule id ``external:<source>:<rule>``
(``analytics.quality`` groups rules by source). The alert id is the anchor id of
``source`` and ``key``: the same warning posted again is the same alert (deduplicated),
its status and history untouched.

``unit_ids`` are derived like a scan's: the units among the entities, the buyers of
contracts, the issuers of payments, the units where persons hold a post; a warning none
of whose units lies in the caller's jurisdiction is refused, and one naming no unit at all
belongs to the caller's own unit. Entities not in the graph stay in ``entity_ids`` (the
source gave them) and are reported back as ``unknown_entities``; nothing is invented.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.days import local_today
from analytics.queries import RESOLVE_ENTITY, candidate_keys
from analytics.rules.hits import anchor_id
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError
from graph.model import load_model

__all__ = ["WarningError", "OutsideJurisdiction", "SEVERITY_POINTS", "external_rule_id",
           "receive_warning"]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
SEVERITY_POINTS = {"low": 10.0, "medium": 20.0, "high": 30.0, "critical": 40.0}
MAX_ENTITIES, MAX_TEXT = 50, 2000

UNITS_OF = """
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id
CALL {
  WITH n WITH n WHERE n:Unit RETURN n.unit_id AS unit_id
  UNION
  WITH n MATCH (n:Contract)-[:BUYER]->(unit:Unit) RETURN unit.unit_id AS unit_id
  UNION
  WITH n MATCH (n:SubsidyPayment)-[:ISSUED_BY]->(unit:Unit) RETURN unit.unit_id AS unit_id
  UNION
  WITH n MATCH (n:Person)-[post:HOLDS_POSITION]->(unit:Unit)
  WHERE post.end_date IS NULL OR post.end_date >= date($today) RETURN unit.unit_id AS unit_id
}
RETURN DISTINCT unit_id ORDER BY unit_id
"""

UPSERT = """
MERGE (alert:Alert {alert_id: $alert_id})
ON CREATE SET alert._new = true, alert.status = 'new', alert.version = 0,
              alert.first_seen = datetime($now), alert.rule_id = $rule_id,
              alert.severity = $severity, alert.score = $score,
              alert.summary_zh = $summary_zh, alert.summary_en = $summary_en,
              alert.entity_ids = $entity_ids, alert.unit_ids = $unit_ids,
              alert.anchor = $anchor, alert.evidence = $evidence,
              alert.evidence_keys = $evidence_keys, alert.facts = $facts,
              alert.parameters = '{}', alert.matching = true, alert.origin = 'external',
              alert.source_system = $source, alert.external_key = $key,
              alert.external_text = $text, alert.occurred_at = datetime($time)
SET alert.last_seen = datetime($now)
WITH alert, coalesce(alert._new, false) AS created
REMOVE alert._new
RETURN created, alert.status AS status
"""

RAISED = """
MATCH (alert:Alert {alert_id: $alert_id})
CREATE (alert)-[:HAS_EVENT]->(:AlertEvent {event_id: randomUUID(), alert_id: $alert_id,
  action: 'raised', actor: $actor, at: datetime($now), note: $note, audit_seq: $audit_seq})
WITH alert
UNWIND $links AS link
MATCH (entity) WHERE elementId(entity) = link
MERGE (alert)-[:EVIDENCE {role: 'subject'}]->(entity)
"""


class WarningError(LianjianError):
    """A warning that cannot be received as sent; the message names the field."""


class OutsideJurisdiction(WarningError):
    """The warning's units all lie outside the caller's jurisdiction (answered 403)."""


def external_rule_id(source: str, rule: str) -> str:
    """``external:<source>:<rule>``.

    >>> external_rule_id("caizheng", "duplicate_payment")
    'external:caizheng:duplicate_payment'
    """
    return f"external:{source}:{rule}"


def _checked(body: dict[str, Any]) -> dict[str, Any]:
    source, rule = str(body.get("source") or ""), str(body.get("rule") or "")
    for name, value in (("source", source), ("rule", rule)):
        if not SLUG.match(value):
            raise WarningError(f"{name} {value!r} must be 1-40 of a-z, 0-9, '_', '.', '-'")
    key = str(body.get("key") or "").strip()
    if not key or len(key) > 100:
        raise WarningError("key (the warning's id in the source system, at most 100 "
                           "characters) is required")
    entities = body.get("entities") or []
    if not isinstance(entities, list) or not all(isinstance(e, str) and e.strip()
                                                 for e in entities):
        raise WarningError("entities must be a list of keys (ID numbers, credit codes, "
                           "unit codes, contract or payment numbers …)")
    if len(entities) > MAX_ENTITIES:
        raise WarningError(f"at most {MAX_ENTITIES} entities per warning")
    text = str(body.get("text") or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise WarningError(f"text is required (at most {MAX_TEXT} characters)")
    severity = str(body.get("severity") or "medium")
    if severity not in SEVERITY_POINTS:
        raise WarningError(f"severity must be one of {', '.join(SEVERITY_POINTS)}")
    try:
        time = dt.datetime.fromisoformat(str(body.get("time") or ""))
    except ValueError:
        raise WarningError("time must be an ISO date-time (2025-06-01T09:30:00+08:00)") \
            from None
    if time.tzinfo is None:
        raise WarningError("time must carry its UTC offset (…+08:00)")
    return {"source": source, "rule": rule, "key": key, "text": text, "severity": severity,
            "time": time.isoformat(), "entities": [e.strip() for e in entities]}


def _resolve(tx: neo4j.ManagedTransaction, keys: list[str]) -> tuple[list[dict], list[str]]:
    model = load_model()
    found, unknown = [], []
    for key in keys:
        # Resolved in the whole graph: receive_warning refuses entities outside the
        # caller's jurisdiction by their units, with its own message.
        record = tx.run(RESOLVE_ENTITY, keys=candidate_keys(key),
                        **Scope.everything().parameters()).single()
        if record is None:
            unknown.append(key)
            continue
        label = next((name for name in record["labels"] if name in model.nodes), None)
        node = model.nodes[label]
        properties = record["properties"]
        found.append({"role": "subject", "label": label, "id": str(properties[node.key]),
                      "name": properties.get(node.caption) if node.caption != node.key
                      else None, "src_dataset": "external", "src_file": None,
                      "src_row": None, "element_id": record["element_id"]})
    return found, unknown


def receive_warning(connection: Connection, body: dict[str, Any], *, caller: str,
                    caller_unit_id: str, scope: Scope) -> dict[str, Any]:
    """Take one warning into the alert queue, once per (source, key).

    Returns ``{alert_id, rule_id, created, status, unit_ids, unknown_entities}``:
    ``created`` False when the same source and key were received before (the alert is
    untouched but for ``last_seen``).
    """
    warning = _checked(body)
    rule_id = external_rule_id(warning["source"], warning["rule"])
    anchor = [f"source={warning['source']}", f"key={warning['key']}"]
    alert_id = anchor_id(rule_id, anchor)
    now = dt.datetime.now(dt.timezone.utc).isoformat()

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        evidence, unknown = _resolve(tx, warning["entities"])
        units = [row["unit_id"] for row in tx.run(
            UNITS_OF, element_ids=[item["element_id"] for item in evidence],
            today=local_today().isoformat())]
        if units and not any(scope.allows_unit(unit) for unit in units):
            raise OutsideJurisdiction("the warning's entities lie outside your jurisdiction")
        unit_ids = units or [caller_unit_id]
        for item in evidence:
            item["src_file"], item["src_row"] = warning["source"], warning["key"]
        entity_ids = sorted({item["id"] for item in evidence} | set(unknown))
        stored = [{k: v for k, v in item.items() if k != "element_id"} for item in evidence]
        row = tx.run(UPSERT, alert_id=alert_id, rule_id=rule_id, now=now,
                     severity=warning["severity"],
                     score=SEVERITY_POINTS[warning["severity"]],
                     summary_zh=f"【{warning['source']}】{warning['text']}",
                     summary_en=f"[{warning['source']}/{warning['rule']}] {warning['text']}",
                     entity_ids=entity_ids, unit_ids=unit_ids, anchor=anchor,
                     evidence=json.dumps(stored, ensure_ascii=False),
                     evidence_keys=sorted(f"subject|{i['label']}|{i['id']}" for i in stored),
                     facts=json.dumps({k: warning[k] for k in ("source", "rule", "key",
                                                                "time", "text")},
                                      ensure_ascii=False),
                     source=warning["source"], key=warning["key"], text=warning["text"],
                     time=warning["time"]).single()
        audit = audit_append(tx, actor=caller, action="warning.receive",
                             targets=[alert_id, *entity_ids],
                             parameters={"source": warning["source"],
                                         "rule": warning["rule"], "key": warning["key"],
                                         "duplicate": not row["created"]})
        if row["created"]:
            tx.run(RAISED, alert_id=alert_id, actor=caller, now=now,
                   note=f"{warning['source']} {warning['key']}", audit_seq=audit["seq"],
                   links=[item["element_id"] for item in evidence]).consume()
        return {"alert_id": alert_id, "rule_id": rule_id, "created": row["created"],
                "status": row["status"], "unit_ids": unit_ids, "unknown_entities": unknown}

    with connection.work_session() as session:
        return session.execute_write(work)
