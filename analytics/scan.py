"""Scans (扫描): run rules over the graph and keep their alerts up to date.

A scan is a ``ScanRun`` node recording the rules, their parameters, timings per rule and
how many alerts were new, still matching or no longer matching. Only one scan runs at a
time against a database: a lock node taken in a write transaction keeps a scheduled scan
and a manual one from interleaving (a lock older than ``LOCK_TTL_S`` is considered left by
a crashed scan). A scan limited to units covers contracts, payments and positions of those
units and of their sub-units (``PART_OF``): it finds the same alerts a full scan finds (an
alert's id comes from its rule's anchor, not from how much evidence the scan saw), adds
evidence to them but never drops any, and retires only alerts lying wholly in its units.
Writing the alerts is ``analytics.alert_writes``; the scan itself is recorded in the audit
trail (``scan.run``).
"""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analytics.alert_writes import link_successors, mark_unmatched, write_alerts
from analytics.audit import default_actor, record
from analytics.rules import Rule, RuleError, check_cypher, load_rules, select_rules
from analytics.rules.hits import run_rule
from analytics.scope import units_with_subunits
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["run_scan", "ScanResult", "RuleRun", "ScanBusy", "resolve_parameters",
           "units_with_subunits", "release_lock"]

LOCK_TTL_S = 2 * 3600

# The first SET takes the node's write lock, so the check below reads the committed holder.
ACQUIRE_LOCK = """
MERGE (lock:ScanLock {name: 'scan'})
SET lock.touched = timestamp()
WITH lock
WHERE lock.holder IS NULL OR lock.expires_at < datetime()
SET lock.holder = $scan_id, lock.acquired_at = datetime(),
    lock.expires_at = datetime() + duration({seconds: $ttl})
RETURN lock.holder AS holder
"""

LOCK_HOLDER = "MATCH (lock:ScanLock {name: 'scan'}) RETURN lock.holder AS holder, " \
              "toString(lock.acquired_at) AS since"

RELEASE_LOCK = """
MATCH (lock:ScanLock {name: 'scan'})
WHERE $scan_id IS NULL OR lock.holder = $scan_id
REMOVE lock.holder, lock.acquired_at, lock.expires_at
"""

START_SCAN = """
CREATE (scan:ScanRun {scan_id: $scan_id, started_at: datetime($now), status: 'running',
                      rules: $rules, parameters: $parameters, units: $units, actor: $actor})
"""

FINISH_SCAN = """
MATCH (scan:ScanRun {scan_id: $scan_id})
SET scan.finished_at = datetime(), scan.status = $status, scan.timings = $timings,
    scan.new_alerts = $new_alerts, scan.still_matching = $still_matching,
    scan.no_longer_matching = $no_longer_matching, scan.duration_s = $duration_s,
    scan.evidence_changed = $evidence_changed, scan.carried_over = $carried_over,
    scan.error = $error
"""

class ScanBusy(LianjianError):
    """Another scan holds the database's scan lock."""


@dataclass
class RuleRun:
    """What one rule did in a scan."""

    rule_id: str
    hits: int = 0
    new: int = 0
    still_matching: int = 0
    no_longer_matching: int = 0
    seconds: float = 0.0
    rematched: int = 0
    evidence_changed: int = 0
    carried_over: int = 0


@dataclass
class ScanResult:
    """The outcome of ``run_scan``; the same figures are stored on the ScanRun node."""

    scan_id: str
    rules: list[RuleRun] = field(default_factory=list)
    unit_ids: list[str] | None = None
    seconds: float = 0.0
    successors: int = 0

    @property
    def new_alerts(self) -> int:
        return sum(run.new for run in self.rules)

    @property
    def still_matching(self) -> int:
        return sum(run.still_matching for run in self.rules)

    @property
    def no_longer_matching(self) -> int:
        return sum(run.no_longer_matching for run in self.rules)

    @property
    def evidence_changed(self) -> int:
        return sum(run.evidence_changed for run in self.rules)

    @property
    def carried_over(self) -> int:
        return sum(run.carried_over for run in self.rules)

    @property
    def timings(self) -> dict[str, float]:
        return {run.rule_id: round(run.seconds, 3) for run in self.rules}


def resolve_parameters(rules: list[Rule], parameters: dict[str, Any] | None
                       ) -> dict[str, dict[str, Any]]:
    """Typed parameters per rule from ``{rule_id: {name: value}}`` and/or ``{name: value}``.

    A bare name applies to every selected rule that declares it, and must be declared by
    at least one of them.
    """
    by_rule: dict[str, dict[str, Any]] = {rule.id: {} for rule in rules}
    declared = {name for rule in rules for name in rule.parameters}
    for name, value in (parameters or {}).items():
        if name in by_rule and isinstance(value, dict):
            by_rule[name].update(value)
        elif name in declared:
            for rule in rules:
                if name in rule.parameters:
                    by_rule[rule.id].setdefault(name, value)
        else:
            raise RuleError(f"no selected rule has a parameter {name!r} (rules: "
                            f"{', '.join(by_rule)}; parameters: {', '.join(sorted(declared))})")
    return {rule.id: rule.resolve(by_rule[rule.id]) for rule in rules}


def run_scan(connection: Connection, rules: list[str | Rule] | None = None,
             units: list[str] | None = None, parameters: dict[str, Any] | None = None,
             progress: Callable[[str, str], None] | None = None,
             actor: str | None = None) -> ScanResult:
    """Run rules (all by default) and write their alerts; returns counts and timings.

    Re-running never duplicates an alert: a hit whose anchor id is stored updates it (its
    evidence may have grown or shrunk; the change is recorded on the alert), and a stored
    alert not found again is flagged ``matching = false`` with its status kept.

    Parameters
    ----------
    connection : the database to scan and write alerts into.
    rules : rule ids or Rule objects; None runs every rule of the registry.
    units : unit codes; the scan covers them and their sub-units (``PART_OF``) only.
    parameters : ``{name: value}`` for every rule declaring ``name``, and/or
        ``{rule_id: {name: value}}``; text values are parsed to the parameter's type.
    progress : ``progress(rule_id, state)``, called with ``'start'`` and ``'done'``.
    actor : who runs the scan, for the ScanRun and the audit trail (default: the OS user).

    Returns
    -------
    ScanResult with per-rule hits, new / still-matching / no-longer-matching counts and
    seconds, as also stored on the ScanRun node.

    Raises
    ------
    RuleError for an unknown rule or parameter, or a query that does not compile;
    ScanBusy when another scan holds the lock.
    """
    selected = _selected(rules)
    values = resolve_parameters(selected, parameters)
    for rule in selected:           # an analyst's broken query fails here, naming its file
        check_cypher(connection, rule)
    actor = actor or default_actor()
    scan_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    _acquire_lock(connection, scan_id)
    began = time.monotonic()
    result = ScanResult(scan_id)
    rule_ids = [rule.id for rule in selected]
    try:
        result.unit_ids = units_with_subunits(connection, units) if units else None
        connection.write(START_SCAN, scan_id=scan_id, now=_now(), rules=rule_ids,
                         parameters=json.dumps(values, ensure_ascii=False, sort_keys=True),
                         units=result.unit_ids, actor=actor)
        for rule in selected:
            if progress:
                progress(rule.id, "start")
            result.rules.append(_run_one(connection, rule, values[rule.id], scan_id,
                                         result.unit_ids, actor))
            if progress:
                progress(rule.id, "done")
        now = _now()
        unmatched = mark_unmatched(connection, rule_ids, scan_id, now, result.unit_ids, actor)
        for run in result.rules:
            run.no_longer_matching = unmatched.get(run.rule_id, 0)
        result.successors = link_successors(connection, rule_ids, scan_id, now, actor)
        result.seconds = time.monotonic() - began
        _finish(connection, result, "completed")
        record(connection, actor=actor, action="scan.run", targets=result.unit_ids or (),
               parameters={"scan_id": scan_id, "rules": rule_ids, "units": units,
                           "parameters": values, "new": result.new_alerts,
                           "no_longer_matching": result.no_longer_matching})
    except BaseException as error:
        result.seconds = time.monotonic() - began
        _finish(connection, result, "failed", f"{type(error).__name__}: {error}")
        raise
    finally:
        connection.write(RELEASE_LOCK, scan_id=scan_id)
    return result


def _selected(rules: list[str | Rule] | None) -> list[Rule]:
    if rules and all(isinstance(rule, Rule) for rule in rules):
        return list(rules)
    return select_rules(load_rules(), [str(rule) for rule in rules] if rules else None)


def _run_one(connection: Connection, rule: Rule, values: dict[str, Any], scan_id: str,
             unit_ids: list[str] | None, actor: str) -> RuleRun:
    began = time.monotonic()
    hits = run_rule(connection, rule, values, unit_ids)
    counts = write_alerts(connection, rule, hits, values, scan_id, _now(), actor=actor,
                          scoped=unit_ids is not None)
    return RuleRun(rule.id, hits=len(hits), seconds=time.monotonic() - began, **counts)


def _finish(connection: Connection, result: ScanResult, status: str,
            error: str | None = None) -> None:
    connection.write(FINISH_SCAN, scan_id=result.scan_id, status=status,
                     timings=json.dumps(result.timings), new_alerts=result.new_alerts,
                     still_matching=result.still_matching,
                     no_longer_matching=result.no_longer_matching,
                     evidence_changed=result.evidence_changed,
                     carried_over=result.carried_over,
                     duration_s=round(result.seconds, 3), error=error)


def _acquire_lock(connection: Connection, scan_id: str) -> None:
    if connection.write(ACQUIRE_LOCK, scan_id=scan_id, ttl=LOCK_TTL_S):
        return
    holder = connection.read(LOCK_HOLDER)
    who = holder[0] if holder else {"holder": "?", "since": "?"}
    raise ScanBusy(f"scan {who['holder']} has been running since {who['since']}; wait for it "
                   "to finish, or clear a lock left by a crashed scan with "
                   "`lianjian scan --break-lock`")


def release_lock(connection: Connection) -> None:
    """Clear the scan lock whoever holds it (after a crash; never while a scan runs)."""
    connection.write(RELEASE_LOCK, scan_id=None)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()
