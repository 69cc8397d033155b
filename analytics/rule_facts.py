"""What the analytics modules read from the rule files instead of restating it.

The rules (analytics/rules/builtin/*.yaml and an analyst's folder) are the contract of
shared/spec/rules.md: which subsidy programmes an official's household may not draw, the
tender thresholds per category, the methods that avoid a tender, each rule's risk points.
The integrity profile and the anomaly ranking use the same values, read here from the
rules' defaults, so a change to a rule file changes them too.
"""
from __future__ import annotations

from analytics.rules import Rule, load_rules

__all__ = ["rules", "excluded_programs", "tender_thresholds", "not_tendered_methods",
           "rule_points", "rule_names"]


def rules() -> dict[str, Rule]:
    """Every rule by id (built-in and the analyst's folder; parsed again only on change)."""
    return load_rules()


def excluded_programs() -> frozenset[str]:
    """Programmes an official's household may not draw (subsidy_ineligible).

    >>> "subsistence_allowance" in excluded_programs()
    True
    """
    return frozenset(rules()["subsidy_ineligible"].defaults["excluded_programs"])


def tender_thresholds() -> dict[str, float]:
    """Amount from which a public tender is required, per category (bid_splitting), yuan.

    >>> tender_thresholds()["works"]
    4000000.0
    """
    defaults = rules()["bid_splitting"].defaults
    return {name[: -len("_threshold")]: float(value) for name, value in defaults.items()
            if name.endswith("_threshold")}


def not_tendered_methods() -> frozenset[str]:
    """Procurement methods that avoid a public or invited tender (bid_splitting).

    >>> sorted(not_tendered_methods())
    ['competitive_negotiation', 'direct', 'inquiry', 'single_source']
    """
    return frozenset(rules()["bid_splitting"].defaults["methods"])


def rule_points(rule_id: str) -> float | None:
    """The rule's risk points, None for a rule no file defines (any more)."""
    rule = rules().get(rule_id)
    return None if rule is None else float(rule.risk_points)


def rule_names(rule_id: str) -> tuple[str | None, str | None]:
    """The rule's names in Chinese and English, (None, None) for an unknown rule."""
    rule = rules().get(rule_id)
    return (None, None) if rule is None else (rule.name_zh, rule.name_en)
