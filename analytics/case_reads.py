"""Reading cases: one case with everything in it, and lists of cases.

A case is in a reader's scope when its owning unit is. Its items are filtered once more by
the reader's own scope inside Cypher: an alert or entity a colleague of a wider
jurisdiction added is not shown to a reader who may not see it, and the page says how
many were withheld rather than leaving them out in silence.
"""
from __future__ import annotations

from typing import Any

from analytics.case_entities import ENTITY_IN_SCOPE
from analytics.plain import plain
from analytics.scope import Scope
from analytics.workflow import OUTCOMES, STATUSES
from graph.connection import Connection
from graph.errors import LianjianError
from graph.model import load_model

__all__ = ["CASE_STATUSES", "get_case", "list_cases", "case_alert_ids"]

CASE_STATUSES = {"open": {"zh": "立案", "en": "open"},
                 "verifying": {"zh": "核查中", "en": "under verification"},
                 "closed": {"zh": "已办结", "en": "closed"}}

# Every case read by get_case has these keys (None when not set).
CASE_FIELDS = ("case_id", "title", "summary", "unit_id", "owner", "members", "status",
               "conclusion", "conclusion_note", "version", "created_at", "created_by",
               "updated_at", "closed_at", "closed_by")
CASE_IN_SCOPE = "($scope_units IS NULL OR case.unit_id IN $scope_units)"

READ_CASE = f"""
MATCH (case:Case {{case_id: $case_id}}) WHERE {CASE_IN_SCOPE}
OPTIONAL MATCH (unit:Unit {{unit_id: case.unit_id}})
RETURN properties(case) AS case, unit.name AS unit_name
"""

CASE_ALERTS = f"""
MATCH (case:Case {{case_id: $case_id}})-[tie:INCLUDES]->(alert:Alert) WHERE {CASE_IN_SCOPE}
WITH tie, alert,
     ($scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units)) AS shown
ORDER BY tie.added_at, alert.alert_id
RETURN collect(CASE WHEN shown THEN alert {{
         .alert_id, .rule_id, .severity, .score, .summary_zh, .summary_en, .assignee,
         .deadline, .outcome, .outcome_reason, .matching, .entity_ids, .unit_ids,
         .first_seen, .decided_at, .decided_by, status: coalesce(alert.status, 'new'),
         added_at: tie.added_at, added_by: tie.added_by}} END) AS alerts,
       sum(CASE WHEN shown THEN 0 ELSE 1 END) AS withheld
"""

CASE_ENTITIES = f"""
MATCH (case:Case {{case_id: $case_id}})-[tie:CONCERNS]->(n) WHERE {CASE_IN_SCOPE}
WITH tie, n, {ENTITY_IN_SCOPE} AS shown
ORDER BY tie.added_at
RETURN collect(CASE WHEN shown THEN {{element_id: elementId(n), labels: labels(n),
         properties: properties(n), added_at: tie.added_at, added_by: tie.added_by}} END)
         AS entities,
       sum(CASE WHEN shown THEN 0 ELSE 1 END) AS withheld
"""

CASE_MAPS = f"""
MATCH (case:Case {{case_id: $case_id}})-[tie:SHOWS_MAP]->(map:SavedMap) WHERE {CASE_IN_SCOPE}
RETURN map {{.map_id, .title, .owner, .unit_id, .entity_keys, .updated_at,
            added_at: tie.added_at, added_by: tie.added_by}} AS map
ORDER BY tie.added_at
"""

CASE_NOTES = f"""
MATCH (case:Case {{case_id: $case_id}})-[:HAS_NOTE]->(note:CaseNote) WHERE {CASE_IN_SCOPE}
RETURN properties(note) AS note ORDER BY note.at
"""

CASE_EVENTS = f"""
MATCH (case:Case {{case_id: $case_id}})-[:HAS_EVENT]->(event:CaseEvent) WHERE {CASE_IN_SCOPE}
RETURN properties(event) AS event ORDER BY event.at, event.audit_seq
"""

LIST_FILTER = f"""
MATCH (case:Case) WHERE {CASE_IN_SCOPE}
  AND ($statuses IS NULL OR case.status IN $statuses)
  AND ($person IS NULL OR case.owner = $person OR $person IN case.members)
"""

LIST_ITEMS = """
OPTIONAL MATCH (unit:Unit {unit_id: case.unit_id})
RETURN case {.case_id, .title, .unit_id, .owner, .members, .status, .conclusion,
             .created_at, .created_by, .updated_at, .version,
             alerts: COUNT { (case)-[:INCLUDES]->() },
             entities: COUNT { (case)-[:CONCERNS]->() },
             maps: COUNT { (case)-[:SHOWS_MAP]->() }} AS case, unit.name AS unit_name
ORDER BY case.updated_at DESC, case.case_id
SKIP $skip LIMIT $limit
"""


def get_case(connection: Connection, case_id: str, scope: Scope) -> dict[str, Any] | None:
    """The case with everything in it, or None when it is missing or out of scope.

    Returns ``{case, alerts, alerts_withheld, entities, entities_withheld, maps, notes,
    history}``: ``case`` its properties with ``status_zh``, ``conclusion_zh`` and
    ``unit_name``; ``alerts`` the alerts in the reader's scope (status, outcome, summary,
    who added each and when); ``entities`` ``{label, key, name, provenance, added_at,
    added_by}``; ``maps`` the saved maps; ``notes`` every note, withdrawn ones with
    ``removed_at``/``removed_by``; ``history`` every CaseEvent, oldest first.
    """
    parameters = {"case_id": case_id, **scope.parameters()}
    rows = connection.read(READ_CASE, **parameters)
    if not rows:
        return None
    case = plain(rows[0]["case"])
    case.pop("_lock", None)
    for name in CASE_FIELDS:
        case.setdefault(name, None)
    case["members"] = list(case.get("members") or [])
    case["unit_name"] = rows[0]["unit_name"]
    _labels(case)
    [alerts] = connection.read(CASE_ALERTS, **parameters)
    [entities] = connection.read(CASE_ENTITIES, **parameters)
    model = load_model()
    shown_entities = []
    for row in plain(entities["entities"]):
        label = next((name for name in row["labels"] if name in model.nodes), None)
        if label is None:
            continue
        node = model.node(label)
        properties = row["properties"]
        shown_entities.append({
            "label": label, "label_zh": node.name_zh, "label_en": node.name_en,
            "key": properties.get(node.key),
            "name": properties.get(node.caption) or properties.get("name"),
            "provenance": {name: properties.get(name) for name in
                           ("src_dataset", "src_file", "src_row", "src_run")},
            "added_at": row["added_at"], "added_by": row["added_by"]})
    alert_rows = plain(alerts["alerts"])
    for alert in alert_rows:
        alert["status_zh"] = STATUSES.get(alert["status"], {}).get("zh")
        alert["outcome_zh"] = OUTCOMES[alert["outcome"]]["zh"] if alert.get("outcome") \
            else None
    notes = [_complete(plain(row["note"]), "CaseNote")
             for row in connection.read(CASE_NOTES, **parameters)]
    history = [_complete(plain(row["event"]), "CaseEvent")
               for row in connection.read(CASE_EVENTS, **parameters)]
    return {"case": case, "alerts": alert_rows, "alerts_withheld": alerts["withheld"],
            "entities": shown_entities, "entities_withheld": entities["withheld"],
            "maps": [plain(row["map"]) for row in connection.read(CASE_MAPS, **parameters)],
            "notes": notes, "history": history}


def _complete(record: dict[str, Any], label: str) -> dict[str, Any]:
    """Every property of the model's ``label`` present (None when not set)."""
    for name in load_model().node(label).properties:
        record.setdefault(name, None)
    return record


def case_alert_ids(case: dict[str, Any]) -> list[str]:
    """The ids of the alerts shown in a case read by ``get_case``."""
    return [alert["alert_id"] for alert in case["alerts"]]


def list_cases(connection: Connection, scope: Scope, *, statuses: list[str] | None = None,
               person: str | None = None, page: int = 1, page_size: int = 50
               ) -> dict[str, Any]:
    """Cases of the reader's scope, most recently changed first: ``{items, total, page,
    page_size}``; ``person`` keeps cases this user owns or is a member of."""
    if page < 1 or not 1 <= page_size <= 500:
        raise LianjianError("page starts at 1 and page_size is 1..500")
    filters = {**scope.parameters(), "statuses": statuses or None, "person": person}
    total = connection.read(LIST_FILTER + "RETURN count(case) AS total", **filters)[0]["total"]
    items = []
    for row in connection.read(LIST_FILTER + LIST_ITEMS, **filters,
                               skip=(page - 1) * page_size, limit=page_size):
        case = plain(row["case"])
        case["unit_name"] = row["unit_name"]
        case["members"] = list(case.get("members") or [])
        _labels(case)
        items.append(case)
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _labels(case: dict[str, Any]) -> None:
    case["status_zh"] = CASE_STATUSES.get(case.get("status"), {}).get("zh")
    case["conclusion_zh"] = OUTCOMES[case["conclusion"]]["zh"] \
        if case.get("conclusion") in OUTCOMES else None
