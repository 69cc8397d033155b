"""Verification points (核查要点) of an alert: what to check before deciding it, ticked and
annotated by investigators and kept with the alert.

Each rule file carries its ``checklist`` (``analytics.rules.rule.ChecklistItem``: an id and
the text in Chinese and English). An answer is a ``ChecklistEntry`` linked to the alert
(``CHECK_OF``): item, ticked or not, a note, who and when. Entries are only ever added; the
latest per item is its answer, the earlier ones its history, so a note replaced by a
colleague is still there. Each entry is written with its audit event (``checklist.tick``)
in one transaction that first takes the alert's write lock, as the workflow does, so two
people ticking at once are ordered and both kept.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.plain import plain
from analytics.rules.rule import ChecklistItem
from analytics.scope import Scope
from analytics.workflow import AlertNotFound, WorkflowError
from graph.connection import Connection

__all__ = ["NOTE_LIMIT", "checklist_of", "get_checklist", "tick", "ChecklistError"]

NOTE_LIMIT = 2000

LOCK = """
MATCH (alert:Alert {alert_id: $alert_id})
WHERE $scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units)
SET alert._lock = true
RETURN alert.rule_id AS rule_id, alert.entity_ids AS entity_ids
"""

WRITE = """
MATCH (alert:Alert {alert_id: $alert_id})
REMOVE alert._lock
CREATE (entry:ChecklistEntry {entry_id: randomUUID(), alert_id: $alert_id, item_id: $item_id,
                              checked: $checked, note: $note, actor: $actor, at: $at,
                              audit_seq: $audit_seq})-[:CHECK_OF]->(alert)
RETURN entry.entry_id AS entry_id
"""

ENTRIES = """
MATCH (alert:Alert {alert_id: $alert_id})
WHERE $scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units)
OPTIONAL MATCH (entry:ChecklistEntry)-[:CHECK_OF]->(alert)
WITH alert, entry ORDER BY entry.at, entry.audit_seq
RETURN alert.rule_id AS rule_id,
       [e IN collect(entry) | e {.item_id, .checked, .note, .actor, .at, .audit_seq}]
         AS entries
"""


class ChecklistError(WorkflowError):
    """A tick that cannot be recorded as given (unknown item, note too long)."""


def checklist_of(rule_id: str, rules: dict | None = None) -> tuple[ChecklistItem, ...]:
    """The rule's verification points (empty for a rule without a checklist); ``rules``
    (``load_rules()``) saves reading the rule files again when a caller has them."""
    if rules is None:
        from analytics.rules import load_rules

        rules = load_rules()
    rule = rules.get(rule_id)
    return rule.checklist if rule else ()


def get_checklist(connection: Connection, alert_id: str, scope: Scope,
                  rules: dict | None = None) -> dict[str, Any] | None:
    """The alert's checklist with every answer, or None (missing or out of scope).

    Returns ``{alert_id, rule_id, done, total, items}``; each item ``{id, zh, en, checked,
    note, actor, at, history}``, ``history`` being every entry of the item, oldest first
    (``{checked, note, actor, at, audit_seq}``); an item never answered has ``checked``
    False and ``actor`` None. Entries of items no longer in the rule file are kept under
    ``retired`` so that nothing answered disappears.
    """
    rows = connection.read(ENTRIES, alert_id=alert_id, **scope.parameters())
    if not rows:
        return None
    rule_id = rows[0]["rule_id"]
    entries = plain(rows[0]["entries"])
    items = []
    known = set()
    for item in checklist_of(rule_id, rules):
        known.add(item.id)
        history = [entry for entry in entries if entry["item_id"] == item.id]
        last = history[-1] if history else {}
        items.append({"id": item.id, "zh": item.zh, "en": item.en,
                      "checked": bool(last.get("checked")), "note": last.get("note"),
                      "actor": last.get("actor"), "at": last.get("at"), "history": history})
    return {"alert_id": alert_id, "rule_id": rule_id,
            "done": sum(item["checked"] for item in items), "total": len(items),
            "items": items,
            "retired": [entry for entry in entries if entry["item_id"] not in known]}


def tick(connection: Connection, alert_id: str, item_id: str, *, actor: str, checked: bool,
         note: str | None = None, scope: Scope | None = None,
         origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record one answer: item ``item_id`` of the alert's rule is (un)ticked, with a note.

    ``origin`` (the web's client address and channel) rides along in the audit event.
    Returns ``{alert_id, item_id, checked, note, actor, at, audit_seq}``. Raises
    ``AlertNotFound`` for an alert missing or out of scope, ``ChecklistError`` for an item
    the rule does not have or a note over ``NOTE_LIMIT`` characters.
    """
    actor = (actor or "").strip()
    if not actor:
        raise ChecklistError("give who ticks (--as USER)")
    note = (note or "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        raise ChecklistError(f"a checklist note holds at most {NOTE_LIMIT} characters "
                             f"(this one has {len(note)}): shorten it or add a case note")
    scope = scope or Scope.everything()

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        row = tx.run(LOCK, alert_id=alert_id, **scope.parameters()).single()
        if row is None:
            raise AlertNotFound(f"no alert {alert_id!r}: list alerts with "
                                "`lianjian alerts list`")
        items = {item.id for item in checklist_of(row["rule_id"])}
        if item_id not in items:
            raise ChecklistError(f"rule {row['rule_id']} has no checklist item {item_id!r} "
                                 f"(it has: {', '.join(sorted(items)) or 'none'})")
        now = dt.datetime.now(dt.timezone.utc)
        audit = audit_append(tx, actor=actor, action="checklist.tick",
                             targets=[alert_id, *(row["entity_ids"] or [])],
                             parameters={**(origin or {}), "item": item_id,
                                         "checked": bool(checked), "note": note})
        tx.run(WRITE, alert_id=alert_id, item_id=item_id, checked=bool(checked), note=note,
               actor=actor, at=now, audit_seq=audit["seq"]).consume()
        return {"alert_id": alert_id, "item_id": item_id, "checked": bool(checked),
                "note": note, "actor": actor, "at": now.isoformat(), "audit_seq": audit["seq"]}

    with connection.work_session() as session:
        return session.execute_write(work)
