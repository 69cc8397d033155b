"""The truth.csv scoring protocol of shared/spec/rules.md, for checking hits against cases.

A hit of rule r matches a case of pattern r when they share at least min(2, k)
identifiers, k being the number of the case's identifiers that are not unit_ids.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Comparison", "compare", "matches", "read_truth", "unit_ids"]


def read_truth(folder: Path | str) -> dict[str, list[tuple[str, set[str]]]]:
    """truth.csv as pattern → [(case_id, identifiers)]."""
    cases: dict[str, list[tuple[str, set[str]]]] = {}
    with (Path(folder) / "truth.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            identifiers = {value for value in row["entity_ids"].split(";") if value}
            cases.setdefault(row["pattern"], []).append((row["case_id"], identifiers))
    return cases


def unit_ids(folder: Path | str) -> set[str]:
    """Identifiers of units, which do not count towards a match."""
    from synthetic.reference_tables import read_dataset
    return {row["unit_id"] for row in read_dataset(folder, only=("units",))["units"]}


def matches(hit: set[str], case: set[str], units: set[str]) -> bool:
    """Whether an alert's identifiers match a truth case's under the protocol."""
    counted = case - units
    return len((hit & case) - units) >= min(2, len(counted))


@dataclass
class Comparison:
    """Per rule, hits that match no case and cases that no hit matches."""

    unmatched_hits: dict[str, list[set[str]]] = field(default_factory=dict)
    missed_cases: dict[str, list[str]] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return not any(self.unmatched_hits.values()) and not any(self.missed_cases.values())

    def describe(self) -> str:
        lines = []
        for rule, hits in self.unmatched_hits.items():
            lines += [f"{rule}: hit matches no case: {sorted(hit)}" for hit in hits[:5]]
        for rule, cases in self.missed_cases.items():
            lines += [f"{rule}: case found by no hit: {case}" for case in cases[:5]]
        return "\n".join(lines)


def compare(hits: dict[str, list[set[str]]], truth: dict[str, list[tuple[str, set[str]]]],
            units: set[str]) -> Comparison:
    """Compare hits of each rule with the truth cases of its pattern."""
    result = Comparison()
    for rule in sorted(set(hits) | set(truth)):
        cases = truth.get(rule, [])
        rule_hits = hits.get(rule, [])
        unmatched = [hit for hit in rule_hits
                     if not any(matches(hit, identifiers, units) for _, identifiers in cases)]
        missed = [case_id for case_id, identifiers in cases
                  if not any(matches(hit, identifiers, units) for hit in rule_hits)]
        if unmatched:
            result.unmatched_hits[rule] = unmatched
        if missed:
            result.missed_cases[rule] = missed
    return result
