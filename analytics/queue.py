"""What the alert queue (预警队列) of the workbench needs beside ``analytics.alerts``.

- **Last visit** (上次查看): "new since my last visit" is the filter an investigator opens
  the queue with each morning. A *visit* is a run of queue views less than ``idle_s`` apart;
  when a new visit begins, the time of the previous visit's last view becomes
  ``queue_previous_visit_at`` on the ``User`` node. It stays fixed for the whole visit, so
  paging through the new alerts does not make them old; ``queue_seen_at`` is the latest
  view. One small write per queue view, on the user's own node.
- **The units of a jurisdiction** with their names, for the queue's unit filter.
- **The handlers** alerts of a jurisdiction are assigned to, for the assignment form.

Reads take a ``Scope`` and filter inside the Cypher, like every read of ``analytics.api``.
"""
from __future__ import annotations

from analytics.plain import plain
from analytics.scope import Scope
from graph.connection import Connection

__all__ = ["queue_visit", "last_visit", "units_in_scope", "assignees"]

QUEUE_VISIT = """
MATCH (user:User {username: $username})
WITH user, datetime() AS now, user.queue_seen_at AS seen
SET user.queue_previous_visit_at = CASE
      WHEN seen IS NOT NULL AND seen < now - duration({seconds: $idle_s}) THEN seen
      ELSE user.queue_previous_visit_at END,
    user.queue_seen_at = now
RETURN user.queue_previous_visit_at AS previous
"""

LAST_VISIT = """
MATCH (user:User {username: $username})
RETURN user.queue_previous_visit_at AS previous
"""

UNITS_IN_SCOPE = """
MATCH (unit:Unit) WHERE $scope_units IS NULL OR unit.unit_id IN $scope_units
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN unit.unit_id AS unit_id, unit.name AS name, parent.unit_id AS parent_unit_id,
       unit.level AS level
ORDER BY unit.unit_id
"""

ASSIGNEES = """
MATCH (alert:Alert) WHERE alert.assignee IS NOT NULL
  AND ($scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units))
RETURN alert.assignee AS assignee, count(*) AS alerts
ORDER BY alerts DESC, assignee LIMIT $limit
"""


def queue_visit(connection: Connection, username: str, idle_s: int = 1800) -> str | None:
    """Record a view of the queue by ``username``; return when their previous visit ended
    (ISO text), or None before their second visit.

    A view more than ``idle_s`` seconds after the last one starts a new visit.
    """
    rows = connection.write(QUEUE_VISIT, username=username, idle_s=int(idle_s))
    return plain(rows[0]["previous"]) if rows else None


def last_visit(connection: Connection, username: str) -> str | None:
    """When the user's previous visit to the queue ended (ISO text), without recording a
    view: what a script reading the queue through the API asks, so that it does not move
    the person's "new since last visit"."""
    rows = connection.read(LAST_VISIT, username=username)
    return plain(rows[0]["previous"]) if rows else None


def units_in_scope(connection: Connection, scope: Scope) -> list[dict]:
    """The units of the jurisdiction, in tree order: ``unit_id, name, parent_unit_id,
    level, depth`` (depth 0 for a unit whose parent lies outside the jurisdiction)."""
    rows = connection.read(UNITS_IN_SCOPE, **scope.parameters())
    children: dict[str | None, list[dict]] = {}
    ids = {row["unit_id"] for row in rows}
    for row in rows:
        parent = row["parent_unit_id"] if row["parent_unit_id"] in ids else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict] = []

    def walk(parent: str | None, depth: int) -> None:
        for row in children.get(parent, []):
            ordered.append({**row, "depth": depth})
            walk(row["unit_id"], depth + 1)

    walk(None, 0)
    return ordered


def assignees(connection: Connection, scope: Scope, limit: int = 200) -> list[dict]:
    """Handlers that alerts of the jurisdiction are assigned to, busiest first:
    ``[{assignee, alerts}]``."""
    return connection.read(ASSIGNEES, limit=int(limit), **scope.parameters())
