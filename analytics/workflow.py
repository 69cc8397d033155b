"""The closed loop of an alert: 预警 → 分办 → 核查 → 处置 (new → assigned → verifying → disposed).

=================  ==========================  ============================================
action             from                        to
=================  ==========================  ============================================
``assign``         new, assigned, verifying    assigned (a named handler and a deadline)
``start_verification``  assigned               verifying
``dispose``        verifying                   disposed (with an outcome, ``OUTCOMES``)
``reopen``         disposed                    verifying (with a reason; outcome cleared)
``add_note``       any                         unchanged
=================  ==========================  ============================================

Every action is one write transaction: it first takes the alert's write lock, then reads
the status it compares against (compare-and-set: ``expected_status``, when given, must
equal the current status), then writes the alert, an ``AlertEvent`` linked to it (actor,
time, from, to, assignee, deadline, note, outcome …) and the audit event
(``analytics.audit.append``). Two people acting on one alert at once are therefore ordered:
the second sees the first's result and is refused with one line naming the current status.
Nothing of an alert's history is ever overwritten: the alert carries the current state,
its events carry every past one.

``deadline`` is a calendar day (a Neo4j ``date``): an alert still assigned or verifying
after its deadline day is overdue. Without a deadline, ``assign`` gives today plus the days
configured for the alert's severity (``Settings.deadline_days``).

A ``scope`` (``analytics.scope.Scope``) limits who may act: an alert with no unit in the
scope reads exactly like a missing one.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.days import local_today, parse_deadline
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["STATUSES", "OUTCOMES", "NO_POINTS_OUTCOMES", "WorkflowError", "AlertNotFound",
           "IllegalTransition", "StaleTransition", "assign", "assign_many",
           "start_verification", "dispose", "reopen", "add_note", "status_label",
           "outcome_label", "FORMER_ID"]

STATUSES = {
    "new": {"zh": "预警", "en": "new"},
    "assigned": {"zh": "分办", "en": "assigned"},
    "verifying": {"zh": "核查", "en": "verifying"},
    "disposed": {"zh": "处置", "en": "disposed"},
}
OUTCOMES = {
    "confirmed": {"zh": "属实", "en": "confirmed"},
    "partly_confirmed": {"zh": "部分属实", "en": "partly confirmed"},
    "unfounded": {"zh": "不属实", "en": "unfounded"},
    "referred": {"zh": "移送", "en": "referred"},
    "merged": {"zh": "并案", "en": "merged"},
}
# Outcomes after which an alert adds no risk points to a profile or portrait.
NO_POINTS_OUTCOMES = frozenset({"unfounded"})
OPEN_STATUSES = ("assigned", "verifying")

# action → (statuses it may start from, status it leads to, what to do otherwise)
TRANSITIONS = {
    "assign": (("new", "assigned", "verifying"), "assigned",
               "a disposed alert must be reopened first (lianjian alerts reopen)"),
    "verify": (("assigned",), "verifying",
               "only an assigned alert can be verified (lianjian alerts assign)"),
    "dispose": (("verifying",), "disposed",
                "start verification first (lianjian alerts verify)"),
    "reopen": (("disposed",), "verifying", "only a disposed alert can be reopened"),
    "note": (tuple(STATUSES), None, ""),
}

# Takes the alert's write lock before anything is read (Neo4j's advice against lost
# updates), then reads what the transition is checked against.
LOCK_ALERT = """
MATCH (alert:Alert {alert_id: $alert_id})
WHERE $scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units)
SET alert._lock = true
WITH alert
RETURN alert.alert_id AS alert_id, coalesce(alert.status, 'new') AS status,
       alert.severity AS severity, alert.entity_ids AS entity_ids,
       coalesce(alert.version, 0) AS version
"""

# An id an alert had before anchors (rarely asked for: a label scan is fine).
FORMER_ID = """
MATCH (alert:Alert) WHERE $alert_id IN alert.former_ids
RETURN alert.alert_id AS alert_id LIMIT 1
"""

# A case number (analytics.cases) named by a merged outcome must be a case the actor sees.
CASE_NUMBER = re.compile(r"^AJ-\d{4}-\d{4,}$")
CASE_IN_SCOPE = """
MATCH (case:Case {case_id: $case_id})
WHERE $scope_units IS NULL OR case.unit_id IN $scope_units
RETURN case.case_id AS case_id
"""

WRITE_TRANSITION = """
MATCH (alert:Alert {alert_id: $alert_id})
SET alert.status = $to_status, alert.version = $version
SET alert += $alert_changes
REMOVE alert._lock
CREATE (alert)-[:HAS_EVENT]->(event:AlertEvent {
  event_id: randomUUID(), alert_id: $alert_id, action: $action, actor: $actor,
  at: $at, from_status: $from_status, to_status: $to_status})
SET event += $event_fields
WITH alert, event
OPTIONAL MATCH (target:Alert {alert_id: $merged_into}) WHERE target <> alert
FOREACH (_ IN CASE WHEN target IS NULL THEN [] ELSE [1] END |
  MERGE (alert)-[:MERGED_INTO]->(target))
RETURN event.event_id AS event_id
"""


class WorkflowError(LianjianError):
    """A workflow action that cannot be done as asked; the message says what to do."""


class AlertNotFound(WorkflowError):
    """No alert has this id (or it lies outside the user's jurisdiction: the same answer)."""


class IllegalTransition(WorkflowError):
    """The action is not allowed from the alert's current status."""


class StaleTransition(WorkflowError):
    """The alert's status is no longer the one the user saw: someone acted on it first."""


def status_label(status: str | None) -> str:
    """``'verifying (核查)'``.

    >>> status_label("assigned")
    'assigned (分办)'
    """
    status = status or "new"
    return f"{status} ({STATUSES.get(status, {}).get('zh', '?')})"


def outcome_label(outcome: str | None) -> str:
    """``'unfounded (不属实)'``, or ``''`` before 处置.

    >>> outcome_label("partly_confirmed")
    'partly_confirmed (部分属实)'
    """
    return f"{outcome} ({OUTCOMES[outcome]['zh']})" if outcome in OUTCOMES else ""


def assign(connection: Connection, alert_id: str, *, actor: str, assignee: str,
           deadline: dt.date | str | None = None, note: str | None = None,
           expected_status: str | None = None, scope: Scope | None = None) -> dict[str, Any]:
    """分办: give the alert to ``assignee`` until ``deadline`` (default: per severity).

    Allowed from new, assigned (a new handler or deadline) and verifying (handed to someone
    else, who starts verification again). Returns the event written (``_transition``).
    """
    assignee = _required(assignee, "a handler (--to NAME)")
    day = parse_deadline(deadline, WorkflowError)

    def fields(current: dict, now: dt.datetime) -> tuple[dict, dict]:
        due = day or _default_deadline(current["severity"])
        return ({"assignee": assignee, "deadline": due, "assigned_at": now},
                {"assignee": assignee, "deadline": due, "note": note})

    return _transition(connection, alert_id, "assign", actor, fields, expected_status, scope)


def assign_many(connection: Connection, alert_ids: Iterable[str], *, actor: str,
                assignee: str, deadline: dt.date | str | None = None, note: str | None = None,
                scope: Scope | None = None) -> dict[str, Any]:
    """Assign several alerts, each in its own transaction (atomic per alert).

    Returns ``{'assigned': [alert ids], 'refused': {alert id: one-line reason}}``; an
    alert that cannot be assigned never stops the others.
    """
    done: list[str] = []
    refused: dict[str, str] = {}
    for alert_id in alert_ids:
        try:
            assign(connection, alert_id, actor=actor, assignee=assignee, deadline=deadline,
                   note=note, scope=scope)
            done.append(alert_id)
        except WorkflowError as error:
            refused[alert_id] = str(error)
    return {"assigned": done, "refused": refused}


def start_verification(connection: Connection, alert_id: str, *, actor: str,
                       note: str | None = None, expected_status: str | None = None,
                       scope: Scope | None = None) -> dict[str, Any]:
    """核查: the handler starts verifying an assigned alert."""
    return _transition(connection, alert_id, "verify", actor, lambda *_: ({}, {"note": note}),
                       expected_status, scope)


def dispose(connection: Connection, alert_id: str, *, actor: str, outcome: str,
            reason: str | None = None, referred_to: str | None = None,
            merged_into: str | None = None, note: str | None = None,
            expected_status: str | None = None, scope: Scope | None = None
            ) -> dict[str, Any]:
    """处置: decide a verified alert with an outcome.

    ``confirmed`` 属实 and ``partly_confirmed`` 部分属实 may give a reason; ``unfounded``
    不属实 must (why the facts do not hold); ``referred`` 移送 must say to whom
    (``referred_to``); ``merged`` 并案 must say into which alert or case (``merged_into``;
    an existing alert id is also linked by ``MERGED_INTO``).
    """
    if outcome not in OUTCOMES:
        raise WorkflowError(f"outcome {outcome!r} is not one of "
                            + ", ".join(f"{code} {label['zh']}" for code, label in
                                        OUTCOMES.items()))
    if outcome == "unfounded":
        reason = _required(reason, "a reason for 不属实 (--reason)")
    if outcome == "referred":
        referred_to = _required(referred_to, "to whom it is referred (--referred-to)")
    if outcome == "merged":
        merged_into = _required(merged_into, "the alert or case it is merged into "
                                             "(--merged-into)")
        if merged_into == alert_id:
            raise WorkflowError(f"alert {alert_id} cannot be merged into itself")
    decided = {"outcome": outcome, "outcome_reason": reason, "referred_to": referred_to,
               "merged_into": merged_into, "decided_by": actor}
    event = {"outcome": outcome, "reason": reason, "referred_to": referred_to,
             "merged_into": merged_into, "note": note}
    return _transition(connection, alert_id, "dispose", actor,
                       lambda _, now: ({**decided, "decided_at": now}, event),
                       expected_status, scope, merged_into=merged_into)


def reopen(connection: Connection, alert_id: str, *, actor: str, reason: str,
           note: str | None = None, expected_status: str | None = None,
           scope: Scope | None = None) -> dict[str, Any]:
    """重新核查: set a decision aside; the alert is verified again (its old outcome stays in
    its history, and is cleared on the alert)."""
    reason = _required(reason, "a reason to reopen (--reason)")
    cleared = dict.fromkeys(("outcome", "outcome_reason", "referred_to", "merged_into",
                             "decided_at", "decided_by"))
    return _transition(connection, alert_id, "reopen", actor,
                       lambda *_: (cleared, {"reason": reason, "note": note}),
                       expected_status, scope)


def add_note(connection: Connection, alert_id: str, *, actor: str, note: str,
             scope: Scope | None = None) -> dict[str, Any]:
    """备注: a note on the alert's history, whatever its status."""
    note = _required(note, "the text of the note")
    return _transition(connection, alert_id, "note", actor, lambda *_: ({}, {"note": note}),
                       None, scope)


def _transition(connection: Connection, alert_id: str, action: str, actor: str, fields,
                expected_status: str | None, scope: Scope | None,
                merged_into: str | None = None) -> dict[str, Any]:
    actor = _required(actor, "who acts (--as USER)")
    if expected_status is not None and expected_status not in STATUSES:
        raise WorkflowError(f"unknown status {expected_status!r}: use one of "
                            + ", ".join(map(status_label, STATUSES)))
    scope = scope or Scope.everything()

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        row = tx.run(LOCK_ALERT, alert_id=alert_id, **scope.parameters()).single()
        former = None if row else tx.run(FORMER_ID, alert_id=alert_id).single()
        if former:
            row = tx.run(LOCK_ALERT, alert_id=former["alert_id"], **scope.parameters()).single()
        if row is None:
            raise AlertNotFound(f"no alert {alert_id!r}: list alerts with "
                                "`lianjian alerts list`")
        current = row["status"]
        _check(row["alert_id"], action, current, expected_status)
        if merged_into and CASE_NUMBER.match(merged_into) and not tx.run(
                CASE_IN_SCOPE, case_id=merged_into, **scope.parameters()).single():
            raise WorkflowError(f"no case {merged_into}: give the number of a case you "
                                "can open (AJ-<year>-<serial>)")
        now = dt.datetime.now(dt.timezone.utc)
        alert_changes, event_fields = fields(row, now)
        to_status = TRANSITIONS[action][1] or current
        audit = audit_append(tx, actor=actor, action=f"alert.{action}",
                             targets=[row["alert_id"], *(row["entity_ids"] or [])],
                             parameters={"from": current, "to": to_status,
                                         **{k: v for k, v in event_fields.items()
                                            if v is not None}})
        event_fields = {k: v for k, v in event_fields.items() if v is not None}
        tx.run(WRITE_TRANSITION, alert_id=row["alert_id"], action=action, actor=actor, at=now,
               from_status=current, to_status=to_status, version=row["version"] + 1,
               alert_changes=alert_changes,
               event_fields={**event_fields, "audit_seq": audit["seq"]},
               merged_into=merged_into).consume()
        return {"alert_id": row["alert_id"], "action": action, "from_status": current,
                "to_status": to_status, "actor": actor, "at": now.isoformat(),
                "audit_seq": audit["seq"], **{k: _plain(v) for k, v in event_fields.items()}}

    return connection.execute_write(work)


def _check(alert_id: str, action: str, current: str, expected: str | None) -> None:
    if expected is not None and current != expected:
        raise StaleTransition(f"alert {alert_id} is now {status_label(current)}, not "
                              f"{status_label(expected)}: someone acted on it since you "
                              "read it; reload it and decide again")
    allowed, _, advice = TRANSITIONS[action]
    if current not in allowed:
        verb = {"verify": "start verification of", "note": "annotate"}.get(action, action)
        raise IllegalTransition(f"alert {alert_id} is {status_label(current)}: cannot "
                                f"{verb} it; {advice}")


def _required(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise WorkflowError(f"give {what}")
    return str(value).strip()


def _default_deadline(severity: str | None) -> dt.date:
    from graph.settings import get_settings

    days = get_settings().deadline_days
    return local_today() + dt.timedelta(days=days.get(severity or "", days.get("medium", 30)))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
