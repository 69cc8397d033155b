"""The rule reference of ``docs/rules.md``, generated from the registry so it cannot drift.

Only the block between the markers is generated; the prose and measured figures around it
are written by hand. ``tests/analytics/test_rule_registry.py`` fails when the block is stale,
and ``lianjian rules doc --write`` rewrites it.
"""
from __future__ import annotations

from pathlib import Path

from analytics.rules.rule import Rule

__all__ = ["BEGIN", "END", "render_reference", "update_document"]

BEGIN = "<!-- BEGIN GENERATED: rule reference (lianjian rules doc --write) -->"
END = "<!-- END GENERATED: rule reference -->"


def _value(value) -> str:
    if isinstance(value, list):
        return ", ".join(f"`{item}`" for item in value)
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value):,}`"
    return f"`{value}`"


def render_reference(rules: dict[str, Rule]) -> str:
    """Markdown: a summary table, then one section per rule with its parameters."""
    lines = ["| id | 名称 | name | severity | points | alert granularity |",
             "|---|---|---|---|---|---|"]
    for rule in rules.values():
        lines.append(f"| [`{rule.id}`](#{rule.id}) | {rule.name_zh} | {rule.name_en} | "
                     f"{rule.severity} | {rule.risk_points:g} | {' '.join(rule.granularity.split())} |")
    for rule in rules.values():
        lines += ["", f"### {rule.id}", "",
                  f"**{rule.name_zh}** — {rule.name_en}. Severity {rule.severity}, "
                  f"{rule.risk_points:g} risk points. File: `{_file(rule)}`.", "",
                  " ".join(rule.description_en.split()), "",
                  "".join(rule.description_zh.split()), "",
                  f"- Alert granularity: {' '.join(rule.granularity.split())}",
                  f"- `--units` limits: {rule.scope or 'the whole graph'}"]
        if rule.parameters:
            lines += ["", "| parameter | type | default | meaning |", "|---|---|---|---|"]
            for name, parameter in rule.parameters.items():
                lines.append(f"| `{name}` | {parameter.type} | {_value(parameter.default)} | "
                             f"{parameter.description} |")
        else:
            lines += ["", "No parameters."]
    return "\n".join(lines) + "\n"


def _file(rule: Rule) -> str:
    if rule.path is None:
        return rule.id
    parts = Path(rule.path).parts
    return "/".join(parts[parts.index("analytics"):]) if "analytics" in parts else rule.path.name


def update_document(text: str, rules: dict[str, Rule]) -> str:
    """``text`` with the generated block replaced by the current reference."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"the document lacks the markers {BEGIN!r} … {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{render_reference(rules)}{END}{tail}"
