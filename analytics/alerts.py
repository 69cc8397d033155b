"""Alerts (预警): written once per fingerprint, kept forever, exported, moved through a workflow.

An alert's id is a fingerprint of its rule and evidence identifiers, so a re-scan finds the
same alert instead of writing a duplicate; an alert that no longer matches is flagged
``matching = false`` but never deleted, and its workflow status is kept. The workflow is
预警 → 分办 → 核查 → 处置 (new → assigned → verifying → disposed).

The export is the interface every evaluation uses (``shared/spec/rules.md``): the columns
``alert_id,rule_id,severity,status,entity_ids,summary`` first, then extras.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from analytics.rules.hits import Hit
from analytics.rules.rule import Rule
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["STATUSES", "STATUS_ZH", "EXPORT_COLUMNS", "write_alerts", "existing_alerts",
           "mark_unmatched", "read_alerts", "export_alerts", "set_alert_status",
           "AlertNotFound"]

STATUSES = ("new", "assigned", "verifying", "disposed")
STATUS_ZH = {"new": "预警", "assigned": "分办", "verifying": "核查", "disposed": "处置"}
EXPORT_COLUMNS = ("alert_id", "rule_id", "severity", "status", "entity_ids", "summary")
EXTRA_COLUMNS = ("summary_en", "score", "matching", "first_seen", "last_seen", "sources")

EXISTING_ALERTS = """
UNWIND $alert_ids AS alert_id
MATCH (alert:Alert {alert_id: alert_id})
RETURN alert.alert_id AS alert_id, alert.matching AS matching
"""

# One transaction per batch: upsert the alert, link it to this scan, redraw its evidence.
UPSERT_ALERTS = """
MATCH (scan:ScanRun {scan_id: $scan_id})
UNWIND $rows AS row
MERGE (alert:Alert {alert_id: row.alert_id})
ON CREATE SET alert.status = 'new', alert.first_seen = datetime($now),
              alert.first_scan = $scan_id
SET alert.rule_id = row.rule_id, alert.severity = row.severity, alert.score = row.score,
    alert.summary_zh = row.summary_zh, alert.summary_en = row.summary_en,
    alert.entity_ids = row.entity_ids, alert.parameters = row.parameters,
    alert.evidence = row.evidence, alert.last_seen = datetime($now), alert.matching = true,
    alert.last_scan = $scan_id
MERGE (scan)-[:RAISED]->(alert)
WITH alert, row
CALL {
  WITH alert
  MATCH (alert)-[old:EVIDENCE]->()
  DELETE old
}
WITH alert, row
UNWIND row.links AS link
MATCH (entity) WHERE elementId(entity) = link.element_id
MERGE (alert)-[evidence:EVIDENCE {role: link.role}]->(entity)
"""

# Alerts of the scanned rules (and scope) this scan did not find again.
MARK_UNMATCHED = """
MATCH (alert:Alert)
WHERE alert.rule_id IN $rule_ids AND alert.matching = true AND alert.last_scan <> $scan_id
  AND ($unit_ids IS NULL
       OR EXISTS { (alert)-[:EVIDENCE]->(unit:Unit) WHERE unit.unit_id IN $unit_ids })
SET alert.matching = false, alert.unmatched_since = datetime($now)
RETURN alert.rule_id AS rule_id, count(*) AS alerts
"""

READ_ALERTS = """
MATCH (alert:Alert)
WHERE ($include_unmatched OR alert.matching = true)
  AND ($rule_ids IS NULL OR alert.rule_id IN $rule_ids)
RETURN alert.alert_id AS alert_id, alert.rule_id AS rule_id, alert.severity AS severity,
       alert.status AS status, alert.entity_ids AS entity_ids,
       alert.summary_zh AS summary, alert.summary_en AS summary_en, alert.score AS score,
       alert.matching AS matching, toString(alert.first_seen) AS first_seen,
       toString(alert.last_seen) AS last_seen, alert.evidence AS evidence
ORDER BY alert.rule_id, alert.alert_id
"""

SET_STATUS = """
MATCH (alert:Alert {alert_id: $alert_id})
WITH alert, alert.status AS previous
SET alert.status = $status,
    alert.status_log = coalesce(alert.status_log, [])
                       + [toString(datetime()) + ' ' + previous + '→' + $status
                          + CASE WHEN $note IS NULL THEN '' ELSE ' ' + $note END]
RETURN previous
"""

ALERT_STATUS = "MATCH (alert:Alert {alert_id: $alert_id}) RETURN alert.status AS status"


class AlertNotFound(LianjianError):
    """No alert has the given id."""


def existing_alerts(connection: Connection, alert_ids: list[str]) -> dict[str, bool]:
    """Stored alerts among ``alert_ids``, with whether each was matching before this scan."""
    rows = connection.read(EXISTING_ALERTS, alert_ids=alert_ids)
    return {row["alert_id"]: bool(row["matching"]) for row in rows}


def _alert_row(rule: Rule, hit: Hit, parameters: dict[str, Any]) -> dict[str, Any]:
    evidence = [{key: value for key, value in item.items() if key != "element_id"}
                for item in hit.evidence]
    links = [{"element_id": item["element_id"], "role": item["role"]}
             for item in hit.evidence if item.get("element_id")]
    return {"alert_id": hit.alert_id, "rule_id": rule.id, "severity": rule.severity,
            "score": rule.risk_points, "summary_zh": hit.summary_zh,
            "summary_en": hit.summary_en, "entity_ids": hit.entity_ids,
            "parameters": json.dumps(parameters, ensure_ascii=False, sort_keys=True),
            "evidence": json.dumps(evidence, ensure_ascii=False, default=str), "links": links}


def write_alerts(connection: Connection, rule: Rule, hits: list[Hit], parameters: dict,
                 scan_id: str, now: str, batch_size: int = 500) -> int:
    """Upsert the hits of one rule as alerts (batched ``UNWIND``); returns rows written."""
    rows = [_alert_row(rule, hit, parameters) for hit in hits]
    return connection.write_batches(UPSERT_ALERTS, rows, batch_size=batch_size,
                                    scan_id=scan_id, now=now)


def mark_unmatched(connection: Connection, rule_ids: list[str], scan_id: str, now: str,
                   unit_ids: list[str] | None) -> dict[str, int]:
    """Flag alerts the scan did not find again; returns counts per rule."""
    rows = connection.write(MARK_UNMATCHED, rule_ids=rule_ids, scan_id=scan_id, now=now,
                            unit_ids=unit_ids)
    return {row["rule_id"]: row["alerts"] for row in rows}


def read_alerts(connection: Connection, include_unmatched: bool = False,
                rule_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Alerts as export rows (currently matching ones unless ``include_unmatched``)."""
    rows = connection.read(READ_ALERTS, include_unmatched=include_unmatched,
                           rule_ids=rule_ids or None)
    for row in rows:
        evidence = json.loads(row.pop("evidence") or "[]")
        row["entity_ids"] = list(row["entity_ids"] or [])
        row["sources"] = sorted({f"{item.get('src_dataset')}/{item.get('src_file')}:"
                                 f"{item.get('src_row')}"
                                 for item in evidence if item.get("src_file")})
    return rows


def export_alerts(rows: Iterable[dict[str, Any]], format: str = "csv") -> str:
    """The alerts as CSV (``;``-joined lists) or JSON (lists kept), rules.md columns first.

    >>> print(export_alerts([{"alert_id": "a", "rule_id": "r", "severity": "high",
    ...     "status": "new", "entity_ids": ["K1", "U1"], "summary": "摘要", "sources": []}]),
    ...     end="")
    alert_id,rule_id,severity,status,entity_ids,summary,summary_en,score,matching,first_seen,last_seen,sources
    a,r,high,new,K1;U1,摘要,,,,,,
    """
    columns = EXPORT_COLUMNS + EXTRA_COLUMNS
    rows = list(rows)
    if format == "json":
        return json.dumps([{column: row.get(column) for column in columns} for row in rows],
                          ensure_ascii=False, indent=2) + "\n"
    if format != "csv":
        raise LianjianError(f"unknown export format {format!r}: use csv or json")
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([";".join(map(str, row.get(column) or []))
                         if isinstance(row.get(column), list) else _cell(row.get(column))
                         for column in columns])
    return stream.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def set_alert_status(connection: Connection, alert_id: str, status: str,
                     note: str | None = None, allow_backwards: bool = False) -> str:
    """Move an alert along 预警 → 分办 → 核查 → 处置; returns the previous status.

    Going back a stage (for instance re-opening a disposed alert) must be asked for, so the
    log of an alert reads as the case's history.
    """
    if status not in STATUSES:
        raise LianjianError(f"unknown status {status!r}: use one of {', '.join(STATUSES)} "
                            f"({', '.join(STATUS_ZH.values())})")
    rows = connection.read(ALERT_STATUS, alert_id=alert_id)
    if not rows:
        raise AlertNotFound(f"no alert {alert_id!r}: list alerts with `lianjian alerts export`")
    current = rows[0]["status"] or "new"
    if STATUSES.index(status) < STATUSES.index(current) and not allow_backwards:
        raise LianjianError(f"alert {alert_id} is {current} ({STATUS_ZH[current]}); moving it "
                            f"back to {status} needs --reopen")
    connection.write(SET_STATUS, alert_id=alert_id, status=status, note=note)
    return current
