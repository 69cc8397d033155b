"""整改 (以案促改): rectification notices from confirmed alerts, answered and reviewed.

=============  =====================  =========  =========================================
action         from                   to         who
=============  =====================  =========  =========================================
``issue``      (new)                  issued     the office: problem, requirement, deadline
``answer``     issued, returned       answered   the unit's liaison: the measures taken
``accept``     answered               accepted   the office (验收)
``return``     answered               returned   the office, saying what is still missing
=============  =====================  =========  =========================================

A notice comes from one or more alerts the office decided as confirmed or partly
confirmed (属实, 部分属实), in its jurisdiction, and goes to a unit of its jurisdiction.
Transitions are compare-and-set in one write transaction with their ``RectificationEvent``
and audit event, like ``analytics.workflow``. A notice still issued or returned after its
deadline day is overdue (computed in Cypher, never stored).
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.days import local_today, parse_deadline
from analytics.plain import native
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError
from graph.model import load_model

__all__ = ["STATUSES", "OPEN_STATUSES", "NoticeError", "NoticeNotFound", "issue_notice",
           "answer_notice", "accept_notice", "return_notice", "list_notices", "get_notice",
           "notices_of_unit"]

STATUSES = ("issued", "answered", "accepted", "returned")
OPEN_STATUSES = ("issued", "returned")         # the unit's turn: overdue after the deadline
CONFIRMED = ("confirmed", "partly_confirmed")
ACTIONS = {"answer": (("issued", "returned"), "answered"),
           "accept": (("answered",), "accepted"),
           "return": (("answered",), "returned")}

IN_SCOPE = "($scope_units IS NULL OR n.unit_id IN $scope_units)"

ALERTS = """
UNWIND $alert_ids AS alert_id
MATCH (alert:Alert {alert_id: alert_id})
WHERE $scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units)
RETURN alert.alert_id AS alert_id, alert.outcome AS outcome, alert.entity_ids AS entity_ids
"""

ISSUE = """
MATCH (unit:Unit {unit_id: $unit_id})
CREATE (n:RectificationNotice {notice_id: $notice_id, unit_id: $unit_id, problem: $problem,
        requirement: $requirement, deadline: $deadline, status: 'issued', version: 0,
        alert_ids: $alert_ids, issued_at: $at, issued_by: $actor})
CREATE (n)-[:TO_UNIT]->(unit)
CREATE (n)-[:HAS_EVENT]->(:RectificationEvent {event_id: randomUUID(), notice_id: $notice_id,
        action: 'issue', actor: $actor, at: $at, to_status: 'issued', note: $requirement,
        audit_seq: $audit_seq})
WITH n
UNWIND $alert_ids AS alert_id
MATCH (alert:Alert {alert_id: alert_id})
MERGE (n)-[:FROM_ALERT]->(alert)
"""

LOCK = f"""
MATCH (n:RectificationNotice {{notice_id: $notice_id}}) WHERE {IN_SCOPE}
SET n._lock = true
RETURN n.status AS status, coalesce(n.version, 0) AS version, n.unit_id AS unit_id
"""

WRITE = """
MATCH (n:RectificationNotice {notice_id: $notice_id})
SET n.status = $to_status, n.version = $version
SET n += $changes
REMOVE n._lock
CREATE (n)-[:HAS_EVENT]->(event:RectificationEvent {event_id: randomUUID(),
  notice_id: $notice_id, action: $action, actor: $actor, at: $at, from_status: $from_status,
  to_status: $to_status, note: $note, audit_seq: $audit_seq})
"""

ROW = """
OPTIONAL MATCH (unit:Unit {unit_id: n.unit_id})
RETURN n.notice_id AS notice_id, n.unit_id AS unit_id, unit.name AS unit_name,
       n.problem AS problem, n.requirement AS requirement, n.deadline AS deadline,
       n.status AS status, n.alert_ids AS alert_ids, n.issued_at AS issued_at,
       n.issued_by AS issued_by, n.answered_at AS answered_at, n.reviewed_at AS reviewed_at,
       (n.status IN $open AND n.deadline < date($today)) AS overdue
"""

LIST = f"""
MATCH (n:RectificationNotice) WHERE {IN_SCOPE}
  AND ($unit_ids IS NULL OR n.unit_id IN $unit_ids)
  AND ($statuses IS NULL OR n.status IN $statuses)
  AND (NOT $overdue OR (n.status IN $open AND n.deadline < date($today)))
WITH n ORDER BY n.issued_at DESC, n.notice_id LIMIT $limit
""" + ROW

ONE = f"""
MATCH (n:RectificationNotice {{notice_id: $notice_id}}) WHERE {IN_SCOPE}
OPTIONAL MATCH (unit:Unit {{unit_id: n.unit_id}})
RETURN properties(n) AS notice, unit.name AS unit_name,
       (n.status IN $open AND n.deadline < date($today)) AS overdue,
       [(n)-[:FROM_ALERT]->(alert:Alert) | alert {{.alert_id, .rule_id, .summary_zh,
                                                  .summary_en, .outcome}}] AS alerts,
       [(n)-[:HAS_EVENT]->(event:RectificationEvent) | properties(event)] AS events
"""

SUBTREE = """
MATCH (root:Unit {unit_id: $unit_id})<-[:PART_OF*0..8]-(unit:Unit)
RETURN collect(DISTINCT unit.unit_id) AS unit_ids
"""


class NoticeError(LianjianError):
    """A rectification step that cannot be done as asked; the message says what to do."""


class NoticeNotFound(NoticeError):
    """No notice with this id in the jurisdiction (the same as a missing one)."""


def _required(value: str | None, what: str, limit: int = 4000) -> str:
    text = (value or "").strip()
    if not text:
        raise NoticeError(f"give {what}")
    if len(text) > limit:
        raise NoticeError(f"{what} takes at most {limit} characters")
    return text


def _deadline(value: dt.date | str | None) -> dt.date:
    from graph.settings import get_settings

    if value in (None, ""):
        return local_today() + dt.timedelta(days=get_settings().rectification_days)
    return parse_deadline(value, NoticeError)


def issue_notice(connection: Connection, *, actor: str, scope: Scope, unit_id: str,
                 problem: str, requirement: str, alert_ids: list[str],
                 deadline: dt.date | str | None = None) -> dict[str, Any]:
    """整改通知: to a unit of the jurisdiction, from confirmed alerts of it.

    Every alert must be in the scope and decided confirmed or partly confirmed (a notice
    rests on facts that held). Returns ``{notice_id, deadline, audit_seq}``.
    """
    problem = _required(problem, "the problem found")
    requirement = _required(requirement, "what the unit must do")
    alert_ids = sorted({alert_id.strip() for alert_id in alert_ids if alert_id.strip()})
    if not alert_ids:
        raise NoticeError("give the confirmed alert(s) the notice comes from")
    if not scope.allows_unit(unit_id):
        raise NoticeError(f"no unit {unit_id!r} in your jurisdiction")
    due = _deadline(deadline)
    notice_id = "ZG" + local_today().strftime("%Y%m%d") + uuid.uuid4().hex[:6].upper()

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        found = {row["alert_id"]: row for row in tx.run(ALERTS, alert_ids=alert_ids,
                                                        **scope.parameters())}
        missing = [alert_id for alert_id in alert_ids if alert_id not in found]
        if missing:
            raise NoticeError(f"no alert {', '.join(missing)} in your jurisdiction")
        unconfirmed = [alert_id for alert_id in alert_ids
                       if found[alert_id]["outcome"] not in CONFIRMED]
        if unconfirmed:
            raise NoticeError(f"alert(s) {', '.join(unconfirmed)} are not decided as "
                              "confirmed (属实 or 部分属实): a notice rests on confirmed facts")
        at = dt.datetime.now(dt.timezone.utc)
        audit = audit_append(tx, actor=actor, action="notice.issue",
                             targets=[notice_id, unit_id, *alert_ids],
                             parameters={"deadline": due.isoformat(), "problem": problem})
        summary = tx.run(ISSUE, notice_id=notice_id, unit_id=unit_id, problem=problem,
                         requirement=requirement, deadline=due, alert_ids=alert_ids, at=at,
                         actor=actor, audit_seq=audit["seq"]).consume()
        if not summary.counters.nodes_created:
            raise NoticeError(f"unit {unit_id!r} is not loaded")
        return {"notice_id": notice_id, "deadline": due.isoformat(),
                "audit_seq": audit["seq"]}

    with connection.work_session() as session:
        return session.execute_write(work)


def answer_notice(connection: Connection, notice_id: str, *, actor: str, scope: Scope,
                  measures: str, expected_status: str | None = None) -> dict[str, Any]:
    """整改反馈: the unit reports the measures it took."""
    measures = _required(measures, "the measures taken")
    return _transition(connection, notice_id, "answer", actor, scope, measures,
                       {"measures": measures, "answered_by": actor}, "answered_at",
                       expected_status)


def accept_notice(connection: Connection, notice_id: str, *, actor: str, scope: Scope,
                  note: str | None = None, expected_status: str | None = None
                  ) -> dict[str, Any]:
    """整改验收: the office accepts the measures; the notice is closed."""
    return _transition(connection, notice_id, "accept", actor, scope, note,
                       {"reviewed_by": actor, "review_note": note}, "reviewed_at",
                       expected_status)


def return_notice(connection: Connection, notice_id: str, *, actor: str, scope: Scope,
                  note: str, expected_status: str | None = None) -> dict[str, Any]:
    """退回: the measures do not suffice; the unit answers again (same deadline)."""
    note = _required(note, "what is still missing")
    return _transition(connection, notice_id, "return", actor, scope, note,
                       {"reviewed_by": actor, "review_note": note}, "reviewed_at",
                       expected_status)


def _transition(connection: Connection, notice_id: str, action: str, actor: str,
                scope: Scope, note: str | None, changes: dict, stamp: str,
                expected_status: str | None) -> dict[str, Any]:
    if not (actor or "").strip():
        raise NoticeError("give who acts")

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        row = tx.run(LOCK, notice_id=notice_id, **scope.parameters()).single()
        if row is None:
            raise NoticeNotFound(f"no rectification notice {notice_id!r}")
        current = row["status"]
        if expected_status is not None and current != expected_status:
            raise NoticeError(f"notice {notice_id} is now {current}, not {expected_status}: "
                              "someone acted on it since you read it; reload it")
        allowed, to_status = ACTIONS[action]
        if current not in allowed:
            raise NoticeError(f"notice {notice_id} is {current}: cannot {action} it (only "
                              f"from {', '.join(allowed)})")
        at = dt.datetime.now(dt.timezone.utc)
        audit = audit_append(tx, actor=actor, action=f"notice.{action}",
                             targets=[notice_id, row["unit_id"]],
                             parameters={"from": current, "to": to_status,
                                         **({"note": note} if note else {})})
        tx.run(WRITE, notice_id=notice_id, to_status=to_status, version=row["version"] + 1,
               changes={**{k: v for k, v in changes.items() if v is not None}, stamp: at},
               action=action, actor=actor, at=at, from_status=current, note=note,
               audit_seq=audit["seq"]).consume()
        return {"notice_id": notice_id, "from_status": current, "to_status": to_status,
                "audit_seq": audit["seq"]}

    with connection.work_session() as session:
        return session.execute_write(work)


def _parameters(scope: Scope, today: dt.date | None) -> dict[str, Any]:
    return {**scope.parameters(), "open": list(OPEN_STATUSES),
            "today": (today or local_today()).isoformat()}


def list_notices(connection: Connection, scope: Scope, *, unit_ids: list[str] | None = None,
                 statuses: list[str] | None = None, overdue: bool = False, limit: int = 200,
                 today: dt.date | None = None) -> list[dict[str, Any]]:
    """Notices of the jurisdiction, newest first, with ``overdue`` computed in Cypher."""
    unknown = sorted(set(statuses or ()) - set(STATUSES))
    if unknown:
        raise NoticeError(f"unknown status {', '.join(unknown)}: use {', '.join(STATUSES)}")
    rows = connection.read(LIST, unit_ids=unit_ids or None, statuses=statuses or None,
                           overdue=overdue, limit=int(limit), **_parameters(scope, today))
    return [native(row) for row in rows]


def get_notice(connection: Connection, notice_id: str, scope: Scope,
               today: dt.date | None = None) -> dict[str, Any] | None:
    """One notice with its alerts and events (oldest first), or None outside the scope."""
    rows = connection.read(ONE, notice_id=notice_id, **_parameters(scope, today))
    if not rows:
        return None
    found = native(rows[0])
    found["notice"].pop("_lock", None)
    model = load_model()
    found["notice"] = {**dict.fromkeys(model.node("RectificationNotice").properties),
                       **found["notice"]}
    events = [{**dict.fromkeys(model.node("RectificationEvent").properties), **event}
              for event in found["events"]]
    found["events"] = sorted(events, key=lambda event: event["at"])
    return found


def notices_of_unit(connection: Connection, unit_id: str, scope: Scope, *,
                    limit: int = 50, today: dt.date | None = None) -> list[dict] | None:
    """The notices of a unit and its subunits, with state and ``overdue`` (for the unit's
    portrait), or None when the unit is outside the scope."""
    if not scope.allows_unit(unit_id):
        return None
    units = connection.read(SUBTREE, unit_id=unit_id)
    unit_ids = units[0]["unit_ids"] if units else []
    return list_notices(connection, scope, unit_ids=unit_ids or [unit_id], limit=limit,
                        today=today) if unit_ids else []
