"""Cases (案件线索): alerts, entities, saved maps and notes gathered for one investigation.

A case has a number ``AJ-<year>-<serial>`` (what a merged alert's ``merged_into`` names), a
title, an owning unit (its jurisdiction: a case is in a reader's scope when that unit is),
an owner (主办人), members (协办人) and a status:

==========  =============  ======================================================
status      中文           next
==========  =============  ======================================================
open        立案           verifying, closed (with a conclusion)
verifying   核查中         closed (with a conclusion), open
closed      已办结         open (reopened with a note)
==========  =============  ======================================================

Every action is one write transaction that first takes the case's write lock, then reads
what it checks (status, version: compare-and-set when the caller passes what it saw), then
writes the change, a ``CaseEvent`` (actor, time, what) and the audit event
(``analytics.audit.append``) — the pattern of ``analytics.workflow``. Alerts and entities
are added only when they are in the actor's scope (otherwise they read as missing keys);
owner and members must be active case workers whose jurisdiction holds the case's unit.
Removing an item takes its tie away; the event that added it and the one that removed it
stay. Reads are ``analytics.case_reads`` (re-exported here).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.case_entities import find_entities
from analytics.case_reads import CASE_STATUSES, get_case, list_cases
from analytics.saved_maps import get_map
from analytics.scope import Scope
from analytics.workflow import OUTCOMES
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["CASE_STATUSES", "CONCLUSIONS", "CASE_ID", "CASE_ROLES", "CaseError",
           "CaseNotFound", "StaleCase", "open_case", "add_items", "remove_item", "add_note",
           "assign", "set_status", "get_case", "list_cases"]

CONCLUSIONS = OUTCOMES          # 属实, 部分属实, 不属实, 移送, 并案: the alerts' words
CASE_ID = re.compile(r"^AJ-\d{4}-\d{4,}$")
CASE_ROLES = ("supervisor", "investigator")   # who may own or join a case
NEXT = {"open": ("verifying", "closed"), "verifying": ("closed", "open"),
        "closed": ("open",)}
TEXT_LIMIT = 4000

NEXT_NUMBER = """
MERGE (counter:CaseCounter {year: $year})
ON CREATE SET counter.last = 0
SET counter._lock = true
WITH counter
SET counter.last = counter.last + 1
REMOVE counter._lock
RETURN counter.last AS serial
"""

CREATE_CASE = """
CREATE (case:Case {case_id: $case_id, title: $title, summary: $summary, unit_id: $unit_id,
                   owner: $owner, members: [], status: 'open', version: 0,
                   created_at: $now, created_by: $actor, updated_at: $now})
"""

LOCK_CASE = """
MATCH (case:Case {case_id: $case_id})
WHERE $scope_units IS NULL OR case.unit_id IN $scope_units
SET case._lock = true
RETURN case.status AS status, case.version AS version, case.unit_id AS unit_id,
       case.owner AS owner, case.members AS members, case.created_by AS created_by
"""

ALERTS_IN_SCOPE = """
MATCH (alert:Alert) WHERE alert.alert_id IN $alert_ids
  AND ($scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units))
RETURN alert.alert_id AS alert_id
"""

LINK = {
    "alert": """MATCH (case:Case {case_id: $case_id}) MATCH (item:Alert {alert_id: $key})
                MERGE (case)-[tie:INCLUDES]->(item)
                ON CREATE SET tie.added_at = $now, tie.added_by = $actor, tie.new = true
                WITH tie, coalesce(tie.new, false) AS new REMOVE tie.new RETURN new""",
    "entity": """MATCH (case:Case {case_id: $case_id}) MATCH (item) WHERE elementId(item) = $element
                 MERGE (case)-[tie:CONCERNS]->(item)
                 ON CREATE SET tie.added_at = $now, tie.added_by = $actor, tie.new = true
                 WITH tie, coalesce(tie.new, false) AS new REMOVE tie.new RETURN new""",
    "map": """MATCH (case:Case {case_id: $case_id}) MATCH (item:SavedMap {map_id: $key})
              MERGE (case)-[tie:SHOWS_MAP]->(item)
              ON CREATE SET tie.added_at = $now, tie.added_by = $actor, tie.new = true
              WITH tie, coalesce(tie.new, false) AS new REMOVE tie.new RETURN new""",
}

UNLINK = {
    "alert": "MATCH (:Case {case_id: $case_id})-[tie:INCLUDES]->(:Alert {alert_id: $key}) "
             "DELETE tie RETURN count(*) AS gone",
    "entity": "MATCH (:Case {case_id: $case_id})-[tie:CONCERNS]->(item) WHERE "
              "item.id_number = $key OR item.credit_code = $key OR item.unit_id = $key OR "
              "item.contract_id = $key OR item.tender_id = $key OR item.bid_id = $key OR "
              "item.account_no = $key OR item.txn_id = $key OR item.payment_id = $key "
              "DELETE tie RETURN count(*) AS gone",
    "map": "MATCH (:Case {case_id: $case_id})-[tie:SHOWS_MAP]->(:SavedMap {map_id: $key}) "
           "DELETE tie RETURN count(*) AS gone",
    "note": "MATCH (:Case {case_id: $case_id})-[:HAS_NOTE]->(note:CaseNote {note_id: $key}) "
            "WHERE note.removed_at IS NULL SET note.removed_at = $now, "
            "note.removed_by = $actor RETURN count(*) AS gone",
}

CREATE_NOTE = """
MATCH (case:Case {case_id: $case_id})
CREATE (case)-[:HAS_NOTE]->(note:CaseNote {note_id: randomUUID(), case_id: $case_id,
                                          text: $text, author: $actor, at: $now})
RETURN note.note_id AS note_id
"""

WRITE_CASE = """
MATCH (case:Case {case_id: $case_id})
SET case += $changes, case.version = $version, case.updated_at = $now
REMOVE case._lock
CREATE (case)-[:HAS_EVENT]->(event:CaseEvent {event_id: randomUUID(), case_id: $case_id,
                                             action: $action, actor: $actor, at: $now})
SET event += $event
RETURN event.event_id AS event_id
"""

CASE_WORKERS = """
UNWIND $usernames AS username
OPTIONAL MATCH (user:User {username: username})
OPTIONAL MATCH (:Unit {unit_id: $unit_id})-[:PART_OF*0..12]->(root:Unit)
  WHERE root.unit_id = user.unit_id
RETURN username, user IS NOT NULL AS exists, coalesce(user.disabled, false) AS disabled,
       coalesce(user.roles, []) AS roles, root IS NOT NULL AS covers
"""


class CaseError(LianjianError):
    """A case action that cannot be done as asked; the message says what to do."""


class CaseNotFound(CaseError):
    """No case has this number (or it lies outside the user's jurisdiction: the same answer)."""


class StaleCase(CaseError):
    """The case changed since the user read it: someone acted on it first."""


def open_case(connection: Connection, *, actor: str, title: str, unit_id: str, scope: Scope,
              summary: str | None = None, owner: str | None = None,
              alert_ids: Iterable[str] = (), entity_keys: Iterable[str] = (),
              map_ids: Iterable[str] = (), origin: dict | None = None) -> dict[str, Any]:
    """立案: a new case of ``unit_id`` (in the actor's scope), owned by ``owner`` (default:
    the actor), with its first alerts, entities and maps. Returns ``{case_id, …}``."""
    actor = _required(actor, "who opens the case (--as USER)")
    title = _text(title, "a title")
    if not scope.allows_unit(unit_id):
        raise CaseError(f"unit {unit_id} is outside your jurisdiction: open the case in your "
                        "unit or one below it")
    owner = (owner or actor).strip()
    _check_workers(connection, unit_id, [owner])
    now = dt.datetime.now(dt.timezone.utc)
    items = _resolve(connection, scope, alert_ids, entity_keys, map_ids)

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        serial = tx.run(NEXT_NUMBER, year=now.year).single()["serial"]
        case_id = f"AJ-{now.year}-{serial:04d}"
        tx.run(CREATE_CASE, case_id=case_id, title=title, summary=_optional(summary),
               unit_id=unit_id, owner=owner, actor=actor, now=now).consume()
        added = _link(tx, case_id, items, actor, now)
        audit = audit_append(tx, actor=actor, action="case.open",
                             targets=[case_id, unit_id, *_keys(added)],
                             parameters={**(origin or {}), "title": title, "owner": owner,
                                         "items": added})
        tx.run(WRITE_CASE, case_id=case_id, changes={}, version=1, now=now, action="open",
               actor=actor, event={"to_status": "open", "owner": owner, "note": title,
                                   "audit_seq": audit["seq"]}).consume()
        return {"case_id": case_id, "audit_seq": audit["seq"], "added": added}

    return _run(connection, work)


def add_items(connection: Connection, case_id: str, *, actor: str, scope: Scope,
              alert_ids: Iterable[str] = (), entity_keys: Iterable[str] = (),
              map_ids: Iterable[str] = (), expected_version: int | None = None,
              origin: dict | None = None) -> dict[str, Any]:
    """Add alerts, entities and saved maps (each in the actor's scope, else it reads as a
    missing key); one event per item newly added, items already there are left as they
    are. Returns ``{case_id, added, version}``."""
    actor = _required(actor, "who acts (--as USER)")
    items = _resolve(connection, scope, alert_ids, entity_keys, map_ids)
    if not any(items.values()):
        raise CaseError("give at least one alert, entity or saved map to add")

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        case = _lock(tx, case_id, scope, expected_version)
        _refuse_closed(case_id, case, "add to")
        now = dt.datetime.now(dt.timezone.utc)
        added = _link(tx, case_id, items, actor, now)
        version = case["version"]
        for kind, key in ((kind, key) for kind, keys in added.items() for key in keys):
            version += 1
            audit = audit_append(tx, actor=actor, action="case.add", targets=[case_id, key],
                                 parameters={**(origin or {}), "kind": kind, "key": key})
            tx.run(WRITE_CASE, case_id=case_id, changes={}, version=version, now=now,
                   action="add", actor=actor,
                   event={"item_kind": kind, "item_key": key,
                          "audit_seq": audit["seq"]}).consume()
        tx.run("MATCH (case:Case {case_id: $case_id}) REMOVE case._lock",
               case_id=case_id).consume()
        return {"case_id": case_id, "added": added, "version": version}

    return _run(connection, work)


def remove_item(connection: Connection, case_id: str, *, actor: str, scope: Scope, kind: str,
                key: str, expected_version: int | None = None,
                origin: dict | None = None) -> dict[str, Any]:
    """Take an alert, entity or map out of the case, or withdraw a note (its text stays)."""
    actor = _required(actor, "who acts (--as USER)")
    if kind not in UNLINK:
        raise CaseError(f"unknown item kind {kind!r}: use {', '.join(UNLINK)}")

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        case = _lock(tx, case_id, scope, expected_version)
        _refuse_closed(case_id, case, "remove from")
        now = dt.datetime.now(dt.timezone.utc)
        gone = tx.run(UNLINK[kind], case_id=case_id, key=key, now=now,
                      actor=actor).single()["gone"]
        if not gone:
            raise CaseError(f"case {case_id} has no {kind} {key!r}")
        return _event(tx, case_id, case, actor, now, "remove", {}, origin,
                      {"item_kind": kind, "item_key": key}, targets=[key])

    return _run(connection, work)


def add_note(connection: Connection, case_id: str, *, actor: str, text: str, scope: Scope,
             origin: dict | None = None) -> dict[str, Any]:
    """备注: a note on the case (allowed whatever its status)."""
    actor = _required(actor, "who writes (--as USER)")
    text = _text(text, "the text of the note")

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        case = _lock(tx, case_id, scope, None)
        now = dt.datetime.now(dt.timezone.utc)
        note_id = tx.run(CREATE_NOTE, case_id=case_id, text=text, actor=actor,
                         now=now).single()["note_id"]
        return _event(tx, case_id, case, actor, now, "note", {}, origin,
                      {"item_kind": "note", "item_key": note_id, "note": text},
                      targets=[note_id])

    return _run(connection, work)


def assign(connection: Connection, case_id: str, *, actor: str, scope: Scope,
           owner: str | None = None, members: Iterable[str] | None = None,
           expected_version: int | None = None, origin: dict | None = None
           ) -> dict[str, Any]:
    """Set the owner and/or the members; each must be an active supervisor or investigator
    whose jurisdiction holds the case's unit."""
    actor = _required(actor, "who acts (--as USER)")
    if owner is None and members is None:
        raise CaseError("give an owner or members")
    members = None if members is None else sorted({m.strip() for m in members if m.strip()})

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        case = _lock(tx, case_id, scope, expected_version)
        _refuse_closed(case_id, case, "reassign")
        new_owner = (owner or case["owner"]).strip()
        new_members = [m for m in (members if members is not None else case["members"] or [])
                       if m != new_owner]
        _check_workers(tx, case["unit_id"], [new_owner, *new_members])
        now = dt.datetime.now(dt.timezone.utc)
        return _event(tx, case_id, case, actor, now, "assign",
                      {"owner": new_owner, "members": new_members}, origin,
                      {"owner": new_owner, "members": new_members},
                      targets=[new_owner, *new_members])

    return _run(connection, work)


def set_status(connection: Connection, case_id: str, *, actor: str, scope: Scope,
               status: str, conclusion: str | None = None, note: str | None = None,
               expected_status: str | None = None, origin: dict | None = None
               ) -> dict[str, Any]:
    """Move the case to ``status``; closing needs a ``conclusion`` (``CONCLUSIONS``, and a
    note for 不属实), reopening a closed case needs a note. ``expected_status`` refuses
    the change unless the case is still as the caller saw it."""
    actor = _required(actor, "who acts (--as USER)")
    if status not in CASE_STATUSES:
        raise CaseError(f"unknown case status {status!r}: use {', '.join(CASE_STATUSES)}")
    note = _optional(note)
    if status == "closed":
        if conclusion not in CONCLUSIONS:
            raise CaseError("closing a case needs a conclusion: " + ", ".join(
                f"{code} {label['zh']}" for code, label in CONCLUSIONS.items()))
        if conclusion == "unfounded" and not note:
            raise CaseError("give the reason for 不属实 (--note)")

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        case = _lock(tx, case_id, scope, None)
        current = case["status"]
        if expected_status is not None and current != expected_status:
            raise StaleCase(f"case {case_id} is now {current}, not {expected_status}: "
                            "someone acted on it since you read it; reload it")
        if status not in NEXT[current]:
            raise CaseError(f"case {case_id} is {current} ({CASE_STATUSES[current]['zh']}): "
                            f"it can go to {', '.join(NEXT[current])} only")
        if current == "closed" and not note:
            raise CaseError("give the reason to reopen the case (--note)")
        now = dt.datetime.now(dt.timezone.utc)
        closing = status == "closed"
        changes = {"status": status, "conclusion": conclusion if closing else None,
                   "conclusion_note": note if closing else None,
                   "closed_at": now if closing else None,
                   "closed_by": actor if closing else None}
        return _event(tx, case_id, case, actor, now, "status", changes, origin,
                      {"from_status": current, "to_status": status,
                       "conclusion": conclusion if closing else None, "note": note})

    return _run(connection, work)


# -- the shared steps ------------------------------------------------------------------


def _run(connection: Connection, work) -> dict[str, Any]:
    with connection.work_session() as session:
        return session.execute_write(work)


def _lock(tx, case_id: str, scope: Scope, expected_version: int | None) -> dict[str, Any]:
    row = tx.run(LOCK_CASE, case_id=case_id, **scope.parameters()).single()
    if row is None:
        raise CaseNotFound(f"no case {case_id!r}: see the cases page (/cases) for the "
                           "numbers of your jurisdiction")
    case = dict(row)
    if expected_version is not None and case["version"] != expected_version:
        raise StaleCase(f"case {case_id} changed since you read it (version "
                        f"{case['version']}, you had {expected_version}): reload it")
    return case


def _refuse_closed(case_id: str, case: dict, verb: str) -> None:
    if case["status"] == "closed":
        raise CaseError(f"case {case_id} is closed (已办结): reopen it before you {verb} it")


def _event(tx, case_id: str, case: dict, actor: str, now: dt.datetime, action: str,
           changes: dict, origin: dict | None, event: dict, targets: Iterable[str] = ()
           ) -> dict[str, Any]:
    event = {name: value for name, value in event.items() if value is not None}
    audit = audit_append(tx, actor=actor, action=f"case.{action}",
                         targets=[case_id, *targets],
                         parameters={**(origin or {}), **event})
    version = case["version"] + 1
    tx.run(WRITE_CASE, case_id=case_id, changes=changes, version=version, now=now,
           action=action, actor=actor, event={**event, "audit_seq": audit["seq"]}).consume()
    return {"case_id": case_id, "action": action, "version": version,
            "audit_seq": audit["seq"], "at": now.isoformat(), **event}


def _resolve(connection: Connection, scope: Scope, alert_ids: Iterable[str],
             entity_keys: Iterable[str], map_ids: Iterable[str]) -> dict[str, list]:
    """The items as stored keys; any key not in scope is refused as a missing one."""
    alerts = list(dict.fromkeys(a.strip() for a in alert_ids if a and a.strip()))
    found = {row["alert_id"] for row in connection.read(ALERTS_IN_SCOPE, alert_ids=alerts,
                                                        **scope.parameters())}
    for alert_id in alerts:
        if alert_id not in found:
            raise CaseError(f"no alert {alert_id!r}: list alerts with `lianjian alerts list`")
    keys = list(dict.fromkeys(k.strip() for k in entity_keys if k and k.strip()))
    entities = find_entities(connection, keys, scope)
    for key in keys:
        if key not in entities:
            raise CaseError(f"no entity {key!r}: check the ID number or code")
    maps = list(dict.fromkeys(m.strip() for m in map_ids if m and m.strip()))
    for map_id in maps:
        if get_map(connection, map_id, scope) is None:
            raise CaseError(f"no saved map {map_id!r}")
    return {"alert": alerts, "entity": [entities[key] for key in keys], "map": maps}


def _link(tx, case_id: str, items: dict[str, list], actor: str, now: dt.datetime
          ) -> dict[str, list[str]]:
    added: dict[str, list[str]] = {"alert": [], "entity": [], "map": []}
    for kind, values in items.items():
        for value in values:
            key = value["key"] if kind == "entity" else value
            element = value["element_id"] if kind == "entity" else None
            if tx.run(LINK[kind], case_id=case_id, key=key, element=element, now=now,
                      actor=actor).single()["new"]:
                added[kind].append(key)
    return added


def _keys(added: dict[str, list[str]]) -> list[str]:
    return [key for keys in added.values() for key in keys]


def _check_workers(runner, unit_id: str, usernames: list[str]) -> None:
    if isinstance(runner, Connection):
        rows = runner.read(CASE_WORKERS, usernames=usernames, unit_id=unit_id)
    else:                       # inside the action's own transaction
        rows = runner.run(CASE_WORKERS, usernames=usernames, unit_id=unit_id).data()
    for row in rows:
        name = row["username"]
        if not row["exists"] or row["disabled"]:
            raise CaseError(f"no active user {name!r}: see `lianjian users list`")
        if not set(row["roles"]) & set(CASE_ROLES):
            raise CaseError(f"user {name} is not a supervisor or investigator and cannot "
                            "work a case")
        if not row["covers"]:
            raise CaseError(f"user {name}'s jurisdiction does not include unit {unit_id}: "
                            "choose someone of that unit or above it")


def _required(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise CaseError(f"give {what}")
    return str(value).strip()


def _text(value: str | None, what: str) -> str:
    text = _required(value, what)
    if len(text) > TEXT_LIMIT:
        raise CaseError(f"{what} holds at most {TEXT_LIMIT} characters (this has {len(text)})")
    return text


def _optional(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > TEXT_LIMIT:
        raise CaseError(f"a text holds at most {TEXT_LIMIT} characters (this has {len(text)})")
    return text or None
