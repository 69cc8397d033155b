"""A detection rule as data: one YAML file, validated when it is loaded.

A rule file holds the names, the typed parameters with their defaults (the contract of
``shared/spec/rules.md``), a severity, the Cypher that finds the hits inside Neo4j, and the
explanation templates. Validation names the file and the field at fault, so an analyst who
adds a rule to the rules folder learns exactly what to fix.

An explanation is one template, or a mapping from a clause name to a template when a rule
has several clauses (the hit's ``facts.clause`` picks one). The Cypher returns one row per
alert with two columns:

- ``evidence``: a list of maps ``{role: 'official', node: o}`` or ``{role: 'position',
  rel: p}``, the exact nodes and relationships of the hit;
- ``facts``: a map of values for the explanation (dates, amounts, relation codes).

Values reach the query only as ``$parameters``; ``$unit_ids`` (a list, or null for the whole
graph) is supplied by the scan to every rule.

The ``anchor`` says what one alert *is*: the evidence roles and facts whose keys make the
alert's id (``analytics.rules.anchor``). Evidence may grow or shrink under an anchor and the
alert keeps its id, status and history. A rule with clauses may give an anchor per clause.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.errors import LianjianError

__all__ = ["Parameter", "Rule", "RuleError", "ChecklistItem", "load_rule", "parse_anchor",
           "RESERVED_PARAMETERS", "CHECK_PARAMETERS", "SEVERITIES"]

SEVERITIES = ("low", "medium", "high", "critical")
# Supplied by the scan, never declared by a rule: the units a scan is limited to (or null).
RESERVED_PARAMETERS = {"unit_ids": "Units (with sub-units) the scan is limited to; null = all"}
REQUIRED_FIELDS = ("id", "name_en", "name_zh", "description_en", "description_zh", "severity",
                   "risk_points", "granularity", "cypher", "explanation_en", "explanation_zh")
OPTIONAL_FIELDS = ("parameters", "scope", "anchor", "checklist", "check_cypher")
# Supplied to a rule's check_cypher only: the element id of the proposed row.
CHECK_PARAMETERS = {"row": "Element id of the proposed contract or payment"}
TEMPLATE_FIELDS = ("explanation_en", "explanation_zh")
PARAMETER_TYPES: dict[str, type | tuple[type, ...]] = {
    "int": int, "float": (int, float), "str": str, "list": list}
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
CYPHER_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class RuleError(LianjianError):
    """A rule file is missing a field, has a value of the wrong type, or invalid Cypher."""


@dataclass(frozen=True)
class ChecklistItem:
    """One verification point (核查要点) an investigator checks before deciding an alert."""

    id: str
    zh: str
    en: str

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class Parameter:
    """A typed rule parameter; ``min``/``max`` bound numbers whose Cypher has a literal cap."""

    name: str
    type: str
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None

    def coerce(self, value: Any) -> Any:
        """The value in this parameter's type (text from a command line is parsed).

        >>> Parameter("window_days", "int", 90, "days").coerce("30")
        30
        >>> Parameter("programs", "list", [], "names").coerce("rain_dew, winter_relief")
        ['rain_dew', 'winter_relief']
        """
        if isinstance(value, str) and self.type != "str":
            value = _parse_text(self.type, value)
        if self.type == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        expected = PARAMETER_TYPES[self.type]
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ValueError(f"parameter {self.name} expects {self.type}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"parameter {self.name} must be ≥ {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"parameter {self.name} must be ≤ {self.maximum}, got {value}")
        return value


def _parse_text(kind: str, text: str) -> Any:
    if kind == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


@dataclass(frozen=True)
class Rule:
    """One detection rule (see the module docstring for the query's contract)."""

    id: str
    name_en: str
    name_zh: str
    description_en: str
    description_zh: str
    severity: str
    risk_points: float
    granularity: str
    cypher: str
    explanation_en: str | dict[str, str]
    explanation_zh: str | dict[str, str]
    parameters: dict[str, Parameter] = field(default_factory=dict)
    scope: str = ""
    path: Path | None = None
    anchor: tuple[str, ...] | dict[str, tuple[str, ...]] | None = None
    checklist: tuple[ChecklistItem, ...] = ()
    # The same hits as ``cypher``, but only those holding the node ``$row`` and found by
    # starting from it (a pre-approval check, analytics.checks); empty: none.
    check_cypher: str = ""

    @property
    def defaults(self) -> dict[str, Any]:
        return {name: parameter.default for name, parameter in self.parameters.items()}

    def resolve(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults with ``overrides`` applied (typed); unknown names are an error."""
        values = self.defaults
        for name, value in (overrides or {}).items():
            if name not in self.parameters:
                raise RuleError(f"rule {self.id} has no parameter {name!r} "
                                f"(it has: {', '.join(self.parameters) or 'none'})")
            try:
                values[name] = self.parameters[name].coerce(value)
            except ValueError as error:
                raise RuleError(f"rule {self.id}: {error}") from None
        return values

    def explanation(self, language: str, facts: dict[str, Any]) -> str:
        """The template for ``language`` ('en' or 'zh'), chosen by ``facts['clause']``."""
        templates = self.explanation_en if language == "en" else self.explanation_zh
        if isinstance(templates, str):
            return templates
        return templates.get(facts.get("clause"), next(iter(templates.values())))

    def templates(self) -> list[str]:
        """Every explanation template of the rule, both languages."""
        return [template for templates in (self.explanation_en, self.explanation_zh)
                for template in ([templates] if isinstance(templates, str)
                                 else templates.values())]

    def anchor_terms(self, facts: dict[str, Any]) -> tuple[str | None, tuple[str, ...] | None]:
        """The clause (None for a single anchor) and the anchor terms that apply to a hit.

        Returns ``(None, None)`` for a rule without an anchor (an analyst's older rule).
        """
        if self.anchor is None or isinstance(self.anchor, tuple):
            return None, self.anchor
        clause = facts.get("clause")
        if clause not in self.anchor:
            raise RuleError(f"{self.path or self.id}: field anchor has no clause {clause!r} "
                            f"(it has: {', '.join(self.anchor)}); the query's facts.clause "
                            "must name one")
        return clause, self.anchor[clause]

    def template_fields(self) -> set[str]:
        """Names the explanation templates ask for (``{official}`` → ``official``)."""
        return {name for template in self.templates()
                for _, name, _, _ in string.Formatter().parse(template) if name}


def load_rule(path: Path) -> Rule:
    """Read and validate one rule file; raises RuleError naming the file and the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RuleError(f"{path}: cannot read the rule file: {error}") from None
    if not isinstance(raw, dict):
        raise RuleError(f"{path}: a rule file holds a mapping of fields "
                        f"({', '.join(REQUIRED_FIELDS)})")
    _check_fields(path, raw)
    parameters = {name: _parameter(path, name, spec)
                  for name, spec in (raw.get("parameters") or {}).items()}
    rule = Rule(id=raw["id"], name_en=raw["name_en"], name_zh=raw["name_zh"],
                description_en=raw["description_en"].strip(),
                description_zh=raw["description_zh"].strip(), severity=raw["severity"],
                risk_points=float(raw["risk_points"]), granularity=raw["granularity"].strip(),
                cypher=raw["cypher"].strip(), explanation_en=_template(raw["explanation_en"]),
                explanation_zh=_template(raw["explanation_zh"]), parameters=parameters,
                scope=(raw.get("scope") or "").strip(), path=path,
                anchor=parse_anchor(path, raw.get("anchor"), raw["cypher"],
                                    raw["explanation_en"]),
                checklist=parse_checklist(path, raw.get("checklist")),
                check_cypher=(raw.get("check_cypher") or "").strip())
    _check_cypher_parameters(path, rule)
    return rule


def _check_fields(path: Path, raw: dict) -> None:
    missing = [name for name in REQUIRED_FIELDS if raw.get(name) in (None, "")]
    if missing:
        raise RuleError(f"{path}: missing required field(s) {', '.join(missing)}")
    unknown = sorted(set(raw) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise RuleError(f"{path}: unknown field(s) {', '.join(unknown)} (allowed: "
                        f"{', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)})")
    for name in REQUIRED_FIELDS:
        if name not in ("risk_points", *TEMPLATE_FIELDS) and not isinstance(raw[name], str):
            raise RuleError(f"{path}: field {name} must be text, got {raw[name]!r}")
    if not RULE_ID.match(raw["id"]):
        raise RuleError(f"{path}: field id {raw['id']!r} must be lower_snake_case")
    if re.sub(r"^\d+_", "", path.stem) != raw["id"]:
        raise RuleError(f"{path}: field id {raw['id']!r} must match the file name "
                        f"({raw['id']}.yaml, optionally numbered: 11_{raw['id']}.yaml)")
    if raw["severity"] not in SEVERITIES:
        raise RuleError(f"{path}: field severity {raw['severity']!r} must be one of "
                        f"{', '.join(SEVERITIES)}")
    if isinstance(raw["risk_points"], bool) or not isinstance(raw["risk_points"], (int, float)):
        raise RuleError(f"{path}: field risk_points must be a number, got {raw['risk_points']!r}")
    if not isinstance(raw.get("parameters") or {}, dict):
        raise RuleError(f"{path}: field parameters must map names to "
                        "{type, default, description}")
    _check_templates(path, raw)


def _check_templates(path: Path, raw: dict) -> None:
    """Each explanation is a template, or clause → template with the same clauses in both."""
    clauses = {}
    for name in TEMPLATE_FIELDS:
        value = raw[name]
        templates = {"": value} if isinstance(value, str) else value
        if not isinstance(templates, dict) or not all(
                isinstance(text, str) and text.strip() for text in templates.values()):
            raise RuleError(f"{path}: field {name} must be a template text or a mapping of "
                            "clause names to template texts")
        for clause, text in templates.items():
            try:
                list(string.Formatter().parse(text))
            except ValueError as error:
                where = f"{name}.{clause}" if clause else name
                raise RuleError(f"{path}: field {where} is not a valid template: "
                                f"{error}") from None
        clauses[name] = set(templates)
    if clauses["explanation_en"] != clauses["explanation_zh"]:
        raise RuleError(f"{path}: fields explanation_en and explanation_zh must name the same "
                        f"clauses ({sorted(clauses['explanation_en'])} vs "
                        f"{sorted(clauses['explanation_zh'])})")


def _template(value: str | dict[str, str]) -> str | dict[str, str]:
    if isinstance(value, str):
        return value.strip()
    return {str(clause): text.strip() for clause, text in value.items()}


def _parameter(path: Path, name: str, spec: Any) -> Parameter:
    where = f"{path}: field parameters.{name}"
    if not isinstance(spec, dict):
        raise RuleError(f"{where} must be a mapping with type, default and description")
    missing = [key for key in ("type", "default", "description") if spec.get(key) is None]
    if missing:
        raise RuleError(f"{where}: missing {', '.join(missing)}")
    if spec["type"] not in PARAMETER_TYPES:
        raise RuleError(f"{where}.type {spec['type']!r} must be one of "
                        f"{', '.join(PARAMETER_TYPES)}")
    if name in RESERVED_PARAMETERS:
        raise RuleError(f"{where}: {name} is supplied by the scan and cannot be declared")
    parameter = Parameter(name, spec["type"], None, str(spec["description"]).strip(),
                          spec.get("min"), spec.get("max"))
    try:
        default = parameter.coerce(spec["default"])
    except ValueError as error:
        raise RuleError(f"{where}.default: {error}") from None
    return Parameter(name, spec["type"], default, parameter.description, parameter.minimum,
                     parameter.maximum)


def parse_checklist(path: Path, raw: Any) -> tuple[ChecklistItem, ...]:
    """The ``checklist`` field: a list of ``{id, zh, en}``, ids lower_snake_case and unique.

    The ids are what investigators' ticks are stored under, so a renamed id would orphan
    the answers already given: rename only with the answers migrated.
    """
    if raw is None:
        return ()
    where = f"{path}: field checklist"
    if not isinstance(raw, list) or not raw:
        raise RuleError(f"{where} must be a non-empty list of {{id, zh, en}} items")
    items, seen = [], set()
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) != {"id", "zh", "en"}:
            raise RuleError(f"{where} item {number} must have exactly id, zh and en")
        if not isinstance(item["id"], str) or not RULE_ID.match(item["id"]):
            raise RuleError(f"{where} item {number}: id {item['id']!r} must be lower_snake_case")
        if item["id"] in seen:
            raise RuleError(f"{where} item {number}: id {item['id']!r} is given twice")
        for language in ("zh", "en"):
            if not isinstance(item[language], str) or not item[language].strip():
                raise RuleError(f"{where} item {item['id']}: {language} must be a text")
        seen.add(item["id"])
        items.append(ChecklistItem(item["id"], item["zh"].strip(), item["en"].strip()))
    return tuple(items)


ANCHOR_TERM = re.compile(r"^(facts\.[A-Za-z_][A-Za-z0-9_]*|[a-z_][a-z0-9_]*(\|[a-z_][a-z0-9_]*)*)$")


def parse_anchor(path: Path, raw: Any, cypher: str, explanation: Any
                 ) -> tuple[str, ...] | dict[str, tuple[str, ...]] | None:
    """The ``anchor`` field: terms, or clause → terms, each checked against the query.

    A term is an evidence role (``contract``: the keys of every evidence item with that
    role), alternatives (``payment|contract``: the first role the hit has) or a fact
    (``facts.category``). Roles must be ones the query tags (``role: 'contract'``) and facts
    ones its ``facts`` map names, so a renamed role cannot silently empty an alert's id.
    """
    if raw is None:
        return None
    where = f"{path}: field anchor"
    if isinstance(raw, dict):
        clauses = set(explanation) if isinstance(explanation, dict) else set()
        if set(map(str, raw)) != clauses:
            raise RuleError(f"{where} names clauses {sorted(map(str, raw))} but the "
                            f"explanations have {sorted(clauses) or 'none'}; give one list "
                            "for the whole rule or one per explanation clause")
        return {str(clause): _anchor_terms(f"{where}.{clause}", terms, cypher)
                for clause, terms in raw.items()}
    return _anchor_terms(where, raw, cypher)


def _anchor_terms(where: str, terms: Any, cypher: str) -> tuple[str, ...]:
    if not isinstance(terms, list) or not terms:
        raise RuleError(f"{where} must be a non-empty list of evidence roles or facts.NAME")
    for term in terms:
        if not isinstance(term, str) or not ANCHOR_TERM.match(term):
            raise RuleError(f"{where}: {term!r} is not a role, role|role or facts.NAME")
        if term.startswith("facts."):
            name = term.removeprefix("facts.")
            if not re.search(rf"\b{name}\s*:", cypher):
                raise RuleError(f"{where}: the query's facts never name {name!r}")
            continue
        for role in term.split("|"):
            if not re.search(rf"role:\s*'{role}'", cypher):
                raise RuleError(f"{where}: the query tags no evidence with role {role!r}")
    return tuple(terms)


def _check_cypher_parameters(path: Path, rule: Rule) -> None:
    """Every ``$name`` in the queries is declared (or reserved), and every declared one used;
    the check query must use ``$row``."""
    used = set(CYPHER_PARAMETER.findall(rule.cypher))
    undeclared = sorted(used - set(rule.parameters) - set(RESERVED_PARAMETERS))
    if undeclared:
        raise RuleError(f"{path}: field cypher uses undeclared parameter(s) "
                        f"{', '.join('$' + name for name in undeclared)}; declare them under "
                        "parameters")
    unused = sorted(set(rule.parameters) - used)
    if unused:
        raise RuleError(f"{path}: field parameters declares {', '.join(unused)} but cypher "
                        "never uses them")
    if rule.check_cypher:
        in_check = set(CYPHER_PARAMETER.findall(rule.check_cypher))
        undeclared = sorted(in_check - set(rule.parameters) - set(RESERVED_PARAMETERS)
                            - set(CHECK_PARAMETERS))
        if undeclared or "row" not in in_check:
            raise RuleError(f"{path}: field check_cypher must start from $row and use only "
                            "declared parameters"
                            + (f" (undeclared: {', '.join(undeclared)})" if undeclared else ""))
