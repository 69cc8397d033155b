"""Trying a rule with other parameters (规则试算): a dry run compared with the stored alerts.

Whoever tunes a rule wants to know what a change would do before making it: which alerts
would be new, which stay, which would disappear, and how the disappearing ones had been
decided (dropping alerts that were confirmed is a warning; dropping unfounded ones is the
point). ``try_rule`` runs the rule's query in a read-only transaction with the new values,
within the user's units, turns the rows into hits exactly as a scan does (same anchors, so
the same alert ids) and compares them with the stored alerts of that rule still matching
in the user's scope. Nothing is written except the audit event (``rule.trial``).
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Any

from analytics.audit import record
from analytics.rules import RuleError, load_rules
from analytics.rules.hits import run_rule
from analytics.scope import Scope
from graph.connection import Connection

__all__ = ["try_rule", "LISTED"]

LISTED = 200          # alerts listed per group (the counts are always complete)

STORED = """
MATCH (alert:Alert {rule_id: $rule_id})
WHERE alert.matching = true
  AND ($scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units))
RETURN alert.alert_id AS alert_id, alert.summary_zh AS summary_zh,
       alert.summary_en AS summary_en, coalesce(alert.status, 'new') AS status,
       alert.outcome AS outcome, alert.outcome_reason AS outcome_reason
"""


def try_rule(connection: Connection, rule_id: str, parameters: dict[str, Any], scope: Scope,
             *, actor: str, origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run ``rule_id`` with ``parameters`` (others at their defaults) without writing.

    Returns ``{rule_id, parameters, defaults, changed, counts: {new, still, gone},
    outcomes: {still: {outcome: n}, gone: {outcome: n}}, new, still, gone, listed,
    seconds}``; ``new``/``still``/``gone`` list at most ``LISTED`` alerts each (``{alert_id,
    summary_zh, summary_en, status, outcome}``), ``counts`` are complete. Raises RuleError
    for an unknown rule, parameter or value.
    """
    rule = load_rules().get(rule_id)
    if rule is None:
        raise RuleError(f"unknown rule {rule_id!r}; known: {', '.join(load_rules())}")
    values = rule.resolve({name: value for name, value in parameters.items()
                           if value not in (None, "")})
    began = time.monotonic()
    unit_ids = None if scope.unit_ids is None else list(scope.unit_ids)
    hits = [hit for hit in run_rule(connection, rule, values, unit_ids)
            if scope.unit_ids is None or set(hit.unit_ids) & set(scope.unit_ids)]
    stored = {row["alert_id"]: row for row in
              connection.read(STORED, rule_id=rule_id, **scope.parameters())}
    found = {hit.alert_id: hit for hit in hits}
    new = sorted(set(found) - set(stored))
    still = sorted(set(found) & set(stored))
    gone = sorted(set(stored) - set(found))
    changed = {name: value for name, value in values.items() if value != rule.defaults[name]}
    result = {
        "rule_id": rule_id, "name_zh": rule.name_zh, "name_en": rule.name_en,
        "parameters": values, "defaults": rule.defaults, "changed": changed,
        "counts": {"new": len(new), "still": len(still), "gone": len(gone)},
        "outcomes": {"still": dict(Counter(stored[i]["outcome"] or "undecided" for i in still)),
                     "gone": dict(Counter(stored[i]["outcome"] or "undecided" for i in gone))},
        "new": [{"alert_id": i, "summary_zh": found[i].summary_zh,
                 "summary_en": found[i].summary_en, "status": None, "outcome": None}
                for i in new[:LISTED]],
        "still": [stored[i] for i in still[:LISTED]],
        "gone": [stored[i] for i in gone[:LISTED]],
        "listed": LISTED, "seconds": round(time.monotonic() - began, 3)}
    record(connection, actor=actor, action="rule.trial", targets=[rule_id],
           parameters={**(origin or {}), "rule": rule_id, "changed": changed,
                       "counts": result["counts"]})
    return result
