"""Evidence reports (证据报告): what a report of a case or an alert states, the record of
each exported file, and the check that a file is exactly one Lianjian exported.

``build_report`` assembles plain data: every alert with its rule, the parameters the scan
ran it with, its explanation, every evidence fact with dataset, file, row and load run,
its checklist answers, decision history and outcome; for a case also its entities (facts
and sources), saved maps, notes and history; and the audit-chain head at that moment. The
web layer turns it into HTML and PDF; then ``record_export`` appends ``report.export`` with
the SHA-256 of the exact bytes delivered, and writes a ``ReportExport`` node (an index into
the trail) in the same transaction.

``verify_report`` recomputes a file's SHA-256 and looks it up: found, it re-reads the
``report.export`` event the record points to and checks that the event still carries that
hash and that the event's own chain hash matches its content, then answers "exported by X
at T (case …, audit seq …)". Not found, the file is not one Lianjian exported, or it was
altered after export; a single changed byte is enough. Every check is itself audited.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import neo4j

from analytics.alerts import get_alert
from analytics.audit import append as audit_append, event_hash, head
from analytics.case_entities import entity_facts, find_entities, ties_among
from analytics.case_reads import get_case
from analytics.checklists import get_checklist
from analytics.plain import plain
from analytics.saved_maps import get_map
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError
from graph.model import load_model

__all__ = ["FORMATS", "MAX_UPLOAD", "ReportError", "build_report", "record_export",
           "verify_report", "sha256"]

FORMATS = ("html", "pdf")
MAX_UPLOAD = 50 * 1024 * 1024

EVIDENCE_RUNS = """
MATCH (alert:Alert {{alert_id: $alert_id}})-[:EVIDENCE]->(n)
WITH alert, collect(DISTINCT n) AS nodes
UNWIND nodes AS n
OPTIONAL MATCH (n)-[r]->(m)<-[:EVIDENCE]-(alert) WHERE r.src_file IS NOT NULL
RETURN {key_n} AS key, n.src_run AS run,
       collect(CASE WHEN r IS NULL THEN null ELSE {{type: type(r), to: {key_m},
               file: r.src_file, row: r.src_row, run: r.src_run}} END) AS ties
"""

LOAD_RUNS = """
MATCH (run:LoadRun) WHERE run.extract_id IN $extracts
RETURN run.extract_id AS extract_id, run.run_id AS run_id, run.dataset AS dataset,
       toString(run.started_at) AS started_at
ORDER BY run.started_at
"""

FIND_EXPORT = """
MATCH (export:ReportExport {sha256: $sha256})
OPTIONAL MATCH (event:AuditEvent {seq: export.audit_seq})
RETURN properties(export) AS export,
       CASE WHEN event IS NULL THEN null ELSE event {.seq, .at, .actor, .action, .targets,
            .parameters, .prev_hash, .hash} END AS event
"""

CREATE_EXPORT = """
CREATE (:ReportExport {sha256: $sha256, format: $format, subject: $subject,
                       exported_by: $exporter, exported_at: datetime($at),
                       audit_seq: $audit_seq, head_seq: $head_seq, head_hash: $head_hash,
                       bytes: $bytes})
"""


class ReportError(LianjianError):
    """A report that cannot be made or checked as asked."""


def sha256(data: bytes) -> str:
    """The hex SHA-256 of the exact bytes.

    >>> sha256(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def _key_expression(variable: str) -> str:
    branches = " ".join(f"WHEN {variable}:`{label}` THEN toString({variable}.`{node.key}`)"
                        for label, node in load_model().nodes.items() if node.kind == "entity")
    return f"CASE {branches} END"


def build_report(connection: Connection, *, scope: Scope, exporter: dict[str, str],
                 case_id: str | None = None, alert_id: str | None = None,
                 lang: str = "zh") -> dict[str, Any] | None:
    """The plain data of a report of one case or one alert, as ``scope`` may see it; None
    when the case or alert is missing or out of scope.

    ``exporter`` is ``{username, display_name}``. The result has ``kind`` ('case' or
    'alert'), ``subject``, ``title``, ``lang``, ``exported_by``, ``exported_at``,
    ``audit_head`` ``{seq, hash}``, ``case`` (or None), ``entities`` (``entity_facts``
    each), ``maps`` (each with its ``entities`` and ``ties`` to draw), ``alerts`` (each
    ``{alert, rule, evidence, facts, checklist, history, evidence_changes, ties}``; every
    evidence item has ``load_run``), ``withheld`` ``{alerts, entities}`` and
    ``fact_rows`` (how many sourced facts the report states).
    """
    if (case_id is None) == (alert_id is None):
        raise ReportError("give a case number or an alert id (one of them)")
    if lang not in ("zh", "en"):
        raise ReportError(f"unknown report language {lang!r}: use zh or en")
    report: dict[str, Any] = {"lang": lang, "exported_by": exporter,
                              "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                              "case": None, "entities": [], "maps": [], "notes": [],
                              "case_history": [], "withheld": {"alerts": 0, "entities": 0}}
    if case_id is not None:
        case = get_case(connection, case_id, scope)
        if case is None:
            return None
        report.update(kind="case", subject=case_id, title=case["case"]["title"],
                      case=case["case"], notes=case["notes"], case_history=case["history"],
                      withheld={"alerts": case["alerts_withheld"],
                                "entities": case["entities_withheld"]})
        alert_ids = [alert["alert_id"] for alert in case["alerts"]]
        report["entities"] = [facts for facts in (entity_facts(connection, entity["key"],
                                                               scope)
                                                  for entity in case["entities"]) if facts]
        report["maps"] = [_map(connection, saved["map_id"], scope) for saved in case["maps"]]
        report["maps"] = [saved for saved in report["maps"] if saved]
    else:
        alert_ids = [alert_id]
    from analytics.rules import load_rules

    rules = load_rules()          # once: each read parses every rule file
    report["alerts"] = [_alert(connection, one, scope, rules) for one in alert_ids]
    report["alerts"] = [alert for alert in report["alerts"] if alert]
    if alert_id is not None:
        if not report["alerts"]:
            return None
        first = report["alerts"][0]["alert"]
        report.update(kind="alert", subject=first["alert_id"],
                      title=first["summary_zh"] if lang == "zh" else first["summary_en"])
    _complete(report)
    report["fact_rows"] = sum(len(alert["evidence"]) for alert in report["alerts"]) + sum(
        len(entity["facts"]) for entity in report["entities"])
    report["audit_head"] = head(connection)     # last: the head covers every read above
    return report


EVIDENCE_FIELDS = ("role", "label", "id", "name", "type", "from", "to", "start_date",
                   "end_date", "detail", "src_dataset", "src_file", "src_row", "load_run",
                   "amount")


def _complete(report: dict[str, Any]) -> None:
    """Every record of the report with every field of its kind (None when not set): the
    template tells "not recorded" from "missing" by value, never by a key's absence."""
    model = load_model()
    fields = {kind: tuple(model.node(kind).properties) for kind in
              ("AlertEvent", "CaseEvent", "CaseNote")}
    records = [(event, "AlertEvent") for item in report["alerts"]
               for event in item["history"]]
    records += [(event, "CaseEvent") for event in report["case_history"]]
    records += [(note, "CaseNote") for note in report["notes"]]
    for record, kind in records:
        for name in fields[kind]:
            record.setdefault(name, None)
    for item in report["alerts"]:
        for fact in item["evidence"]:
            for name in EVIDENCE_FIELDS:
                fact.setdefault(name, None)


def _alert(connection: Connection, alert_id: str, scope: Scope, rules: dict
           ) -> dict[str, Any] | None:
    shown = get_alert(connection, alert_id, scope)
    if shown is None:
        return None
    alert = shown["alert"]
    rule = rules.get(alert["rule_id"])
    _add_load_runs(connection, alert["alert_id"], shown["evidence"])
    found = find_entities(connection, [item["id"] for item in shown["evidence"]
                                       if "type" not in item and item.get("id")], scope)
    for item in shown["evidence"]:        # amounts of contracts, payments and transfers
        if "type" not in item and item.get("id") in found:
            item["amount"] = found[item["id"]]["properties"].get("amount")
    return {"alert": alert, "facts": shown["facts"], "evidence": shown["evidence"],
            "rule": {"id": alert["rule_id"], "name_zh": rule.name_zh if rule else None,
                     "name_en": rule.name_en if rule else None,
                     "description_zh": rule.description_zh if rule else None,
                     "description_en": rule.description_en if rule else None,
                     "severity": rule.severity if rule else None},
            "checklist": get_checklist(connection, alert["alert_id"], scope, rules),
            "history": shown["history"], "evidence_changes": shown["evidence_changes"],
            "legacy_log": shown["legacy_log"],
            "ties": ties_among(connection, list(found.values()))}


def _add_load_runs(connection: Connection, alert_id: str, evidence: list[dict]) -> None:
    """Set ``load_run`` ``{extract_id, run_id}`` on each evidence item (None when the graph
    no longer holds the fact: the report then says the run is unknown, it never guesses)."""
    query = EVIDENCE_RUNS.format(key_n=_key_expression("n"), key_m=_key_expression("m"))
    node_runs, tie_runs = {}, {}
    for row in connection.read(query, alert_id=alert_id):
        node_runs[row["key"]] = row["run"]
        for tie in row["ties"]:
            tie_runs[(tie["type"], row["key"], tie["to"], tie["file"], tie["row"])] = tie["run"]
    extracts = sorted({run for run in [*node_runs.values(), *tie_runs.values()] if run})
    runs: dict[str, dict] = {}
    for row in connection.read(LOAD_RUNS, extracts=extracts):
        runs.setdefault(row["extract_id"], row)
    for item in evidence:
        if "type" in item:
            extract = tie_runs.get((item["type"], str(item.get("from")), str(item.get("to")),
                                    item.get("src_file"), item.get("src_row")))
        else:
            extract = node_runs.get(str(item.get("id")))
        run = runs.get(extract) if extract else None
        item["load_run"] = {"extract_id": extract, "run_id": run["run_id"] if run else None,
                            "started_at": run["started_at"] if run else None} \
            if extract else None


def _map(connection: Connection, map_id: str, scope: Scope) -> dict[str, Any] | None:
    saved = get_map(connection, map_id, scope)
    if saved is None:
        return None
    found = find_entities(connection, saved["entity_keys"], scope)
    entities = [{"key": entity["key"], "label": entity["label"], "name": entity["name"],
                 "roles": [], "amount": entity["properties"].get("amount")}
                for entity in found.values()]
    saved.pop("state", None)
    return {**saved, "entities": entities, "ties": ties_among(connection, list(found.values()))}


def record_export(connection: Connection, data: bytes, *, format: str, subject: str,
                  kind: str, exporter: str, audit_head: dict[str, Any],
                  origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """Append ``report.export`` with the SHA-256 of ``data`` and write its ReportExport.

    Returns ``{sha256, audit_seq, audit_hash, at, bytes}``. The same bytes exported twice
    (the same second, the same head) keep the first record.
    """
    if format not in FORMATS:
        raise ReportError(f"unknown report format {format!r}: use html or pdf")
    digest = sha256(data)

    def work(tx: neo4j.ManagedTransaction) -> dict[str, Any]:
        audit = audit_append(tx, actor=exporter, action="report.export",
                             targets=[subject, f"sha256:{digest}"],
                             parameters={**(origin or {}), "sha256": digest, "format": format,
                                         "kind": kind, "subject": subject,
                                         "bytes": len(data),
                                         "head_seq": audit_head["seq"],
                                         "head_hash": audit_head["hash"]})
        if not tx.run("MATCH (e:ReportExport {sha256: $sha256}) RETURN e",
                      sha256=digest).single():
            tx.run(CREATE_EXPORT, sha256=digest, format=format, subject=subject,
                   exporter=exporter, at=audit["at"], audit_seq=audit["seq"],
                   head_seq=audit_head["seq"], head_hash=audit_head["hash"],
                   bytes=len(data)).consume()
        return {"sha256": digest, "audit_seq": audit["seq"], "audit_hash": audit["hash"],
                "at": audit["at"], "bytes": len(data)}

    with connection.work_session() as session:
        return session.execute_write(work)


def verify_report(connection: Connection, data: bytes, *, actor: str,
                  filename: str | None = None, origin: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """Whether ``data`` is exactly a file Lianjian exported.

    Returns ``{ok, sha256, bytes, exported_by, exported_at, subject, format, audit_seq,
    head_seq, head_hash, problem}``: ``ok`` True when the hash is recorded and its
    ``report.export`` event is intact; otherwise ``problem`` says in one line why not.
    The check is audited (``report.verify``) with the hash and the answer.
    """
    if len(data) > MAX_UPLOAD:
        raise ReportError(f"the file has {len(data):,} bytes; reports are checked up to "
                          f"{MAX_UPLOAD:,}")
    digest = sha256(data)
    rows = connection.read(FIND_EXPORT, sha256=digest)
    result: dict[str, Any] = {"ok": False, "sha256": digest, "bytes": len(data),
                              "filename": filename, "problem": None}
    if not rows:
        result["problem"] = ("not a file Lianjian exported, or altered after export: its "
                             "SHA-256 is in no export record")
    else:
        export, event = plain(rows[0]["export"]), rows[0]["event"]
        result.update(exported_by=export["exported_by"], exported_at=export["exported_at"],
                      subject=export["subject"], format=export["format"],
                      audit_seq=export["audit_seq"], head_seq=export["head_seq"],
                      head_hash=export["head_hash"])
        result["problem"] = _event_problem(event, digest)
        result["ok"] = result["problem"] is None
    from analytics.audit import record

    record(connection, actor=actor, action="report.verify",
           targets=[f"sha256:{digest}", *([result["subject"]] if result.get("subject") else [])],
           parameters={**(origin or {}), "sha256": digest, "ok": result["ok"],
                       "filename": filename, "bytes": len(data),
                       "audit_seq": result.get("audit_seq")})
    return result


def _event_problem(event: dict | None, digest: str) -> str | None:
    """Why the trail does not back an export record (None when it does)."""
    if event is None:
        return "the export record names an audit event that is missing from the trail"
    parameters = json.loads(event["parameters"] or "{}")
    if event["action"] != "report.export" or parameters.get("sha256") != digest:
        return "the export record does not match its audit event: the trail was altered"
    from analytics.audit import _utc_text

    fields = {**event, "at": _utc_text(event["at"]), "targets": list(event["targets"] or [])}
    if event_hash(fields) != event["hash"]:
        return f"audit event {event['seq']} of this export was altered"
    return None
