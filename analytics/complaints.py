"""Complaints from the public (信访举报, 监督一点通): filed, worked through to the answer, rated.

=============  ===========================  ==========  ====================================
action         from                         to          who
=============  ===========================  ==========  ====================================
``file``       (new)                        received    a citizen, on the public channel
``accept``     received                     accepted    the discipline office (受理)
``decline``    received                     answered    the office (不予受理, with the answer)
``forward``    accepted, forwarded          forwarded   the office, to a unit with a deadline
``handle``     forwarded                    handled     the unit's liaison (办理, a report)
``review``     handled                      reviewed    the office approves the report (审核)
``return``     handled                      forwarded   the office sends it back (with why)
``answer``     reviewed                     answered    the office answers the citizen (答复)
``rate``       answered                     rated       the citizen, with the tracking code
=============  ===========================  ==========  ====================================

Every step is one write transaction like ``analytics.workflow``: the complaint's write
lock first, then the status it is compared with (``expected_status``: compare-and-set),
then the complaint, a ``ComplaintEvent`` and the audit event (``analytics.audit.append``).

Who may act is the jurisdiction: the office acts on complaints concerning a unit of its
subtree (``unit_ids``: the place, and the unit it was forwarded to); a unit's liaison acts
only on what was forwarded to its subtree. A complaint outside reads like a missing one.
Nothing a citizen wrote is ever shown to another citizen: the public side reads a
complaint only through its tracking code's digest (``complaint_for_citizen``).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.audit import append_checked as audit_append_checked
from analytics.audit import checked_event
from analytics.group_commit import committer
from analytics.days import local_today, parse_deadline
from analytics.plain import native
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["STATUSES", "ACTIONS", "ComplaintError", "ComplaintNotFound", "file_complaint",
           "complaint_for_citizen", "rate", "accept", "decline", "forward", "handle",
           "review", "return_to_unit", "answer", "IN_OFFICE_SCOPE",
           "IN_UNIT_SCOPE", "PUBLIC_ACTOR"]

STATUSES = ("received", "accepted", "forwarded", "handled", "reviewed", "answered", "rated")
PUBLIC_ACTOR = "public"
# action → (statuses it may start from, status it leads to)
ACTIONS = {
    "accept": (("received",), "accepted"),
    "decline": (("received",), "answered"),
    "forward": (("accepted", "forwarded"), "forwarded"),
    "handle": (("forwarded",), "handled"),
    "review": (("handled",), "reviewed"),
    "return": (("handled",), "forwarded"),
    "answer": (("reviewed",), "answered"),
    "rate": (("answered",), "rated"),
}

# A complaint concerns a unit through unit_ids (filed here), or, loaded from
# complaints.csv, through its ABOUT tie to the unit or to an official of it.
IN_OFFICE_SCOPE = """($scope_units IS NULL
  OR any(unit IN coalesce(c.unit_ids, []) WHERE unit IN $scope_units)
  OR (c.unit_ids IS NULL AND (
      EXISTS { MATCH (c)-[:ABOUT]->(unit:Unit) WHERE unit.unit_id IN $scope_units }
      OR EXISTS { MATCH (c)-[:ABOUT]->(:Person)-[:HOLDS_POSITION]->(unit:Unit)
                  WHERE unit.unit_id IN $scope_units })))"""
IN_UNIT_SCOPE = "(c.forwarded_to IS NOT NULL AND ($scope_units IS NULL " \
                "OR c.forwarded_to IN $scope_units))"

FILE = """
MATCH (place:Unit {unit_id: $place}) WHERE place.level IN $levels
MERGE (c:Complaint {complaint_id: $complaint_id})
ON CREATE SET c._new = true, c.channel = 'public', c.status = 'received', c.version = 0,
              c.date = date($today), c.filed_at = datetime(), c.category = $category,
              c.text = $text, c.place_unit_id = $place, c.subject_text = $subject_text,
              c.contact = $contact, c.tracking_hash = $tracking_hash, c.unit_ids = [$place]
WITH c, place, coalesce(c._new, false) AS created
REMOVE c._new
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END |
  MERGE (c)-[:ABOUT]->(place)
  CREATE (c)-[:HAS_EVENT]->(:ComplaintEvent {event_id: randomUUID(),
    complaint_id: c.complaint_id, action: 'file', actor: $actor, at: c.filed_at,
    to_status: 'received'}))
RETURN created, c.complaint_id AS complaint_id
"""

CITIZEN_VIEW = """
MATCH (c:Complaint {tracking_hash: $tracking_hash}) WHERE c.channel = 'public'
OPTIONAL MATCH (place:Unit {unit_id: c.place_unit_id})
RETURN c.complaint_id AS complaint_id, c.category AS category, c.text AS text,
       c.subject_text AS subject_text, place.name AS place_name, c.filed_at AS filed_at,
       c.status AS status, c.answer AS answer, c.answered_at AS answered_at,
       c.rating AS rating, c.rating_comment AS rating_comment, c.rated_at AS rated_at,
       [(c)-[:HAS_EVENT]->(e:ComplaintEvent) | e {.action, .at, .to_status}] AS steps
"""

LOCK = """
MATCH (c:Complaint {complaint_id: $complaint_id})
WHERE CASE $view WHEN 'unit' THEN """ + IN_UNIT_SCOPE + """
                 WHEN 'citizen' THEN c.tracking_hash = $tracking_hash
                 ELSE """ + IN_OFFICE_SCOPE + """ END
SET c._lock = true
RETURN c.complaint_id AS complaint_id, c.status AS status,
       coalesce(c.version, 0) AS version, c.unit_ids AS unit_ids,
       c.forwarded_to AS forwarded_to
"""

BY_TRACKING = "MATCH (c:Complaint {tracking_hash: $tracking_hash}) " \
              "WHERE c.channel = 'public' RETURN c.complaint_id AS complaint_id"

UNIT_EXISTS = "MATCH (unit:Unit {unit_id: $unit_id}) RETURN unit.name AS name"
PERSON_EXISTS = "MATCH (p:Person {id_number: $id_number}) RETURN p.name AS name"

WRITE = """
MATCH (c:Complaint {complaint_id: $complaint_id})
SET c.status = $to_status, c.version = $version
SET c += $changes
REMOVE c._lock
CREATE (c)-[:HAS_EVENT]->(event:ComplaintEvent {
  event_id: randomUUID(), complaint_id: $complaint_id, action: $action, actor: $actor,
  at: $at, from_status: $from_status, to_status: $to_status})
SET event += $event_fields
WITH c
CALL {
  WITH c
  WITH c WHERE $add_unit IS NOT NULL
  SET c.unit_ids = [unit IN coalesce(c.unit_ids, []) WHERE unit <> $add_unit] + $add_unit
}
CALL {
  WITH c
  MATCH (person:Person {id_number: $subject})
  MERGE (c)-[:ABOUT]->(person)
}
RETURN c.complaint_id AS complaint_id
"""


class ComplaintError(LianjianError):
    """A complaint action that cannot be done as asked; the message says what to do."""


class ComplaintNotFound(ComplaintError):
    """No complaint has this id or code (or it lies outside the jurisdiction: the same)."""


def file_complaint(connection: Connection, *, complaint_id: str, tracking_hash: str,
                   category: str, place_unit_id: str, text: str, levels: list[str],
                   subject_text: str | None = None, contact: str | None = None
                   ) -> dict[str, Any]:
    """Store a citizen's complaint once: ``{complaint_id, created}``.

    ``complaint_id`` comes from the form's single-use token (``analytics.public_forms``),
    so a form posted twice finds the complaint of its first posting (``created`` False)
    and writes nothing more. The place must be a unit with a public page (``levels``).
    The filing is audited (actor ``public``, no address: a whistle-blower is not traced).
    """
    item = {"parameters": {
                "complaint_id": complaint_id, "tracking_hash": tracking_hash,
                "category": category, "place": place_unit_id, "text": text,
                "subject_text": subject_text or None, "contact": contact or None,
                "levels": list(levels), "today": local_today().isoformat(),
                "actor": PUBLIC_ACTOR},
            "event": checked_event({"actor": PUBLIC_ACTOR, "action": "complaint.file",
                                    "targets": [complaint_id, place_unit_id],
                                    "parameters": {"category": category,
                                                   "channel": "public"}})}
    filed = committer(connection, "complaints", _file_many).submit(item)
    if filed is None:
        raise ComplaintError(f"no public unit {place_unit_id!r}: choose the place from "
                             "the list")
    return filed


def _file_many(tx: neo4j.ManagedTransaction, items: list[dict]) -> list[dict | None]:
    """Filings arriving together, stored in one transaction (``analytics.group_commit``):
    each filing held the place's and the audit head's locks through its own commit, so a
    busy village's filings queued one commit at a time. None for a place that is not public."""
    results, events = [], []
    for item in items:
        row = tx.run(FILE, **item["parameters"]).single()
        if row is not None and row["created"]:
            events.append(item["event"])
        results.append(None if row is None else
                       {"complaint_id": row["complaint_id"], "created": row["created"]})
    audit_append_checked(tx, events)
    return results


def complaint_for_citizen(connection: Connection, tracking_hash: str | None
                          ) -> dict[str, Any] | None:
    """What the citizen holding the code may see of their own complaint, or None.

    Their own text and choices, its stages with their times (never who acted, the unit's
    report or the office's notes), the answer, and their rating. A wrong code is None,
    exactly like no complaint.
    """
    if not tracking_hash:
        return None
    rows = connection.read(CITIZEN_VIEW, tracking_hash=tracking_hash)
    if not rows:
        return None
    found = native(rows[0])
    found["steps"] = sorted(found["steps"], key=lambda step: step["at"])
    return found


def rate(connection: Connection, tracking_hash: str | None, *, rating: int,
         comment: str | None = None) -> dict[str, Any]:
    """评价: the citizen rates the answer (1 to 5) with the tracking code, once."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ComplaintError("give a rating from 1 to 5")
    rows = connection.read(BY_TRACKING, tracking_hash=tracking_hash) if tracking_hash else []
    if not rows:
        raise ComplaintNotFound("no complaint has this tracking code")
    return _transition(connection, rows[0]["complaint_id"], "rate", PUBLIC_ACTOR,
                       {"rating": rating, "rating_comment": comment or None},
                       {"note": f"rating {rating}"}, view="citizen",
                       tracking_hash=tracking_hash, stamp="rated_at")


def accept(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
           subject_id_number: str | None = None, note: str | None = None,
           expected_status: str | None = None) -> dict[str, Any]:
    """受理: the office accepts the complaint; a named official may be linked by ID number
    (``ABOUT``), so it shows on their integrity profile."""
    return _transition(connection, complaint_id, "accept", actor, {"accepted_by": actor},
                       {"note": note}, scope=scope, expected_status=expected_status,
                       stamp="accepted_at", subject=subject_id_number or None)


def decline(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
            answer_text: str, expected_status: str | None = None) -> dict[str, Any]:
    """不予受理: not accepted, with the answer the citizen reads (why, and where to go)."""
    answer_text = _required(answer_text, "the answer to the citizen")
    return _transition(connection, complaint_id, "decline", actor,
                       {"answer": answer_text, "answered_by": actor}, {"note": answer_text},
                       scope=scope, expected_status=expected_status, stamp="answered_at")


def forward(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
            unit_id: str, deadline: dt.date | str | None = None, note: str | None = None,
            expected_status: str | None = None) -> dict[str, Any]:
    """转办: to a unit of the office's jurisdiction, until ``deadline`` (default: today
    plus ``complaint_deadline_days``)."""
    from graph.settings import get_settings

    unit_id = _required(unit_id, "the unit it is forwarded to")
    if not scope.allows_unit(unit_id) or not connection.read(UNIT_EXISTS, unit_id=unit_id):
        raise ComplaintError(f"no unit {unit_id!r} in your jurisdiction: forward to a unit "
                             "of your subtree")
    due = parse_deadline(deadline, ComplaintError) or local_today() + dt.timedelta(
        days=get_settings().complaint_deadline_days)
    return _transition(connection, complaint_id, "forward", actor,
                       {"forwarded_to": unit_id, "forwarded_by": actor, "deadline": due},
                       {"unit_id": unit_id, "deadline": due, "note": note}, scope=scope,
                       expected_status=expected_status, stamp="forwarded_at",
                       add_unit=unit_id)


def handle(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
           report: str, expected_status: str | None = None) -> dict[str, Any]:
    """办理: the unit it was forwarded to reports what it found and did."""
    report = _required(report, "the handling report")
    return _transition(connection, complaint_id, "handle", actor,
                       {"handling_report": report, "handled_by": actor}, {"note": report},
                       scope=scope, expected_status=expected_status, stamp="handled_at",
                       view="unit")


def review(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
           note: str | None = None, expected_status: str | None = None) -> dict[str, Any]:
    """审核: the office approves the unit's report."""
    return _transition(connection, complaint_id, "review", actor, {"reviewed_by": actor},
                       {"note": note}, scope=scope, expected_status=expected_status,
                       stamp="reviewed_at")


def return_to_unit(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
                   note: str, expected_status: str | None = None) -> dict[str, Any]:
    """退回: the office sends the report back to the unit, saying what is missing."""
    note = _required(note, "what the unit must do again")
    return _transition(connection, complaint_id, "return", actor, {}, {"note": note},
                       scope=scope, expected_status=expected_status)


def answer(connection: Connection, complaint_id: str, *, actor: str, scope: Scope,
           answer_text: str, expected_status: str | None = None) -> dict[str, Any]:
    """答复: the office's answer, which the citizen reads with the tracking code."""
    answer_text = _required(answer_text, "the answer to the citizen")
    return _transition(connection, complaint_id, "answer", actor,
                       {"answer": answer_text, "answered_by": actor}, {"note": answer_text},
                       scope=scope, expected_status=expected_status, stamp="answered_at")


def _transition(connection: Connection, complaint_id: str, action: str, actor: str,
                changes: dict, event_fields: dict, *, scope: Scope | None = None,
                view: str = "office", expected_status: str | None = None,
                stamp: str | None = None, add_unit: str | None = None,
                subject: str | None = None, tracking_hash: str | None = None
                ) -> dict[str, Any]:
    actor = _required(actor, "who acts")
    scope = scope or Scope.everything()

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        row = tx.run(LOCK, complaint_id=complaint_id, view=view,
                     tracking_hash=tracking_hash, **scope.parameters()).single()
        if row is None:
            raise ComplaintNotFound(f"no complaint {complaint_id!r}")
        current = row["status"]
        if expected_status is not None and current != expected_status:
            raise ComplaintError(f"complaint {complaint_id} is now {current}, not "
                                 f"{expected_status}: someone acted on it since you read "
                                 "it; reload it and decide again")
        allowed, to_status = ACTIONS[action]
        if current not in allowed:
            state = current or "loaded from a file"
            raise ComplaintError(f"complaint {complaint_id} is {state}: cannot {action} it "
                                 f"(only from {', '.join(allowed)})")
        if subject and tx.run(PERSON_EXISTS, id_number=subject).single() is None:
            raise ComplaintError(f"no person with ID number {subject!r}: check the number")
        now = dt.datetime.now(dt.timezone.utc)
        fields = {k: v for k, v in event_fields.items() if v not in (None, "")}
        audit = audit_append(tx, actor=actor, action=f"complaint.{action}",
                             targets=[complaint_id, *([subject] if subject else []),
                                      *([add_unit] if add_unit else [])],
                             parameters={"from": current, "to": to_status,
                                         **{k: str(v) for k, v in fields.items()}})
        tx.run(WRITE, complaint_id=complaint_id, to_status=to_status,
               version=row["version"] + 1, action=action, actor=actor, at=now,
               from_status=current, add_unit=add_unit, subject=subject,
               changes={**changes, **({stamp: now} if stamp else {})},
               event_fields={**fields, "audit_seq": audit["seq"]}).consume()
        return {"complaint_id": complaint_id, "action": action, "from_status": current,
                "to_status": to_status, "actor": actor, "at": now.isoformat(),
                "audit_seq": audit["seq"]}

    with connection.work_session() as session:
        return session.execute_write(work)


def _required(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise ComplaintError(f"give {what}")
    return str(value).strip()


