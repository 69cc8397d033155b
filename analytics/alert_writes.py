"""What a scan writes: alerts upserted by anchor id, their evidence changes, retirements and
successors.

A hit whose anchor id is stored updates that alert: its status, assignee, outcome and
history are never touched by a scan; its evidence is redrawn and the difference (evidence
item keys added and dropped, ``analytics.rules.hits.evidence_key``) is recorded as an
``AlertEvent`` of action ``evidence`` naming the scan. A scan limited to units sees only
part of an alert that reaches beyond them, so it adds evidence to a matching alert and never
drops any: the next full scan redraws it.

Alerts stored before anchors existed carry an id digested from every identifier. A hit
whose anchor id is not stored, but whose former id is (and names an alert without an
anchor), takes that alert over: the node gets the anchor id, keeps its former id in
``former_ids`` and its status and history (an event ``migrated`` says so). A stored alert
that no scan maps onto is retired as usual and, when a new alert of the same scan covers
its identifiers, linked to it by ``SUCCEEDS``.
"""
from __future__ import annotations

import json
from typing import Any

import neo4j

from analytics.rules.hits import Hit, evidence_key
from analytics.rules.rule import Rule
from graph.connection import Connection, batched

__all__ = ["WriteCounts", "write_alerts", "mark_unmatched", "link_successors"]

STORED = """
UNWIND $ids AS id
MATCH (alert:Alert {alert_id: id})
RETURN alert.alert_id AS alert_id, alert.matching AS matching,
       alert.evidence_keys AS keys, alert.evidence AS evidence, alert.facts AS facts,
       alert.entity_ids AS entity_ids, alert.summary_zh AS summary_zh,
       alert.summary_en AS summary_en
"""

# Alerts of the former id scheme that a hit maps onto take the hit's anchor id.
CARRY_OVER = """
UNWIND $pairs AS pair
MATCH (old:Alert {alert_id: pair.legacy_id})
WHERE old.anchor IS NULL AND NOT EXISTS { MATCH (:Alert {alert_id: pair.alert_id}) }
SET old.former_ids = coalesce(old.former_ids, []) + old.alert_id,
    old.alert_id = pair.alert_id, old.anchor = pair.anchor,
    old.version = coalesce(old.version, 0)
CREATE (old)-[:HAS_EVENT]->(:AlertEvent {
  event_id: randomUUID(), alert_id: pair.alert_id, action: 'migrated', actor: $actor,
  at: datetime($now), scan_id: $scan_id,
  note: 'former id ' + pair.legacy_id + ', status and history kept'})
RETURN pair.alert_id AS alert_id
"""

UNIT_IDS = """
CALL {
  WITH alert
  MATCH (alert)-[:EVIDENCE]->(unit:Unit) RETURN unit.unit_id AS unit_id
  UNION
  WITH alert
  MATCH (alert)-[:EVIDENCE]->(:Contract)-[:BUYER]->(unit:Unit) RETURN unit.unit_id AS unit_id
  UNION
  WITH alert
  MATCH (alert)-[:EVIDENCE]->(:SubsidyPayment)-[:ISSUED_BY]->(unit:Unit)
  RETURN unit.unit_id AS unit_id
  UNION
  WITH alert
  MATCH (alert)-[:EVIDENCE]->(:Tender)<-[:FOR_TENDER]-(:Contract)-[:BUYER]->(unit:Unit)
  RETURN unit.unit_id AS unit_id
  UNION
  WITH row
  UNWIND row.position_units AS unit_id RETURN unit_id
}
"""

# One transaction per batch: upsert, redraw evidence, derive units, record what changed.
UPSERT = """
MATCH (scan:ScanRun {scan_id: $scan_id})
UNWIND $rows AS row
OPTIONAL MATCH (stored:Alert {alert_id: row.alert_id})
WITH scan, row, stored IS NULL AS created, coalesce(stored.matching, true) AS was_matching
MERGE (alert:Alert {alert_id: row.alert_id})
ON CREATE SET alert.status = 'new', alert.version = 0, alert.first_seen = datetime($now),
              alert.first_scan = $scan_id
SET alert.rule_id = row.rule_id, alert.severity = row.severity, alert.score = row.score,
    alert.summary_zh = row.summary_zh, alert.summary_en = row.summary_en,
    alert.entity_ids = row.entity_ids, alert.parameters = row.parameters,
    alert.evidence = row.evidence, alert.evidence_keys = row.evidence_keys,
    alert.facts = row.facts, alert.anchor = row.anchor, alert.last_seen = datetime($now),
    alert.matching = true, alert.last_scan = $scan_id
REMOVE alert.unmatched_since, alert.retired_by
MERGE (scan)-[:RAISED]->(alert)
WITH alert, row, created, was_matching
CALL {
  WITH alert, row
  WITH alert, row WHERE row.redraw
  MATCH (alert)-[old:EVIDENCE]->()
  DELETE old
}
CALL {
  WITH alert, row
  UNWIND row.links AS link
  MATCH (entity) WHERE elementId(entity) = link.element_id
  MERGE (alert)-[:EVIDENCE {role: link.role}]->(entity)
}
CALL {
  WITH alert, row
""" + UNIT_IDS + """
  WITH unit_id ORDER BY unit_id
  RETURN collect(DISTINCT unit_id) AS unit_ids
}
SET alert.unit_ids = unit_ids
WITH alert, row, created, was_matching,
     CASE WHEN created THEN 'raised'
          WHEN size(row.added) + size(row.dropped) > 0 THEN 'evidence' END AS change
FOREACH (_ IN CASE WHEN change IS NULL THEN [] ELSE [1] END |
  CREATE (alert)-[:HAS_EVENT]->(:AlertEvent {
    event_id: randomUUID(), alert_id: row.alert_id, action: change, actor: $actor,
    at: datetime($now), scan_id: $scan_id, added: row.added, dropped: row.dropped,
    note: row.note}))
FOREACH (_ IN CASE WHEN created OR was_matching THEN [] ELSE [1] END |
  CREATE (alert)-[:HAS_EVENT]->(:AlertEvent {
    event_id: randomUUID(), alert_id: row.alert_id, action: 'rematched', actor: $actor,
    at: datetime($now), scan_id: $scan_id}))
RETURN row.alert_id AS alert_id, created, NOT was_matching AS rematched,
       change = 'evidence' AS changed
"""

# Alerts of the scanned rules this scan did not find again. A scan limited to units
# retires only alerts lying wholly inside them: it saw no more of the others.
MARK_UNMATCHED = """
MATCH (alert:Alert)
WHERE alert.rule_id IN $rule_ids AND alert.matching = true AND alert.last_scan <> $scan_id
  AND ($unit_ids IS NULL
       OR (alert.unit_ids <> [] AND all(unit IN alert.unit_ids WHERE unit IN $unit_ids)))
SET alert.matching = false, alert.unmatched_since = datetime($now),
    alert.retired_by = $scan_id
CREATE (alert)-[:HAS_EVENT]->(:AlertEvent {
  event_id: randomUUID(), alert_id: alert.alert_id, action: 'retired', actor: $actor,
  at: datetime($now), scan_id: $scan_id})
RETURN alert.rule_id AS rule_id, count(*) AS alerts
"""

# A new alert succeeds an alert of its rule retired by the same scan when they share at
# least min(2, k) identifiers that are not units (k: the retired alert's own), the
# rules.md test of "the same case": an anchor that moved (an earlier contract joined a
# split group) rather than a case that ended.
LINK_SUCCESSORS = """
MATCH (new:Alert {first_scan: $scan_id}) WHERE new.rule_id IN $rule_ids
MATCH (new)-[:EVIDENCE]->(shared)<-[:EVIDENCE]-(old:Alert)
WHERE old.rule_id = new.rule_id AND old.retired_by = $scan_id AND NOT shared:Unit
WITH DISTINCT new, old
WITH new, old, coalesce(old.unit_ids, []) + [(old)-[:EVIDENCE]->(unit:Unit) | unit.unit_id]
     AS units
WITH new, old, [id IN old.entity_ids WHERE NOT id IN units] AS countable
WITH new, old, countable, [id IN countable WHERE id IN new.entity_ids] AS shared
WHERE size(shared) > 0 AND size(shared) >= CASE WHEN size(countable) < 2
                                                 THEN size(countable) ELSE 2 END
MERGE (new)-[link:SUCCEEDS]->(old)
ON CREATE SET link.scan_id = $scan_id, link.shared = shared
CREATE (new)-[:HAS_EVENT]->(:AlertEvent {
  event_id: randomUUID(), alert_id: new.alert_id, action: 'succeeds', actor: $actor,
  at: datetime($now), scan_id: $scan_id,
  note: 'succeeds ' + old.alert_id + ' (' + coalesce(old.status, 'new') + ')'})
RETURN count(*) AS links
"""


class WriteCounts(dict):
    """``new``, ``still_matching``, ``rematched``, ``evidence_changed``, ``carried_over``."""

    def __init__(self) -> None:
        super().__init__(new=0, still_matching=0, rematched=0, evidence_changed=0,
                         carried_over=0)


def write_alerts(connection: Connection, rule: Rule, hits: list[Hit], parameters: dict,
                 scan_id: str, now: str, *, actor: str, scoped: bool = False,
                 batch_size: int = 500) -> WriteCounts:
    """Upsert the hits of one rule as alerts, batch by batch; returns what happened."""
    counts = WriteCounts()
    parameters_json = json.dumps(parameters, ensure_ascii=False, sort_keys=True)
    with connection.work_session() as session:
        for batch in batched(hits, batch_size):
            stored = _stored(session, [hit.alert_id for hit in batch])
            carried = _carry_over(session, [hit for hit in batch
                                            if hit.alert_id not in stored], scan_id, now, actor)
            if carried:
                counts["carried_over"] += len(carried)
                stored.update(_stored(session, carried))
            rows = [_row(rule, hit, stored.get(hit.alert_id), parameters_json, scoped)
                    for hit in batch]
            for result in session.execute_write(_collect, UPSERT, rows=rows, scan_id=scan_id,
                                                now=now, actor=actor):
                counts["new" if result["created"] else "still_matching"] += 1
                counts["rematched"] += bool(result["rematched"])
                counts["evidence_changed"] += bool(result["changed"])
    return counts


def mark_unmatched(connection: Connection, rule_ids: list[str], scan_id: str, now: str,
                   unit_ids: list[str] | None, actor: str) -> dict[str, int]:
    """Flag alerts the scan did not find again (never deleted); returns counts per rule."""
    rows = connection.write(MARK_UNMATCHED, rule_ids=rule_ids, scan_id=scan_id, now=now,
                            unit_ids=unit_ids, actor=actor)
    return {row["rule_id"]: row["alerts"] for row in rows}


def link_successors(connection: Connection, rule_ids: list[str], scan_id: str, now: str,
                    actor: str) -> int:
    """Link each new alert to the retired alerts it replaces; returns the links made."""
    rows = connection.write(LINK_SUCCESSORS, rule_ids=rule_ids, scan_id=scan_id, now=now,
                            actor=actor)
    return rows[0]["links"] if rows else 0


def _collect(tx: neo4j.ManagedTransaction, query: str, **parameters: Any) -> list[dict]:
    return [record.data() for record in tx.run(query, parameters)]


def _stored(session: neo4j.Session, alert_ids: list[str]) -> dict[str, dict]:
    if not alert_ids:
        return {}
    rows = session.execute_read(_collect, STORED, ids=alert_ids)
    return {row["alert_id"]: row for row in rows}


def _carry_over(session: neo4j.Session, hits: list[Hit], scan_id: str, now: str,
                actor: str) -> list[str]:
    pairs = [{"legacy_id": hit.legacy_id, "alert_id": hit.alert_id, "anchor": hit.anchor}
             for hit in hits if hit.anchor is not None and hit.legacy_id != hit.alert_id]
    if not pairs:
        return []
    rows = session.execute_write(_collect, CARRY_OVER, pairs=pairs, scan_id=scan_id, now=now,
                                 actor=actor)
    return [row["alert_id"] for row in rows]


def _row(rule: Rule, hit: Hit, stored: dict | None, parameters: str, scoped: bool) -> dict:
    evidence = [{key: value for key, value in item.items() if key != "element_id"}
                for item in hit.evidence]
    keys, entity_ids = hit.evidence_keys, hit.entity_ids
    summary_zh, summary_en = hit.summary_zh, hit.summary_en
    facts = json.dumps(hit.facts, ensure_ascii=False, default=str)
    added: list[str] = []
    dropped: list[str] = []
    redraw, note = True, None
    if stored and stored["keys"] is not None:
        old = set(stored["keys"])
        if scoped and stored["matching"] and not old <= set(keys):
            # The scan saw part of the alert: keep what it did not see, add what is new.
            evidence = json.loads(stored["evidence"] or "[]") + [
                item for item in evidence if evidence_key(item) not in old]
            added, keys = sorted(set(keys) - old), sorted(old | set(keys))
            entity_ids = sorted(set(entity_ids) | set(stored["entity_ids"] or []))
            summary_zh, summary_en = stored["summary_zh"], stored["summary_en"]
            facts = stored["facts"] or facts
            redraw, note = False, "scan limited to units: evidence outside them kept"
        else:
            added, dropped = sorted(set(keys) - old), sorted(old - set(keys))
    return {"alert_id": hit.alert_id, "rule_id": rule.id, "severity": rule.severity,
            "score": rule.risk_points, "summary_zh": summary_zh, "summary_en": summary_en,
            "entity_ids": entity_ids, "parameters": parameters,
            "evidence": json.dumps(evidence, ensure_ascii=False, default=str),
            "evidence_keys": keys, "facts": facts, "anchor": hit.anchor,
            "links": [{"element_id": item["element_id"], "role": item["role"]}
                      for item in hit.evidence if item.get("element_id")],
            "position_units": sorted({item["to"] for item in evidence
                                      if item.get("type") == "HOLDS_POSITION"
                                      and item.get("to")}),
            "added": added, "dropped": dropped, "redraw": redraw, "note": note}
