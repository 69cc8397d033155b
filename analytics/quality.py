"""Rule quality (规则质量) from investigators' decisions: how often each rule was right.

Per rule: alerts raised, decided (disposed with an outcome), confirmed 属实, partly confirmed
部分属实, unfounded 不属实, referred 移送 and merged 并案; precision = (confirmed + partly
confirmed) / (confirmed + partly confirmed + unfounded), with its 95 % Wilson interval
(referred and merged alerts say nothing about whether the facts held, so they are left
out); the median days from first seen to decision; alerts overdue now; counts per month;
and the reasons most often given for 不属实, which say what a rule gets wrong.

Everything is counted in Cypher, within a jurisdiction (``Scope``), and returned as plain
data for the command line and the web's rule-quality page.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any

from analytics.days import local_today
from analytics.scope import Scope
from analytics.workflow import OPEN_STATUSES
from graph.connection import Connection

__all__ = ["rule_quality", "wilson_interval", "rule_source", "quality_by_source"]

REASONS_SHOWN = 5

SELECTED = """
MATCH (alert:Alert)
WHERE ($scope_units IS NULL OR any(unit IN alert.unit_ids WHERE unit IN $scope_units))
  AND ($since IS NULL OR alert.first_seen >= datetime($since))
"""

PER_RULE = SELECTED + """
RETURN alert.rule_id AS rule_id, count(*) AS raised,
       sum(CASE WHEN alert.matching THEN 1 ELSE 0 END) AS matching,
       sum(CASE WHEN alert.status IN $open THEN 1 ELSE 0 END) AS open,
       count(alert.outcome) AS decided,
       sum(CASE alert.outcome WHEN 'confirmed' THEN 1 ELSE 0 END) AS confirmed,
       sum(CASE alert.outcome WHEN 'partly_confirmed' THEN 1 ELSE 0 END) AS partly_confirmed,
       sum(CASE alert.outcome WHEN 'unfounded' THEN 1 ELSE 0 END) AS unfounded,
       sum(CASE alert.outcome WHEN 'referred' THEN 1 ELSE 0 END) AS referred,
       sum(CASE alert.outcome WHEN 'merged' THEN 1 ELSE 0 END) AS merged,
       sum(CASE WHEN alert.status IN $open AND alert.deadline < date($today)
                THEN 1 ELSE 0 END) AS overdue,
       percentileCont(CASE WHEN alert.decided_at IS NOT NULL
                           THEN duration.inSeconds(alert.first_seen, alert.decided_at).seconds
                                / 86400.0 END, 0.5) AS median_days
"""

RAISED_PER_MONTH = SELECTED + """
RETURN alert.rule_id AS rule_id, substring(toString(alert.first_seen), 0, 7) AS month,
       count(*) AS raised
"""

DECIDED_PER_MONTH = SELECTED + """
  AND alert.decided_at IS NOT NULL
RETURN alert.rule_id AS rule_id, substring(toString(alert.decided_at), 0, 7) AS month,
       count(*) AS decided,
       sum(CASE WHEN alert.outcome IN ['confirmed', 'partly_confirmed'] THEN 1 ELSE 0 END)
         AS confirmed,
       sum(CASE alert.outcome WHEN 'unfounded' THEN 1 ELSE 0 END) AS unfounded
"""

UNFOUNDED_REASONS = SELECTED + """
  AND alert.outcome = 'unfounded'
RETURN alert.rule_id AS rule_id, trim(coalesce(alert.outcome_reason, '')) AS reason,
       count(*) AS count
ORDER BY count DESC, reason
"""

COUNTS = ("raised", "matching", "open", "decided", "confirmed", "partly_confirmed",
          "unfounded", "referred", "merged", "overdue")


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None when ``n`` is 0).

    Unlike the normal approximation it stays inside [0, 1] and is honest for the small
    counts a rule's decisions start with.

    >>> [round(bound, 3) for bound in wilson_interval(8, 10)]
    [0.49, 0.943]
    >>> [round(bound, 3) for bound in wilson_interval(0, 4)]
    [0.0, 0.49]
    >>> wilson_interval(0, 0) is None
    True
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} must lie in 0..{n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def rule_source(rule_id: str) -> str:
    """Who raises a rule's alerts: ``lianjian`` (a scan, or a pre-approval check of it)
    or the business system of an external warning (``external:<source>:<rule>``).

    >>> rule_source("relative_supplier"), rule_source("external:caizheng:duplicate_payment")
    ('lianjian', 'caizheng')
    """
    parts = rule_id.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == "external" else "lianjian"


def quality_by_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rule_quality`` rows summed per source: ``{source, rules, raised, decided,
    confirmed, partly_confirmed, unfounded, precision}`` (precision as per rule)."""
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = sums.setdefault(row["source"], {"source": row["source"], "rules": 0,
                                                **dict.fromkeys(COUNTS, 0)})
        entry["rules"] += 1
        for name in COUNTS:
            entry[name] += row[name]
    for entry in sums.values():
        right = entry["confirmed"] + entry["partly_confirmed"]
        judged = right + entry["unfounded"]
        entry["precision"] = right / judged if judged else None
    return sorted(sums.values(), key=lambda entry: (entry["source"] != "lianjian",
                                                   entry["source"]))


def rule_quality(connection: Connection, scope: Scope = Scope.everything(),
                 since: dt.date | dt.datetime | str | None = None,
                 today: dt.date | None = None) -> list[dict[str, Any]]:
    """One dict per rule (every rule of the registry, and any other rule with alerts).

    Keys: ``rule_id``, ``source`` (``rule_source``), ``name_zh``, ``name_en``, the counts
    ``raised, matching, open, decided, confirmed, partly_confirmed, unfounded, referred, merged, overdue``;
    ``precision`` with ``precision_low``/``precision_high`` (95 % Wilson; None before any
    verdict); ``median_days_to_decision`` (None before any decision); ``months``: a list of
    ``{month, raised, decided, confirmed, unfounded}`` (raised by first-seen month, the rest
    by decision month; confirmed includes partly confirmed); ``unfounded_reasons``: the
    most given reasons for 不属实, ``{reason, count}``, at most five (``unfounded`` says how
    many there were in all). ``since`` limits to alerts first seen on or after it.
    """
    from analytics.rules import load_rules

    if isinstance(since, (dt.date, dt.datetime)):
        since = since.isoformat()
    parameters = {**scope.parameters(), "since": since, "open": list(OPEN_STATUSES),
                  "today": (today or local_today()).isoformat()}
    rules = load_rules()
    figures = {row["rule_id"]: row for row in connection.read(PER_RULE, **parameters)}
    months: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in connection.read(RAISED_PER_MONTH, **parameters):
        months[row["rule_id"]][row["month"]] = {"month": row["month"], "raised": row["raised"],
                                                "decided": 0, "confirmed": 0, "unfounded": 0}
    for row in connection.read(DECIDED_PER_MONTH, **parameters):
        entry = months[row["rule_id"]].setdefault(
            row["month"], {"month": row["month"], "raised": 0})
        entry.update(decided=row["decided"], confirmed=row["confirmed"],
                     unfounded=row["unfounded"])
    reasons: dict[str, list[dict]] = defaultdict(list)
    for row in connection.read(UNFOUNDED_REASONS, **parameters):
        if len(reasons[row["rule_id"]]) < REASONS_SHOWN:
            reasons[row["rule_id"]].append({"reason": row["reason"], "count": row["count"]})
    result = []
    for rule_id in [*rules, *sorted(set(figures) - set(rules))]:
        row = figures.get(rule_id, {})
        counts = {name: int(row.get(name) or 0) for name in COUNTS}
        right = counts["confirmed"] + counts["partly_confirmed"]
        interval = wilson_interval(right, right + counts["unfounded"])
        median = row.get("median_days")
        rule = rules.get(rule_id)
        result.append({
            "rule_id": rule_id, "source": rule_source(rule_id),
            "name_zh": rule.name_zh if rule else None,
            "name_en": rule.name_en if rule else None, **counts,
            "precision": right / (right + counts["unfounded"]) if interval else None,
            "precision_low": interval[0] if interval else None,
            "precision_high": interval[1] if interval else None,
            "median_days_to_decision": round(median, 2) if median is not None else None,
            "months": [months[rule_id][month] for month in sorted(months[rule_id])],
            "unfounded_reasons": reasons[rule_id]})
    return result
