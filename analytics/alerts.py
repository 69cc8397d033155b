"""Alerts (预警) as readers see them: exported, listed, shown with evidence and history.

An alert's id comes from its rule's anchor (what one alert is, docs/workflow.md), so a
re-scan finds the same alert while its evidence grows or shrinks; an alert that no longer
matches is flagged ``matching = false`` but never deleted. Its workflow (预警 → 分办 → 核查 →
处置) is ``analytics.workflow``; what a scan writes is ``analytics.alert_writes``.

Every read takes a ``Scope`` and filters inside Cypher with
``$scope_units IS NULL OR any(u IN alert.unit_ids WHERE u IN $scope_units)``: an alert is in
a reader's jurisdiction when one of the units it concerns is (``unit_ids``: its evidence
units, the buyers of its contracts and of its tenders' contracts, the issuers of its
payments, the units of its positions).

The export is the interface every evaluation uses (``shared/spec/rules.md``): the columns
``alert_id,rule_id,severity,status,entity_ids,summary`` first, then the decision
(``outcome,assignee,deadline``), then extras.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from typing import Any

from analytics.days import local_today
from analytics.plain import plain
from analytics.scope import Scope
from analytics.workflow import FORMER_ID, OPEN_STATUSES, OUTCOMES, STATUSES, AlertNotFound
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["STATUSES", "STATUS_ZH", "OUTCOMES", "EXPORT_COLUMNS", "WORKFLOW_COLUMNS",
           "EXTRA_COLUMNS", "SORTS", "read_alerts", "export_alerts", "list_alerts",
           "get_alert", "AlertNotFound"]

STATUS_ZH = {code: label["zh"] for code, label in STATUSES.items()}
EXPORT_COLUMNS = ("alert_id", "rule_id", "severity", "status", "entity_ids", "summary")
WORKFLOW_COLUMNS = ("outcome", "assignee", "deadline")
EXTRA_COLUMNS = ("summary_en", "score", "matching", "first_seen", "last_seen", "decided_at",
                 "unit_ids", "sources")

# Every alert read by get_alert has these keys (None when not set yet).
ALERT_FIELDS = ("alert_id", "rule_id", "severity", "score", "status", "version", "anchor",
                "former_ids", "summary_zh", "summary_en", "entity_ids", "unit_ids",
                "matching", "first_seen", "last_seen", "unmatched_since", "assignee",
                "assigned_at", "deadline", "outcome", "outcome_reason", "referred_to",
                "merged_into", "decided_at", "decided_by")

IN_SCOPE = "($scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units))"
FIND_ALERT = f"""
MATCH (alert:Alert {{alert_id: $alert_id}})
WHERE {IN_SCOPE}
"""

READ_ALERTS = f"""
MATCH (alert:Alert)
WHERE ($include_unmatched OR alert.matching = true)
  AND ($rule_ids IS NULL OR alert.rule_id IN $rule_ids) AND {IN_SCOPE}
RETURN alert.alert_id AS alert_id, alert.rule_id AS rule_id, alert.severity AS severity,
       coalesce(alert.status, 'new') AS status, alert.entity_ids AS entity_ids,
       alert.summary_zh AS summary, alert.outcome AS outcome, alert.assignee AS assignee,
       toString(alert.deadline) AS deadline, alert.summary_en AS summary_en,
       alert.score AS score, alert.matching AS matching,
       toString(alert.first_seen) AS first_seen, toString(alert.last_seen) AS last_seen,
       toString(alert.decided_at) AS decided_at, alert.unit_ids AS unit_ids,
       alert.evidence AS evidence
ORDER BY alert.rule_id, alert.alert_id
"""

ALERT_EXISTS = "MATCH (alert:Alert {alert_id: $alert_id}) RETURN alert.alert_id AS alert_id"

LIST_FILTER = f"""
MATCH (alert:Alert)
WHERE {IN_SCOPE}
  AND ($statuses IS NULL OR coalesce(alert.status, 'new') IN $statuses)
  AND ($rule_ids IS NULL OR alert.rule_id IN $rule_ids)
  AND ($unit_ids IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $unit_ids))
  AND ($severities IS NULL OR alert.severity IN $severities)
  AND ($outcomes IS NULL OR alert.outcome IN $outcomes)
  AND ($assignee IS NULL OR alert.assignee = $assignee)
  AND ($matching IS NULL OR alert.matching = $matching)
  AND ($since IS NULL OR alert.first_seen >= datetime($since))
  AND (NOT $overdue OR (alert.status IN $open AND alert.deadline < date($today)))
"""

SEVERITY_RANK = ("CASE alert.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 "
                 "WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END")
# Sort keys a caller may name (a leading '-' sorts descending); never text from a request.
SORTS = {"last_seen": "alert.last_seen", "first_seen": "alert.first_seen",
         "score": "alert.score", "severity": SEVERITY_RANK, "deadline": "alert.deadline",
         "decided_at": "alert.decided_at", "rule_id": "alert.rule_id",
         "status": "alert.status", "alert_id": "alert.alert_id"}

LIST_ITEMS = """
RETURN alert.alert_id AS alert_id, alert.rule_id AS rule_id, alert.severity AS severity,
       alert.score AS score, coalesce(alert.status, 'new') AS status,
       alert.summary_zh AS summary_zh, alert.summary_en AS summary_en,
       alert.entity_ids AS entity_ids, alert.unit_ids AS unit_ids, alert.anchor AS anchor,
       alert.matching AS matching, toString(alert.first_seen) AS first_seen,
       toString(alert.last_seen) AS last_seen, alert.assignee AS assignee,
       toString(alert.deadline) AS deadline,
       (alert.status IN $open AND alert.deadline < date($today)) AS overdue,
       alert.outcome AS outcome, alert.outcome_reason AS outcome_reason,
       toString(alert.decided_at) AS decided_at, alert.decided_by AS decided_by,
       coalesce(alert.version, 0) AS version
"""

ALERT_EVENTS = FIND_ALERT + """
MATCH (alert)-[:HAS_EVENT]->(event:AlertEvent)
RETURN properties(event) AS event ORDER BY event.at, event.audit_seq
"""

ALERT_LINKS = FIND_ALERT + """
RETURN properties(alert) AS alert,
       [(alert)-[link:SUCCEEDS]->(old) WHERE $scope_units IS NULL
          OR any(unit IN old.unit_ids WHERE unit IN $scope_units) |
        old {.alert_id, .status, .outcome, .summary_zh, .matching, shared: link.shared,
             scan_id: link.scan_id}] AS predecessors,
       [(new)-[link:SUCCEEDS]->(alert) WHERE $scope_units IS NULL
          OR any(unit IN new.unit_ids WHERE unit IN $scope_units) |
        new {.alert_id, .status, .outcome, .summary_zh, .matching, shared: link.shared,
             scan_id: link.scan_id}] AS successors,
       [(alert)-[:MERGED_INTO]->(target) WHERE $scope_units IS NULL
          OR any(unit IN target.unit_ids WHERE unit IN $scope_units) |
        target {.alert_id, .status, .outcome}] AS merged_into_alert,
       [(other)-[:MERGED_INTO]->(alert) WHERE $scope_units IS NULL
          OR any(unit IN other.unit_ids WHERE unit IN $scope_units) | other.alert_id]
         AS merged_here
"""

# Seen before: alerts of the same rule sharing at least min(2, k) identifiers that are
# not units with this one (k: this alert's own), decided ones first.
SEEN_BEFORE = FIND_ALERT + f"""
MATCH (alert)-[:EVIDENCE]->(shared)<-[:EVIDENCE]-(other:Alert)
WHERE other.rule_id = alert.rule_id AND other <> alert AND NOT shared:Unit
  AND ($scope_units IS NULL OR any(unit IN other.unit_ids WHERE unit IN $scope_units))
WITH DISTINCT alert, other
WITH alert, other, [id IN alert.entity_ids WHERE NOT id IN coalesce(alert.unit_ids, [])]
     AS countable
WITH other, [id IN countable WHERE id IN other.entity_ids] AS shared, countable
WHERE size(shared) > 0
  AND size(shared) >= CASE WHEN size(countable) < 2 THEN size(countable) ELSE 2 END
RETURN other.alert_id AS alert_id, coalesce(other.status, 'new') AS status,
       other.outcome AS outcome, other.outcome_reason AS outcome_reason,
       toString(other.decided_at) AS decided_at, other.decided_by AS decided_by,
       other.summary_zh AS summary_zh, other.matching AS matching,
       toString(other.first_seen) AS first_seen, shared
ORDER BY other.decided_at IS NULL, other.decided_at DESC, other.first_seen DESC
"""


def read_alerts(connection: Connection, include_unmatched: bool = False,
                rule_ids: list[str] | None = None, scope: Scope | None = None
                ) -> list[dict[str, Any]]:
    """Alerts as export rows (currently matching ones unless ``include_unmatched``)."""
    rows = connection.read(READ_ALERTS, include_unmatched=include_unmatched,
                           rule_ids=rule_ids or None, **(scope or Scope.everything()).parameters())
    for row in rows:
        evidence = json.loads(row.pop("evidence") or "[]")
        row["entity_ids"] = list(row["entity_ids"] or [])
        row["unit_ids"] = list(row["unit_ids"] or [])
        row["sources"] = sorted({f"{item.get('src_dataset')}/{item.get('src_file')}:"
                                 f"{item.get('src_row')}"
                                 for item in evidence if item.get("src_file")})
    return rows


def export_alerts(rows: Iterable[dict[str, Any]], format: str = "csv") -> str:
    """The alerts as CSV (``;``-joined lists) or JSON (lists kept), rules.md columns first.

    >>> print(export_alerts([{"alert_id": "a", "rule_id": "r", "severity": "high",
    ...     "status": "new", "entity_ids": ["K1", "U1"], "summary": "摘要", "sources": []}]),
    ...     end="")
    alert_id,rule_id,severity,status,entity_ids,summary,outcome,assignee,deadline,summary_en,score,matching,first_seen,last_seen,decided_at,unit_ids,sources
    a,r,high,new,K1;U1,摘要,,,,,,,,,,,
    """
    columns = EXPORT_COLUMNS + WORKFLOW_COLUMNS + EXTRA_COLUMNS
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


def list_alerts(connection: Connection, scope: Scope, *, statuses: list[str] | None = None,
                rule_ids: list[str] | None = None, unit_ids: list[str] | None = None,
                severities: list[str] | None = None, outcomes: list[str] | None = None,
                assignee: str | None = None, overdue: bool = False,
                since: dt.date | dt.datetime | str | None = None, sort: str = "-last_seen",
                page: int = 1, page_size: int = 50, matching: bool | None = None,
                today: dt.date | None = None) -> dict[str, Any]:
    """One page of alerts, filtered, counted and sorted inside Cypher.

    Parameters
    ----------
    scope : the reader's jurisdiction (``Scope.everything()`` for all).
    statuses, rule_ids, severities, outcomes : keep alerts with one of these values.
    unit_ids : keep alerts concerning one of these unit codes (exactly these: expand a
        subtree with ``analytics.scope.units_with_subunits`` first).
    assignee : keep alerts assigned to this handler.
    overdue : keep only alerts assigned or verifying whose deadline day is before
        ``today`` (default: the local date).
    since : keep alerts first seen on or after this date or time.
    sort : a key of ``SORTS``, ``-`` first for descending; ties by alert id.
    page, page_size : 1-based page of at most ``page_size`` (1..500) items.
    matching : True for currently matching alerts, False for retired ones, None for both.

    Returns
    -------
    ``{items, total, page, page_size}``; items are JSON-ready dicts (dates as ISO text)
    with ``status_zh``, ``outcome_zh`` and ``overdue``.
    """
    key = sort.lstrip("-")
    if key not in SORTS:
        raise LianjianError(f"cannot sort by {sort!r}: use one of {', '.join(SORTS)} "
                            "(prefix - for descending)")
    if page < 1 or not 1 <= page_size <= 500:
        raise LianjianError("page starts at 1 and page_size is 1..500")
    for name, values, known in (("status", statuses, STATUSES),
                                ("outcome", outcomes, OUTCOMES)):
        unknown = sorted(set(values or ()) - set(known))
        if unknown:
            raise LianjianError(f"unknown {name} {', '.join(unknown)}: use "
                                f"{', '.join(known)}")
    if isinstance(since, dt.datetime):
        since = since.isoformat()
    elif isinstance(since, dt.date):
        since = since.isoformat()
    filters = {**scope.parameters(), "statuses": statuses or None, "rule_ids": rule_ids or None,
               "unit_ids": unit_ids or None, "severities": severities or None,
               "outcomes": outcomes or None, "assignee": assignee, "matching": matching,
               "since": since, "overdue": overdue, "open": list(OPEN_STATUSES),
               "today": (today or local_today()).isoformat()}
    total = connection.read(LIST_FILTER + "RETURN count(alert) AS total", **filters)[0]["total"]
    order = f"{SORTS[key]} {'DESC' if sort.startswith('-') else 'ASC'}, alert.alert_id"
    items = connection.read(LIST_FILTER + LIST_ITEMS + f"ORDER BY {order} SKIP $skip "
                            "LIMIT $limit", **filters, skip=(page - 1) * page_size,
                            limit=page_size)
    for item in items:
        _labels(item)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def get_alert(connection: Connection, alert_id: str, scope: Scope,
              today: dt.date | None = None) -> dict[str, Any] | None:
    """One alert with everything an investigator needs, or None (missing or out of scope).

    Returns ``{alert, evidence, facts, history, evidence_changes, predecessors,
    successors, merged_into_alert, merged_here, seen_before, legacy_log}``: ``history`` is
    every workflow event (actor, time, from, to, assignee, deadline, note, outcome …) in
    time order; ``evidence_changes`` the scans' events (raised, evidence added/dropped,
    retired, rematched, migrated, succeeds); ``predecessors`` the alerts this one replaced
    when its anchor moved; ``seen_before`` how the same rule was decided for the same
    entities (alerts sharing at least min(2, k) identifiers). ``alert_id`` may be a former
    id (before anchors).
    """
    parameters = {"alert_id": _current_id(connection, alert_id), **scope.parameters()}
    rows = connection.read(ALERT_LINKS, **parameters)
    if not rows:
        return None
    row = plain(rows[0])
    alert = row["alert"]
    evidence = json.loads(alert.pop("evidence", None) or "[]")
    facts = json.loads(alert.pop("facts", None) or "{}")
    legacy = alert.pop("status_log", None) or []
    alert.pop("_lock", None)
    alert["parameters"] = json.loads(alert.get("parameters") or "{}")
    for name in ALERT_FIELDS:
        alert.setdefault(name, None)
    alert["status"] = alert["status"] or "new"
    alert["version"] = alert["version"] or 0
    alert["former_ids"] = list(alert["former_ids"] or [])
    day = (today or local_today()).isoformat()
    alert["overdue"] = bool(alert.get("status") in OPEN_STATUSES and alert.get("deadline")
                            and alert["deadline"] < day)
    _labels(alert)
    events = [plain(event["event"]) for event in
              connection.read(ALERT_EVENTS, **parameters)]
    workflow = {"assign", "verify", "dispose", "reopen", "note"}
    return {"alert": alert, "evidence": evidence, "facts": facts,
            "history": [event for event in events if event.get("action") in workflow],
            "evidence_changes": [event for event in events
                                 if event.get("action") not in workflow],
            "predecessors": row["predecessors"], "successors": row["successors"],
            "merged_into_alert": (row["merged_into_alert"] or [None])[0],
            "merged_here": row["merged_here"],
            "seen_before": plain(connection.read(SEEN_BEFORE, **parameters)),
            "legacy_log": legacy}


def _current_id(connection: Connection, alert_id: str) -> str:
    """The alert's id now: itself, or the anchor id of an alert it was the former id of."""
    if connection.read(ALERT_EXISTS, alert_id=alert_id):
        return alert_id
    former = connection.read(FORMER_ID, alert_id=alert_id)
    return former[0]["alert_id"] if former else alert_id


def _labels(item: dict[str, Any]) -> None:
    item["status_zh"] = STATUSES.get(item.get("status") or "new", {}).get("zh")
    item["outcome_zh"] = OUTCOMES[item["outcome"]]["zh"] if item.get("outcome") else None
    for name in ("entity_ids", "unit_ids", "anchor"):
        if name in item:
            item[name] = list(item[name] or [])
