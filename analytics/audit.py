"""The audit trail (审计日志): who did what to which alert, and who looked at whom.

Every workflow action, every read of a person's profile, map or timeline and every export
is appended as an ``AuditEvent``: ``seq`` (1, 2, 3 … without gaps), ``at`` (UTC), ``actor``,
``action`` (a short dotted word, ``ACTIONS``), ``targets`` (the keys concerned: alert ids,
ID numbers, unit codes …), ``parameters`` (canonical JSON), ``prev_hash`` and ``hash`` =
SHA-256 over the canonical JSON of all those fields (``event_hash``). Changing, removing or
reordering an event therefore breaks the chain at that event, and ``verify_chain`` names it.

Appends are serialised on one ``AuditHead`` node: the append takes that node's write lock
before it reads the head (Neo4j's documented way to avoid lost updates), so two writers
never fork the chain; a uniqueness constraint on ``seq`` is the second guard. Nothing here
updates or deletes an event. ``append`` runs inside a caller's managed transaction, so a
workflow change and its audit event commit together or not at all; ``record`` is the same
in a transaction of its own. The head (seq and hash) is what an exported report carries:
anyone holding it can later check that the trail up to it is intact.
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from analytics.group_commit import committer
from graph.errors import LianjianError

if TYPE_CHECKING:      # annotations only: the command line imports this module at once
    import neo4j

    from graph.connection import Connection

__all__ = ["ACTIONS", "GENESIS", "AuditError", "append", "append_many", "append_checked",
           "checked_event", "record", "verify_chain", "read_log", "head", "event_hash",
           "canonical_json", "default_actor"]

GENESIS = "0" * 64
ACTION_NAME = re.compile(r"^[a-z]+(\.[a-z_]+)+$")
PAGE = 5000

# The actions Lianjian records (docs/audit.md lists them with their targets).
ACTIONS = {
    "alert.assign": "分办: an alert assigned to a handler with a deadline",
    "alert.verify": "核查: verification of an alert started",
    "alert.dispose": "处置: an alert decided, with its outcome",
    "alert.reopen": "重新核查: a decided alert reopened",
    "alert.note": "备注: a note added to an alert",
    "alert.read": "an alert shown with its evidence and history",
    "alerts.list": "a list of alerts read",
    "alerts.export": "alerts exported (CSV or JSON)",
    "search.run": "a search of the workbench (the text; targets: the keys shown)",
    "entity.read": "an entity's page read (facts, ties at a date, alerts)",
    "profile.read": "an official's integrity profile (廉政档案) read",
    "portrait.read": "a unit's or region's portrait (政治生态画像) read",
    "timeline.read": "an entity's timeline read",
    "paths.read": "the relationships between two entities (隐性关联) read",
    "map.read": "an entity's relationship map read, or a saved map opened (its id first)",
    "map.expand": "a node of the relationship map expanded (tie types, page, withheld count)",
    "map.paths": "paths between two entities drawn on the map (hops, types, date)",
    "map.trail": "a money trail (资金穿透) drawn on the map (window, minimum amount)",
    "map.evidence": "an alert's evidence drawn on the map",
    "map.hidden": "shared phones, addresses, emails, accounts among a map's entities read",
    "map.export": "a relationship map exported (PNG, SVG, GraphML or CSV; counts)",
    "scan.run": "a scan run (rules, units, parameters)",
    "audit.read": "the audit log read",
    "session.login": "a workbench sign-in",
    "session.login_failed": "a refused sign-in (wrong name or password, disabled account)",
    "session.login_throttled": "a sign-in refused by the throttle (per account or address)",
    "session.logout": "a workbench sign-out",
    "user.add": "an account created (CLI)",
    "user.disable": "an account disabled (its sessions end)",
    "user.enable": "an account enabled again",
    "user.passwd": "a password changed (other sessions end)",
    "user.passwd.failed": "a password change refused (wrong current password)",
    "user.passwd.throttled": "a password change refused by the throttle",
    "token.create": "an API token issued",
    "token.revoke": "an API token revoked",
    "case.open": "立案: a case opened (number, title, unit, owner, first items)",
    "case.add": "an alert, entity or saved map added to a case",
    "case.remove": "an alert, entity, saved map or note taken out of a case",
    "case.assign": "a case's owner or members set",
    "case.status": "a case's status changed (closing gives a conclusion)",
    "case.note": "a note added to a case",
    "case.read": "a case shown with its items and history",
    "cases.list": "a list of cases read",
    "checklist.tick": "核查要点: a verification point of an alert ticked, unticked, annotated",
    "map.save": "a relationship map saved (title, entities on it)",
    "report.export": "an evidence report exported (case or alert, format, file SHA-256)",
    "report.verify": "a file checked against the exported reports (its SHA-256, the answer)",
    "rule.trial": "a rule tried with other parameters (dry run, nothing written)",
    "quality.read": "the rule-quality figures read",
    "complaint.file": "a complaint filed on the public channel (actor public, no address)",
    "complaint.accept": "受理: a complaint accepted (a named official may be linked)",
    "complaint.decline": "不予受理: a complaint not accepted, with the answer",
    "complaint.forward": "转办: a complaint forwarded to a unit with a deadline",
    "complaint.handle": "办理: the unit's handling report",
    "complaint.review": "审核: the office approved the unit's report",
    "complaint.return": "退回: the office sent the report back to the unit",
    "complaint.answer": "答复: the office's answer to the citizen",
    "complaint.rate": "评价: the citizen rated the answer (actor public)",
    "complaint.read": "a complaint read at the desk (text, contact, history)",
    "complaints.list": "the complaint desk's list, or a unit's complaints, read",
    "notice.issue": "整改: a rectification notice issued to a unit",
    "notice.answer": "整改反馈: the unit's measures",
    "notice.accept": "整改验收: the measures accepted",
    "notice.return": "整改退回: the measures returned to the unit",
    "notice.read": "a rectification notice read",
    "assessment.read": "the handling assessment (考核) read",
    "assessment.export": "the handling assessment exported (CSV)",
    "check.run": "事前监督: a proposed contract or payment checked (result, hits)",
    "check.override": "a blocked check overridden by the business system (becomes an alert)",
    "warning.receive": "an external warning received from a business system",
}

LOCK_HEAD = """
MERGE (head:AuditHead {name: 'audit'})
ON CREATE SET head.seq = 0, head.hash = $genesis
SET head._lock = true
WITH head
RETURN head.seq AS seq, head.hash AS hash
"""

APPEND_MANY = """
UNWIND $events AS event
CREATE (:AuditEvent {seq: event.seq, at: datetime(event.at), actor: event.actor,
                     action: event.action, targets: event.targets,
                     parameters: event.parameters, prev_hash: event.prev_hash,
                     hash: event.hash})
WITH count(*) AS written
MATCH (head:AuditHead {name: 'audit'})
SET head.seq = $seq, head.hash = $hash
REMOVE head._lock
"""

HEAD = "MATCH (head:AuditHead {name: 'audit'}) RETURN head.seq AS seq, head.hash AS hash"

EVENTS_AFTER = """
MATCH (event:AuditEvent) WHERE event.seq > $after
RETURN event.seq AS seq, event.at AS at, event.actor AS actor, event.action AS action,
       event.targets AS targets, event.parameters AS parameters,
       event.prev_hash AS prev_hash, event.hash AS hash
ORDER BY event.seq LIMIT $limit
"""

LOG_FILTER = """
MATCH (event:AuditEvent)
WHERE ($actor IS NULL OR event.actor = $actor)
  AND ($action IS NULL OR event.action = $action)
  AND ($target IS NULL OR $target IN event.targets)
  AND ($since IS NULL OR event.at >= datetime($since))
"""

COUNT_LOG = LOG_FILTER + "RETURN count(event) AS total"

READ_LOG = LOG_FILTER + """
RETURN event.seq AS seq, toString(event.at) AS at, event.actor AS actor,
       event.action AS action, event.targets AS targets, event.parameters AS parameters,
       event.prev_hash AS prev_hash, event.hash AS hash
ORDER BY event.seq DESC SKIP $skip LIMIT $limit
"""


class AuditError(LianjianError):
    """An audit event that cannot be written as given (no actor, a malformed action)."""


def default_actor() -> str:
    """The OS user: who the command line acts as when ``--as`` is not given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: one text per value, whoever writes it.

    >>> canonical_json({"b": [1, "二"], "a": None})
    '{"a":null,"b":[1,"二"]}'
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def _utc_text(value: Any) -> str:
    """A time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (what is hashed; the stored datetime agrees)."""
    if hasattr(value, "to_native"):
        value = value.to_native()
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the event's fields, ``prev_hash`` included.

    >>> event_hash({"seq": 1, "at": "2024-01-01T00:00:00.000000Z", "actor": "a",
    ...             "action": "alert.note", "targets": [], "parameters": "{}",
    ...             "prev_hash": GENESIS})[:16]
    '262e0fa108c15ed1'
    """
    fields = {name: event[name] for name in
              ("seq", "at", "actor", "action", "targets", "parameters", "prev_hash")}
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def append(tx: neo4j.ManagedTransaction, *, actor: str, action: str,
           targets: Iterable[Any] = (), parameters: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    """Append one event inside the caller's write transaction; returns ``{seq, hash, at}``.

    The head is locked first, so the event commits with the caller's writes or not at all,
    and a concurrent writer waits for this transaction to end before it reads the head.
    """
    return append_many(tx, [{"actor": actor, "action": action, "targets": targets,
                             "parameters": parameters}])[0]


def append_many(tx: neo4j.ManagedTransaction, events: list[dict[str, Any]]
                ) -> list[dict[str, Any]]:
    """Append several events, in order, inside the caller's write transaction: the head is
    locked once and the events written in one statement (a group commit of many actions,
    e.g. concurrent pre-approval checks). Each event is ``{actor, action, targets,
    parameters}``; returns ``{seq, hash, at}`` per event."""
    return append_checked(tx, [checked_event(event) for event in events])


def append_checked(tx: neo4j.ManagedTransaction, events: list[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """``append_many`` of events already checked (``checked_event``)."""
    if not events:
        return []
    current = tx.run(LOCK_HEAD, genesis=GENESIS).single()
    seq, previous = current["seq"], current["hash"]
    written = []
    for event in events:
        seq += 1
        full = {"seq": seq, "at": _utc_text(dt.datetime.now(dt.timezone.utc)), **event,
                "prev_hash": previous}
        full["hash"] = previous = event_hash(full)
        written.append(full)
    tx.run(APPEND_MANY, events=written, seq=seq, hash=previous).consume()
    return [{"seq": event["seq"], "hash": event["hash"], "at": event["at"]}
            for event in written]


def checked_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as it is hashed (actor trimmed, targets as text, parameters as canonical
    JSON), or AuditError when it cannot be recorded as given."""
    actor = (event.get("actor") or "").strip()
    if not actor:
        raise AuditError("every audited action needs an actor: pass --as USER")
    action = event.get("action") or ""
    if not ACTION_NAME.match(action):
        raise AuditError(f"audit action {action!r} must be short dotted words (alert.assign)")
    return {"actor": actor, "action": action,
            "targets": [str(target) for target in event.get("targets") or ()
                        if target not in (None, "")],
            "parameters": canonical_json(event.get("parameters") or {})}


def record(connection: Connection, *, actor: str, action: str, targets: Iterable[Any] = (),
           parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Append one audit event, committed before this returns; returns ``{seq, hash, at}``.

    Concurrent callers share a transaction (``analytics.group_commit``): twenty readers of
    the workbench take the head's lock and flush the log once, not twenty times. The event
    is checked before it joins the others, so a malformed one fails alone.

    Parameters
    ----------
    connection : the database holding the trail.
    actor : who acted (the CLI's ``--as`` or the OS user; the web app's signed-in user).
    action : a dotted name such as ``profile.read`` (``ACTIONS`` lists Lianjian's own).
    targets : keys of what was acted on or read (alert ids, ID numbers, unit codes …).
    parameters : what else defines the action (filters, options), JSON-serialisable.
    """
    event = checked_event({"actor": actor, "action": action, "targets": list(targets),
                            "parameters": parameters})
    return committer(connection, "audit", _write_events).submit(event)


def _write_events(tx: neo4j.ManagedTransaction, events: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    return append_checked(tx, events)


def head(connection: Connection) -> dict[str, Any]:
    """The last ``seq`` and ``hash`` of the chain (``0`` and ``GENESIS`` when it is empty)."""
    rows = connection.read(HEAD)
    return {"seq": rows[0]["seq"], "hash": rows[0]["hash"]} if rows else \
        {"seq": 0, "hash": GENESIS}


def verify_chain(connection: Connection) -> dict[str, Any]:
    """Recompute the chain from the first event; name the first broken or missing one.

    Returns ``{ok, events, head, first_bad_seq, problem}``: ``first_bad_seq`` is the seq of
    the first event that is missing (a gap, or events after the last one the head counts),
    altered (its hash does not match its content) or out of place (its ``prev_hash`` is not
    the hash of the event before it); ``problem`` says which in one line.
    """
    expected_seq, previous, count = 1, GENESIS, 0
    last = head(connection)
    while True:
        rows = connection.read(EVENTS_AFTER, after=expected_seq - 1, limit=PAGE)
        for row in rows:
            problem = _check(row, expected_seq, previous)
            if problem:
                return _result(False, count, last, problem[0], problem[1])
            previous, expected_seq, count = row["hash"], expected_seq + 1, count + 1
        if len(rows) < PAGE:
            break
    if last["seq"] >= expected_seq:
        return _result(False, count, last, expected_seq,
                       f"event {expected_seq} is missing: the chain ends at {expected_seq - 1} "
                       f"but its head counts {last['seq']} events")
    if count and last["hash"] != previous:
        return _result(False, count, last, count,
                       f"event {count} does not match the head's hash")
    return _result(True, count, last, None, None)


def _check(row: dict, expected_seq: int, previous: str) -> tuple[int, str] | None:
    if row["seq"] != expected_seq:
        return expected_seq, (f"event {expected_seq} is missing (the next event is "
                              f"{row['seq']})")
    event = {**row, "at": _utc_text(row["at"]), "targets": list(row["targets"] or [])}
    if event_hash(event) != row["hash"]:
        return expected_seq, (f"event {expected_seq} was altered: its hash does not match "
                              "its content")
    if row["prev_hash"] != previous:
        return expected_seq, (f"event {expected_seq} is out of place: its previous hash is "
                              f"not the hash of event {expected_seq - 1}")
    return None


def _result(ok: bool, events: int, last: dict, seq: int | None, problem: str | None) -> dict:
    return {"ok": ok, "events": events, "head": last, "first_bad_seq": seq,
            "problem": problem}


def read_log(connection: Connection, actor: str | None = None, target: str | None = None,
             since: dt.date | dt.datetime | str | None = None, action: str | None = None,
             page: int = 1, limit: int = 50) -> dict[str, Any]:
    """Audit events, newest first, filtered in Cypher: ``{items, total, page, limit}``.

    ``target`` matches one key among an event's targets (an ID number finds every read of
    that person's profile and every action on alerts naming them); ``since`` is a date or
    an ISO time.
    """
    if page < 1 or limit < 1:
        raise LianjianError("page and limit start at 1")
    if isinstance(since, dt.datetime):
        since = _utc_text(since)
    elif isinstance(since, dt.date):
        since = since.isoformat()
    filters = {"actor": actor, "target": target, "since": since, "action": action}
    total = connection.read(COUNT_LOG, **filters)[0]["total"]
    items = connection.read(READ_LOG, **filters, skip=(page - 1) * limit, limit=limit)
    for item in items:
        item["parameters"] = json.loads(item["parameters"] or "{}")
        item["targets"] = list(item["targets"] or [])
    return {"items": items, "total": total, "page": page, "limit": limit}
