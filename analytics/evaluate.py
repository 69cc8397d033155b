"""Measure the alerts against a dataset's ground truth (``truth.csv``), by the rules.md protocol.

An alert of rule r *matches* a case of pattern r when they share at least min(2, k)
identifiers, k being the number of the case's identifiers that are not unit ids (unit ids
do not count toward the overlap: every case of a unit would otherwise share them). Per
pattern, recall = matched cases / cases and precision = alerts matching some case / alerts.
Unit ids are told apart as the keys of Unit nodes in the graph and the unit_id column of
the dataset's units table.

This is the one scoring protocol of the project: the ``evaluate`` command, the notebooks
(which score a rule's hits at several parameter values with ``score``), the generator's
checks and the tests all call it. With several datasets in one graph, ``evaluate`` can be
limited to the alerts that rest on one dataset's rows (``dataset``).
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from analytics.alerts import read_alerts
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["Case", "RuleScore", "Evaluation", "evaluate", "score", "read_truth",
           "normalize_identifier", "dataset_unit_ids", "hits_as_alerts"]

UNIT_IDS = "MATCH (unit:Unit) RETURN unit.unit_id AS unit_id"
# Alerts with some evidence last written by the dataset (its rows, not another's).
ALERTS_OF_DATASET = """
MATCH (alert:Alert)-[:EVIDENCE]->(fact) WHERE fact.src_dataset = $dataset
RETURN DISTINCT alert.alert_id AS alert_id
"""
TRUTH_COLUMNS = ("case_id", "pattern", "entity_ids")


def normalize_identifier(text: str) -> str:
    """Identifiers compare after normalisation (full-width → ASCII, upper case, no spaces or
    dashes), applied to both sides.

    >>> normalize_identifier(" 3301-0219 7001 01001x ")
    '33010219700101001X'
    """
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", text)).upper()


@dataclass(frozen=True)
class Case:
    """One row of truth.csv."""

    case_id: str
    pattern: str
    entity_ids: frozenset[str]


@dataclass
class RuleScore:
    """Cases and alerts of one rule (pattern), with what matched."""

    rule_id: str
    cases: int = 0
    matched_cases: int = 0
    alerts: int = 0
    correct_alerts: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.matched_cases / self.cases if self.cases else None

    @property
    def precision(self) -> float | None:
        return self.correct_alerts / self.alerts if self.alerts else None


@dataclass
class Evaluation:
    """Scores per rule and overall (micro-averaged over every case and alert)."""

    scores: dict[str, RuleScore]

    @property
    def recall(self) -> float | None:
        cases = sum(s.cases for s in self.scores.values())
        return sum(s.matched_cases for s in self.scores.values()) / cases if cases else None

    @property
    def precision(self) -> float | None:
        alerts = sum(s.alerts for s in self.scores.values())
        return (sum(s.correct_alerts for s in self.scores.values()) / alerts
                if alerts else None)

    @property
    def exact(self) -> bool:
        """No case missed and no false alarm, in any rule."""
        return not any(s.misses or s.false_alarms for s in self.scores.values())

    def report(self, details: int = 10) -> str:
        """A plain-text table, then up to ``details`` misses and false alarms per rule."""
        lines = [f"{'rule':<20} {'cases':>6} {'found':>6} {'recall':>7} {'alerts':>7} "
                 f"{'correct':>8} {'precision':>9}"]
        for rule_id in sorted(self.scores):
            s = self.scores[rule_id]
            lines.append(f"{rule_id:<20} {s.cases:>6} {s.matched_cases:>6} {_pct(s.recall):>7} "
                         f"{s.alerts:>7} {s.correct_alerts:>8} {_pct(s.precision):>9}")
        total_cases = sum(s.cases for s in self.scores.values())
        total_alerts = sum(s.alerts for s in self.scores.values())
        lines.append(f"{'overall':<20} {total_cases:>6} "
                     f"{sum(s.matched_cases for s in self.scores.values()):>6} "
                     f"{_pct(self.recall):>7} {total_alerts:>7} "
                     f"{sum(s.correct_alerts for s in self.scores.values()):>8} "
                     f"{_pct(self.precision):>9}")
        for rule_id in sorted(self.scores):
            s = self.scores[rule_id]
            if s.misses:
                lines.append(f"missed {rule_id}: {', '.join(s.misses[:details])}"
                             + (" …" if len(s.misses) > details else ""))
            if s.false_alarms:
                lines.append(f"false alarms {rule_id}: {', '.join(s.false_alarms[:details])}"
                             + (" …" if len(s.false_alarms) > details else ""))
        return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def read_truth(dataset_dir: Path) -> list[Case]:
    """The cases of ``dataset_dir/truth.csv`` (identifiers normalised)."""
    path = Path(dataset_dir) / "truth.csv"
    if not path.is_file():
        raise LianjianError(f"{path} not found: evaluation needs the dataset's truth.csv "
                            "(case_id, pattern, entity_ids)")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        missing = [column for column in TRUTH_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise LianjianError(f"{path}: missing column(s) {', '.join(missing)}")
        return [Case(row["case_id"], row["pattern"].strip(),
                     frozenset(normalize_identifier(item) for item in
                               (row["entity_ids"] or "").split(";") if item.strip()))
                for row in reader]


def dataset_unit_ids(dataset_dir: Path) -> set[str]:
    path = Path(dataset_dir) / "units.csv"
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return {normalize_identifier(row.get("unit_id") or row.get("单位编码") or "")
                for row in csv.DictReader(stream)} - {""}


def score(cases: Iterable[Case], alerts: Iterable[dict], unit_ids: set[str]) -> Evaluation:
    """Score alerts (dicts with rule_id, entity_ids and optionally alert_id) against cases.

    A rule's hits that were never written as alerts score the same way (see
    ``hits_as_alerts``); an alert without an id is named ``<rule_id>#<n>``.

    >>> cases = [Case("c1", "bid_rigging", frozenset({"T1", "C1", "C2", "U1"}))]
    >>> alerts = [{"alert_id": "a", "rule_id": "bid_rigging", "entity_ids": ["T1", "C1", "U1"]},
    ...           {"alert_id": "b", "rule_id": "bid_rigging", "entity_ids": ["C9", "U1"]}]
    >>> result = score(cases, alerts, {"U1"}).scores["bid_rigging"]
    >>> result.recall, result.precision, result.false_alarms
    (1.0, 0.5, ['b'])
    """
    by_pattern: dict[str, list[Case]] = {}
    for case in cases:
        by_pattern.setdefault(case.pattern, []).append(case)
    scores = {pattern: RuleScore(pattern, cases=len(found))
              for pattern, found in by_pattern.items()}
    matched: set[str] = set()
    for number, alert in enumerate(alerts, 1):
        rule_score = scores.setdefault(alert["rule_id"], RuleScore(alert["rule_id"]))
        rule_score.alerts += 1
        identifiers = {normalize_identifier(item) for item in alert["entity_ids"] or []}
        hits = [case for case in by_pattern.get(alert["rule_id"], [])
                if _matches(case, identifiers, unit_ids)]
        if hits:
            rule_score.correct_alerts += 1
            matched.update(case.case_id for case in hits)
        else:
            rule_score.false_alarms.append(alert.get("alert_id")
                                           or f"{alert['rule_id']}#{number}")
    for pattern, found in by_pattern.items():
        for case in found:
            if case.case_id in matched:
                scores[pattern].matched_cases += 1
            else:
                scores[pattern].misses.append(case.case_id)
    return Evaluation(scores)


def _matches(case: Case, identifiers: set[str], unit_ids: set[str]) -> bool:
    """rules.md: at least min(2, k) shared identifiers, k = the case's non-unit identifiers
    (unit ids never count toward the overlap; a case of unit ids only, k = 0, is matched by
    every alert of its rule, as the contract reads)."""
    countable = case.entity_ids - unit_ids
    return len(countable & identifiers) >= min(2, len(countable))


def hits_as_alerts(rule_id: str, hits) -> list[dict]:
    """A rule's hits (``analytics.rules.hits.Hit`` or sets of identifiers) as the alert
    dicts ``score`` takes, so a parameter sweep is scored by the same protocol.

    >>> hits_as_alerts("bid_rigging", [{"T1", "C1"}])
    [{'alert_id': 'bid_rigging#1', 'rule_id': 'bid_rigging', 'entity_ids': ['C1', 'T1']}]
    """
    return [{"alert_id": getattr(hit, "alert_id", None) or f"{rule_id}#{number}",
             "rule_id": rule_id,
             "entity_ids": sorted(getattr(hit, "entity_ids", hit))}
            for number, hit in enumerate(hits, 1)]


def evaluate(connection: Connection, dataset_dir: str | Path,
             include_unmatched: bool = False, dataset: str | None = None) -> Evaluation:
    """Compare the current (matching) alerts in the graph with the dataset's truth.csv.

    Parameters
    ----------
    connection : the database holding the alerts (after ``run_scan``).
    dataset_dir : the dataset folder with ``truth.csv`` (and ``units.csv``).
    include_unmatched : also count alerts that no longer match.
    dataset : only the alerts with evidence from this dataset's rows (its name as loaded,
        by default the folder name): another county loaded beside it then adds no false
        alarms. None counts every alert.

    Returns
    -------
    Evaluation with a RuleScore per rule (cases, matched cases, alerts, correct alerts,
    misses, false alarms); ``report()`` prints it.
    """
    dataset_dir = Path(dataset_dir)
    cases = read_truth(dataset_dir)
    unit_ids = {normalize_identifier(row["unit_id"]) for row in connection.read(UNIT_IDS)
                if row["unit_id"]} | dataset_unit_ids(dataset_dir)
    alerts = read_alerts(connection, include_unmatched=include_unmatched)
    if dataset is not None:
        kept = {row["alert_id"] for row in connection.read(ALERTS_OF_DATASET, dataset=dataset)}
        alerts = [alert for alert in alerts if alert["alert_id"] in kept]
    return score(cases, alerts, unit_ids)
