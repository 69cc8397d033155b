"""事前监督: check a proposed contract or subsidy payment before the money moves.

A business system posts the row it is about to approve. The row is written into an
explicit transaction — its node and its ties to the buyer or issuing unit, the supplier
or recipient, the approver, the account, the tender — exactly as the loader would write
it; every rule the policy names for that kind of row runs in the same transaction,
limited to the row's unit (``$unit_ids``); only hits whose evidence holds the proposed
node are kept; and the transaction is **rolled back**: nothing of the row is ever
committed. The answer is ``pass``, ``warn`` or ``block`` (the policy says per rule
whether a hit warns or blocks), with each hit's explanation and evidence.

The check is recorded afterwards, in its own transaction (shared with the checks
recorded at the same moment, ``analytics.group_commit``), as a ``CheckRun`` with its audit event. A ``block`` the business system overrides anyway (with a reason) becomes an
``Alert`` of the blocking rule, anchored on the check, in the office's queue.
"""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.audit import append_checked as audit_append_checked
from analytics.audit import checked_event
from analytics.group_commit import committer
from analytics.plain import native, plain
from analytics.proposals import KINDS, Proposal, parse_proposal
from analytics.rules import Rule, load_rules
from analytics.rules.hits import anchor_id, hits_from_records
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["RESULTS", "CheckError", "OutsideJurisdiction", "CheckNotFound", "check_policy",
           "run_check", "get_check", "override_check"]

RESULTS = ("pass", "warn", "block")
ACTIONS = ("warn", "block")

PROPOSE = {
    "contract": """
MATCH (buyer:Unit {unit_id: $unit_id})
MERGE (row:Contract {contract_id: $key})
SET row += $properties, row.src_dataset = 'check', row.src_file = $check_id, row.src_row = 1
MERGE (row)-[:BUYER]->(buyer)
MERGE (supplier:Company {credit_code: $values.supplier_credit_code})
MERGE (row)-[:SUPPLIER]->(supplier)
FOREACH (id IN CASE WHEN $values.approver_id_number IS NULL THEN []
                    ELSE [$values.approver_id_number] END |
  MERGE (approver:Person {id_number: id}) MERGE (row)-[:APPROVED_BY]->(approver))
FOREACH (id IN CASE WHEN $values.tender_id IS NULL THEN [] ELSE [$values.tender_id] END |
  MERGE (tender:Tender {tender_id: id}) MERGE (row)-[:FOR_TENDER]->(tender))
RETURN elementId(row) AS element_id
""",
    "subsidy": """
MATCH (issuer:Unit {unit_id: $unit_id})
MERGE (row:SubsidyPayment {payment_id: $key})
SET row += $properties, row.src_dataset = 'check', row.src_file = $check_id, row.src_row = 1
MERGE (row)-[:ISSUED_BY]->(issuer)
MERGE (recipient:Person {id_number: $values.recipient_id_number})
MERGE (row)-[:RECIPIENT]->(recipient)
FOREACH (id IN CASE WHEN $values.approver_id_number IS NULL THEN []
                    ELSE [$values.approver_id_number] END |
  MERGE (approver:Person {id_number: id}) MERGE (row)-[:APPROVED_BY]->(approver))
FOREACH (no IN CASE WHEN $values.account_no IS NULL THEN [] ELSE [$values.account_no] END |
  MERGE (account:Account {account_no: no}) MERGE (row)-[:INTO_ACCOUNT]->(account))
RETURN elementId(row) AS element_id
""",
}

# Labels and keys come from analytics.proposals.KINDS (fixed), never from a request.
EXISTS = "OPTIONAL MATCH (n:{label} {{{key}: $key}}) RETURN n IS NOT NULL AS stored LIMIT 1"

RECORD_MANY = """
UNWIND $records AS record
CREATE (check:CheckRun {check_id: record.check_id, kind: record.kind, caller: record.caller,
                        caller_unit_id: record.caller_unit_id, row: record.row,
                        row_key: record.row_key, unit_ids: record.unit_ids,
                        result: record.result, rules: record.rules, hits: record.hits,
                        at: datetime(record.at), duration_ms: record.duration_ms})
"""

READ = """
MATCH (check:CheckRun {check_id: $check_id})
WHERE $scope_units IS NULL OR any(unit IN check.unit_ids WHERE unit IN $scope_units)
RETURN properties(check) AS check
"""

LOCK = READ.replace("RETURN properties(check) AS check",
                    "SET check._lock = true RETURN properties(check) AS check")

OVERRIDE = """
MATCH (check:CheckRun {check_id: $check_id})
SET check.overridden_at = datetime($at), check.overridden_by = $actor,
    check.override_reason = $reason, check.alert_id = $alert_id
REMOVE check._lock
MERGE (alert:Alert {alert_id: $alert_id})
ON CREATE SET alert.status = 'new', alert.version = 0, alert.first_seen = datetime($at)
SET alert.rule_id = $rule_id, alert.severity = $severity, alert.score = $score,
    alert.summary_zh = $summary_zh, alert.summary_en = $summary_en,
    alert.entity_ids = $entity_ids, alert.unit_ids = $unit_ids, alert.anchor = $anchor,
    alert.evidence = $evidence, alert.evidence_keys = $evidence_keys, alert.facts = $facts,
    alert.parameters = '{}', alert.matching = true, alert.last_seen = datetime($at),
    alert.origin = 'check_override', alert.check_id = $check_id
CREATE (alert)-[:HAS_EVENT]->(:AlertEvent {event_id: randomUUID(), alert_id: $alert_id,
  action: 'raised', actor: $actor, at: datetime($at), note: $note, audit_seq: $audit_seq})
WITH alert
UNWIND $links AS link
MATCH (entity) WHERE elementId(entity) = link.element_id
MERGE (alert)-[:EVIDENCE {role: link.role}]->(entity)
RETURN count(*) AS linked
"""


class CheckError(LianjianError):
    """A check that cannot be run or overridden as asked."""


class OutsideJurisdiction(CheckError):
    """The row's unit lies outside the caller's jurisdiction (answered 403)."""


class CheckNotFound(CheckError):
    """No check with this id in the caller's jurisdiction (answered 404)."""


def _rules(rules_dir: str | None) -> dict[str, Rule]:
    from pathlib import Path

    return load_rules(Path(rules_dir) if rules_dir else None)


def check_policy(policy: dict[str, dict[str, str]]) -> dict[str, dict[str, Rule]]:
    """The configured policy with its rules: ``{kind: {rule_id: Rule}}``; an unknown kind,
    rule or action is an error naming it."""
    from graph.settings import get_settings

    rules = _rules(str(get_settings().rules_dir) if get_settings().rules_dir else None)
    for kind, entries in policy.items():
        if kind not in KINDS:
            raise CheckError(f"check_policy: unknown kind {kind!r}; use contract or subsidy")
        for rule_id, action in entries.items():
            if rule_id not in rules:
                raise CheckError(f"check_policy.{kind}: unknown rule {rule_id!r}")
            if action not in ACTIONS:
                raise CheckError(f"check_policy.{kind}.{rule_id}: {action!r} must be warn "
                                 "or block")
    return {kind: {rule_id: rules[rule_id] for rule_id in entries}
            for kind, entries in policy.items()}


class _TxReader:
    """``read(query, **parameters)`` inside an open transaction (sees its own writes)."""

    def __init__(self, tx: neo4j.Transaction):
        self.tx = tx

    def read(self, query: str, **parameters: Any) -> list[dict]:
        return [record.data() for record in self.tx.run(query, parameters)]


def _creating(query: str) -> str:
    """The proposal query for a row whose key is new: CREATE instead of MERGE for the row
    and its ties (a new node has no ties to match, and CREATE takes fewer locks)."""
    return (query.replace("MERGE (row:", "CREATE (row:")
            .replace("MERGE (row)-[", "CREATE (row)-["))


def _try(connection: Connection, proposal: Proposal, check_id: str, key: str,
         rules: dict[str, Rule], scope_units: list[str] | None) -> list[tuple[Rule, Any]]:
    """Write the row, run the rules, keep the hits holding it; always roll back.

    A rule with a ``check_cypher`` starts from the row and sees the caller's whole
    jurisdiction; any other runs whole, limited to the row's unit (every built-in rule
    for contracts and payments is limited by the buyer or the issuer, so that is exact).
    """
    found: list[tuple[Rule, Any]] = []
    with connection.work_session() as session:
        tx = session.begin_transaction()
        try:
            spec = KINDS[proposal.kind]
            stored = proposal.key is not None and tx.run(
                EXISTS.format(label=spec["label"], key=spec["key"]), key=key).single()["stored"]
            query = PROPOSE[proposal.kind] if stored else _creating(PROPOSE[proposal.kind])
            row = tx.run(query, unit_id=proposal.unit_id, key=key,
                         properties=proposal.properties, values=proposal.values,
                         check_id=check_id).single()
            if row is None:
                raise CheckError(f"unit {proposal.unit_id!r} is not loaded")
            element_id = row["element_id"]
            reader = _TxReader(tx)
            for rule in rules.values():
                if rule.check_cypher:
                    query, unit_ids = rule.check_cypher, scope_units
                else:
                    query, unit_ids = rule.cypher, [proposal.unit_id]
                records = list(tx.run(query, {**rule.defaults, "unit_ids": unit_ids,
                                              "row": element_id}))
                for hit in hits_from_records(reader, rule, records):
                    if any(item.get("element_id") == element_id for item in hit.evidence):
                        found.append((rule, hit))
        finally:
            tx.rollback()
    return found


def run_check(connection: Connection, kind: str, row: dict[str, Any], *, caller: str,
              caller_unit_id: str, scope: Scope,
              policy: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Check a proposed row as if it were loaded, without writing it; record the check.

    Returns ``{check_id, kind, result, hits, rules, unit_ids, at, duration_ms}``: each hit
    ``{rule_id, name_zh, name_en, severity, action, summary_zh, summary_en, facts,
    evidence}``. Raises ProposalError for a bad row and OutsideJurisdiction when the
    row's unit is not in ``scope``.
    """
    began = time.perf_counter()
    proposal = parse_proposal(kind, row)
    if not scope.allows_unit(proposal.unit_id):
        raise OutsideJurisdiction("the row's unit is outside your jurisdiction")
    rules = check_policy(policy).get(kind, {})
    check_id = "CK" + dt.datetime.now().strftime("%Y%m%d") + uuid.uuid4().hex[:10].upper()
    key = proposal.key or f"{check_id}-ROW"
    hits = []
    scope_units = list(scope.unit_ids) if scope.unit_ids is not None else None
    for rule, hit in _try(connection, proposal, check_id, key, rules, scope_units):
        hits.append({"rule_id": rule.id, "name_zh": rule.name_zh, "name_en": rule.name_en,
                     "severity": rule.severity, "action": policy[kind][rule.id],
                     "risk_points": rule.risk_points, "summary_zh": hit.summary_zh,
                     "summary_en": hit.summary_en, "facts": hit.facts,
                     "entity_ids": hit.entity_ids,
                     "unit_ids": sorted(set(hit.unit_ids) | {proposal.unit_id}),
                     "evidence": [{k: v for k, v in item.items() if k != "element_id"}
                                  for item in hit.evidence]})
    actions = {hit["action"] for hit in hits}
    result = "block" if "block" in actions else "warn" if "warn" in actions else "pass"
    at = dt.datetime.now(dt.timezone.utc)
    duration_ms = round((time.perf_counter() - began) * 1000, 1)
    record = {"check_id": check_id, "kind": kind, "caller": caller,
              "caller_unit_id": caller_unit_id, "row_key": proposal.key,
              "row": json.dumps(plain(proposal.values), ensure_ascii=False, sort_keys=True),
              "unit_ids": [proposal.unit_id], "result": result, "rules": list(rules),
              "hits": json.dumps(hits, ensure_ascii=False, default=str),
              "at": at.isoformat(), "duration_ms": duration_ms}

    event = checked_event({
        "actor": caller, "action": "check.run",
        "targets": [check_id, proposal.unit_id,
                    *sorted({entity for hit in hits for entity in hit["entity_ids"]})],
        "parameters": {"kind": kind, "result": result,
                       "rules": [hit["rule_id"] for hit in hits]}})
    committer(connection, "checks", _write_checks).submit((record, event))
    return {"check_id": check_id, "kind": kind, "result": result, "hits": hits,
            "rules": list(rules), "unit_ids": [proposal.unit_id], "at": at.isoformat(),
            "duration_ms": duration_ms}


def _write_checks(tx: neo4j.ManagedTransaction, items: list[tuple[dict, dict]]) -> list:
    """A group of checks recorded together: their ``CheckRun`` nodes and audit events.

    Measured on a county with 20 callers, one transaction per check made the record step
    200 of a check's 240 ms (each waited on the audit head's lock and a commit)."""
    tx.run(RECORD_MANY, records=[record for record, _ in items]).consume()
    return audit_append_checked(tx, [event for _, event in items])


def get_check(connection: Connection, check_id: str, scope: Scope) -> dict[str, Any] | None:
    """A recorded check (row and hits decoded), or None outside the scope."""
    rows = connection.read(READ, check_id=check_id, **scope.parameters())
    if not rows:
        return None
    found = native(rows[0]["check"])
    found["row"] = json.loads(found.get("row") or "{}")
    found["hits"] = json.loads(found.get("hits") or "[]")
    return found


def override_check(connection: Connection, check_id: str, *, actor: str, reason: str,
                   scope: Scope) -> dict[str, Any]:
    """The business system approves a blocked row anyway: the block becomes an alert.

    One override per check (compare-and-set on the check's lock). The alert is of the
    first blocking rule, anchored on the check (``check=<id>``), with that hit's
    explanation and evidence and the reason in its first event; status ``new``, in the
    queue of the offices whose jurisdiction holds the row's unit. Returns
    ``{check_id, alert_id, rule_id}``.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CheckError("give the reason for approving a blocked row")
    if len(reason) > 1000:
        raise CheckError("the reason takes at most 1000 characters")

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        row = tx.run(LOCK, check_id=check_id, **scope.parameters()).single()
        if row is None:
            raise CheckNotFound(f"no check {check_id!r}")
        check = row["check"]
        if check.get("result") != "block":
            raise CheckError(f"check {check_id} is {check.get('result')}: only a block is "
                             "overridden")
        if check.get("overridden_at") is not None:
            raise CheckError(f"check {check_id} was overridden already (alert "
                             f"{check.get('alert_id')})")
        hit = next(hit for hit in json.loads(check["hits"]) if hit["action"] == "block")
        anchor = [f"check={check_id}"]
        alert_id = anchor_id(hit["rule_id"], anchor)
        at = dt.datetime.now(dt.timezone.utc).isoformat()
        unit_ids = sorted(set(hit["unit_ids"]) | set(check["unit_ids"] or []))
        audit = audit_append(tx, actor=actor, action="check.override",
                             targets=[check_id, alert_id, *hit["entity_ids"]],
                             parameters={"rule": hit["rule_id"], "reason": reason})
        suffix_zh = f"（事前监督核验{check_id}拦截后，业务系统仍予通过，理由：{reason}）"
        suffix_en = f" (blocked by pre-approval check {check_id}, approved anyway: {reason})"
        links = _links(tx, hit["evidence"])
        tx.run(OVERRIDE, check_id=check_id, actor=actor, reason=reason, alert_id=alert_id,
               at=at, rule_id=hit["rule_id"], severity=hit["severity"],
               score=hit["risk_points"], summary_zh=hit["summary_zh"] + suffix_zh,
               summary_en=hit["summary_en"] + suffix_en, entity_ids=hit["entity_ids"],
               unit_ids=unit_ids, anchor=anchor,
               evidence=json.dumps(hit["evidence"], ensure_ascii=False),
               evidence_keys=sorted({f"{item.get('role')}|{item.get('label')}|"
                                     f"{item.get('id')}" for item in hit["evidence"]
                                     if "type" not in item}),
               facts=json.dumps(hit["facts"], ensure_ascii=False), note=reason,
               audit_seq=audit["seq"], links=links).consume()
        return {"check_id": check_id, "alert_id": alert_id, "rule_id": hit["rule_id"]}

    with connection.work_session() as session:
        return session.execute_write(work)


def _links(tx: neo4j.ManagedTransaction, evidence: list[dict]) -> list[dict]:
    """Element ids of the evidence nodes that exist in the graph (the proposed row itself
    was never committed), looked up per label through its unique key."""
    from graph.model import load_model

    model = load_model()
    wanted: dict[str, set[str]] = {}
    for item in evidence:
        if item.get("label") in model.nodes and item.get("id") and "type" not in item:
            wanted.setdefault(item["label"], set()).add(str(item["id"]))
    found: dict[tuple[str, str], str] = {}
    for label, keys in wanted.items():
        key = model.nodes[label].key
        query = (f"MATCH (n:{model.check_label(label)}) WHERE n.`{key}` IN $keys "
                 f"RETURN n.`{key}` AS key, elementId(n) AS element_id")
        for record in tx.run(query, keys=sorted(keys)):
            found[(label, record["key"])] = record["element_id"]
    return [{"element_id": found[(item["label"], str(item["id"]))], "role": item["role"]}
            for item in evidence if (item.get("label"), str(item.get("id"))) in found]
