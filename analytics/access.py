"""Who may see what: per entity label, the Cypher condition that puts a node in a scope.

A ``Scope`` (analytics.scope) is a set of units, ``$scope_units``; these conditions say,
for each label of the model, when a node belongs to that jurisdiction (docs/access.md
states them in words). Every read embeds them in its own query, so what is out of scope is
never fetched: ``in_scope("Person", "p")`` is a boolean expression over the variable
``p``, true for everything when ``$scope_units`` is null; ``visible("m")`` is the same for
a node of any label; ``shown("m")`` is the map a result shows for a counterpart (its label,
key and name when visible, only its label and ``withheld: true`` when not).

The text is built here from fixed templates and the model's labels and keys, never from
input. Cheap conditions come first in each disjunction (a post, a contract of the units),
the walk through a holder's transfers last.
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

from graph.model import load_model

__all__ = ["ENTITY_LABELS", "WHOLE_DATABASE_ONLY", "COVERS_EVERY_UNIT", "in_scope", "visible", "shown",
           "key_expression", "label_expression", "caption_expression"]

# Labels whose nodes a scoped reader may see at all (the rest, LoadRun and Dataset, only a
# reader whose jurisdiction covers every unit sees: loads are administration of the whole
# database, and their row counts say how much every jurisdiction holds).
ENTITY_LABELS = tuple(label for label, node in load_model().nodes.items()
                      if node.kind == "entity") + ("Alert", "ScanRun")
WHOLE_DATABASE_ONLY = ("LoadRun", "Dataset")
# True when no unit of the database lies outside the reader's jurisdiction.
COVERS_EVERY_UNIT = "NOT EXISTS { MATCH (outside:Unit) WHERE NOT outside.unit_id IN $scope_units }"

_UNIT = "{u}.unit_id IN $scope_units"

# Each template is a boolean over {v}; {a}, {b}, … are fresh names for its own variables,
# and {person:X}/{company:X}/{account:X} embed another label's condition over X.
_TEMPLATES: dict[str, list[str]] = {
    "Unit": ["{v}.unit_id IN $scope_units"],
    "Alert": ["any({a} IN coalesce({v}.unit_ids, []) WHERE {a} IN $scope_units)"],
    "ScanRun": ["{v}.units IS NULL OR any({a} IN {v}.units WHERE {a} IN $scope_units)"],
    "Person": [
        # an official of the units, or a relative as the profile counts them (a direct tie,
        # or two hops one of which is a spouse tie)
        "EXISTS {{ MATCH ({v})-[{a}:HAS_RELATIVE*0..2]-(:Person)-[:HOLDS_POSITION]->({u}:Unit) "
        "WHERE " + _UNIT + " AND (size({a}) <= 1 OR any({b} IN {a} WHERE {b}.relation = "
        "'spouse')) }}",
        "EXISTS {{ MATCH ({v})<-[:RECIPIENT|APPROVED_BY]-(:SubsidyPayment)-[:ISSUED_BY]->"
        "({u}:Unit) WHERE " + _UNIT + " }}",
        "EXISTS {{ MATCH ({v})<-[:APPROVED_BY]-(:Contract)-[:BUYER]->({u}:Unit) WHERE "
        + _UNIT + " }}",
        "EXISTS {{ MATCH ({v})-[:HOLDS_ROLE]->(:Company)<-[:SUPPLIER]-(:Contract)-[:BUYER]->"
        "({u}:Unit) WHERE " + _UNIT + " }}",
        "{in_alert}",
        "EXISTS {{ MATCH ({v})<-[:HELD_BY]-(:Account)<-[:PAID_TO]-(:Transaction)<-[:PAID]-"
        "(:Account)-[:HELD_BY]->({u}:Unit) WHERE " + _UNIT + " }}",
    ],
    "Company": [
        "EXISTS {{ MATCH ({v})<-[:SUPPLIER]-(:Contract)-[:BUYER]->({u}:Unit) WHERE "
        + _UNIT + " }}",
        "EXISTS {{ MATCH ({v})<-[:BIDDER]-(:Bid)-[:FOR_TENDER]->(:Tender)<-[:FOR_TENDER]-"
        "(:Contract)-[:BUYER]->({u}:Unit) WHERE " + _UNIT + " }}",
        # held (directly or through up to two companies) by an official or his family
        "EXISTS {{ MATCH ({v})<-[:HOLDS_ROLE*1..3]-(:Person)-[{a}:HAS_RELATIVE*0..2]-(:Person)"
        "-[:HOLDS_POSITION]->({u}:Unit) WHERE " + _UNIT + " AND (size({a}) <= 1 OR "
        "any({b} IN {a} WHERE {b}.relation = 'spouse')) }}",
        "{in_alert}",
        "EXISTS {{ MATCH ({v})<-[:HELD_BY]-(:Account)<-[:PAID_TO]-(:Transaction)<-[:PAID]-"
        "(:Account)-[:HELD_BY]->({u}:Unit) WHERE " + _UNIT + " }}",
    ],
    "Contract": ["EXISTS {{ MATCH ({v})-[:BUYER]->({u}:Unit) WHERE " + _UNIT + " }}",
                 "{in_alert}"],
    "Tender": ["EXISTS {{ MATCH ({v})<-[:FOR_TENDER]-(:Contract)-[:BUYER]->({u}:Unit) WHERE "
               + _UNIT + " }}", "{in_alert}"],
    "Bid": ["EXISTS {{ MATCH ({v})-[:FOR_TENDER]->(:Tender)<-[:FOR_TENDER]-(:Contract)-"
            "[:BUYER]->({u}:Unit) WHERE " + _UNIT + " }}", "{in_alert}"],
    "SubsidyPayment": ["EXISTS {{ MATCH ({v})-[:ISSUED_BY]->({u}:Unit) WHERE " + _UNIT + " }}",
                       "{in_alert}"],
    "Complaint": ["EXISTS {{ MATCH ({v})-[:ABOUT]->({u}:Unit) WHERE " + _UNIT + " }}",
                  "EXISTS {{ MATCH ({v})-[:ABOUT]->({h}:Person) WHERE {person:h} }}"],
    "Account": [
        "EXISTS {{ MATCH ({v})-[:HELD_BY]->({u}:Unit) WHERE " + _UNIT + " }}",
        "EXISTS {{ MATCH ({v})<-[:INTO_ACCOUNT]-(:SubsidyPayment)-[:ISSUED_BY]->({u}:Unit) "
        "WHERE " + _UNIT + " }}",
        "{in_alert}",
        # held by an official of the units or his family, by a recipient of their subsidies
        "EXISTS {{ MATCH ({v})-[:HELD_BY]->(:Person)-[{a}:HAS_RELATIVE*0..2]-(:Person)"
        "-[:HOLDS_POSITION]->({u}:Unit) WHERE " + _UNIT + " AND (size({a}) <= 1 OR "
        "any({b} IN {a} WHERE {b}.relation = 'spouse')) }}",
        "EXISTS {{ MATCH ({v})-[:HELD_BY]->(:Person)<-[:RECIPIENT]-(:SubsidyPayment)"
        "-[:ISSUED_BY]->({u}:Unit) WHERE " + _UNIT + " }}",
        # held by a supplier of the units, or by a company of an official's family
        "EXISTS {{ MATCH ({v})-[:HELD_BY]->(:Company)<-[:SUPPLIER]-(:Contract)-[:BUYER]->"
        "({u}:Unit) WHERE " + _UNIT + " }}",
        "EXISTS {{ MATCH ({v})-[:HELD_BY]->(:Company)<-[:HOLDS_ROLE*1..3]-(:Person)"
        "-[{a}:HAS_RELATIVE*0..2]-(:Person)-[:HOLDS_POSITION]->({u}:Unit) WHERE " + _UNIT
        + " AND (size({a}) <= 1 OR any({b} IN {a} WHERE {b}.relation = 'spouse')) }}",
        # paid by one of the units
        "EXISTS {{ MATCH ({v})<-[:PAID_TO]-(:Transaction)<-[:PAID]-(:Account)-[:HELD_BY]->"
        "({u}:Unit) WHERE " + _UNIT + " }}",
    ],
}

_IN_ALERT = ("EXISTS {{ MATCH ({v})<-[:EVIDENCE]-({a}:Alert) WHERE any({b} IN "
             "coalesce({a}.unit_ids, []) WHERE {b} IN $scope_units) }}")
_EMBEDDED = {"person": "Person"}
_EMBED = re.compile(r"\{(person):([hc])\}")

# A transfer is in scope when it is evidence of an alert in scope or when either of its two
# accounts is in scope: each account condition, walked from the transfer to the account.
_TEMPLATES["Transaction"] = ["{in_alert}"] + [
    template.replace("{in_alert}", _IN_ALERT).replace(
        "MATCH ({v})", "MATCH ({v})-[:PAID|PAID_TO]-(:Account)", 1)
    for template in _TEMPLATES["Account"]]


class _Names:
    """Fresh variable names, so that conditions nested in one query never capture each
    other's variables (a name inside EXISTS that exists outside refers to the outer one)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}_s{next(self.counter)}"


def _condition(label: str, variable: str, names: _Names) -> str:
    """The label's condition over ``variable``, without the unrestricted short cut."""
    parts = []
    for template in _TEMPLATES.get(label, ["false"]):
        values = {"v": variable, **{key: names() for key in ("a", "b", "u", "h", "c")}}
        text = template.replace("{in_alert}", _IN_ALERT)
        for match in set(_EMBED.findall(text)):
            kind, name = match
            key = f"embedded_{kind}_{name}"
            text = text.replace("{" + f"{kind}:{name}" + "}", "{" + key + "}")
            values[key] = "(" + _condition(_EMBEDDED[kind], values[name], names) + ")"
        parts.append("(" + text.format(**values) + ")")
    return " OR ".join(parts)


@lru_cache(maxsize=None)
def in_scope(label: str, variable: str) -> str:
    """Whether the node ``variable`` of label ``label`` is in ``$scope_units``' scope.

    >>> in_scope("Unit", "u")
    '($scope_units IS NULL OR (u.unit_id IN $scope_units))'
    >>> in_scope("LoadRun", "r") == f"($scope_units IS NULL OR {COVERS_EVERY_UNIT})"
    True
    """
    if label in WHOLE_DATABASE_ONLY:
        return f"($scope_units IS NULL OR {COVERS_EVERY_UNIT})"
    if label not in ("Alert", "ScanRun"):
        load_model().node(label)  # a label the model does not know is an error
    return f"($scope_units IS NULL OR {_condition(label, variable, _Names(variable))})"


@lru_cache(maxsize=None)
def visible(variable: str) -> str:
    """Whether the node ``variable``, whatever its label, is in scope."""
    names = _Names(variable)
    branches = " ".join(f"WHEN {variable}:`{label}` THEN {_condition(label, variable, names)}"
                        for label in ENTITY_LABELS)
    return f"($scope_units IS NULL OR CASE {branches} ELSE false END)"


@lru_cache(maxsize=None)
def label_expression(variable: str) -> str:
    """The node's model label (the first of its labels the model knows)."""
    labels = ", ".join(f"'{label}'" for label in load_model().nodes)
    return f"head([{variable}_l IN labels({variable}) WHERE {variable}_l IN [{labels}]])"


@lru_cache(maxsize=None)
def key_expression(variable: str) -> str:
    """The node's key value, by its label (a Contract's tender_id is not its key)."""
    branches = " ".join(f"WHEN {variable}:`{label}` THEN {variable}.`{node.key}`"
                        for label, node in load_model().nodes.items())
    return f"CASE {branches} END"


@lru_cache(maxsize=None)
def caption_expression(variable: str) -> str:
    """What the node is called: its model caption (a person's name, a contract's title)."""
    branches = " ".join(f"WHEN {variable}:`{label}` THEN toString({variable}.`{node.caption}`)"
                        for label, node in load_model().nodes.items())
    return f"CASE {branches} END"


@lru_cache(maxsize=None)
def shown(variable: str, labels: str | tuple[str, ...] | None = None) -> str:
    """The map a result shows for a counterpart node: label, key and name when it is in
    scope; only its label and ``withheld: true`` when it is not (nothing that names it).

    ``labels`` are the labels the pattern allows for the counterpart (a HELD_BY target is a
    Person, Company or Unit); only their conditions enter the query, which keeps it short
    to plan. None allows every label.
    """
    if labels is None:
        labels = ENTITY_LABELS
    elif isinstance(labels, str):
        labels = (labels,)
    model, names = load_model(), _Names(variable)
    branches = []
    for label in labels:
        node = model.node(label)
        condition = _condition(label, variable, names)
        branches.append(
            f"WHEN {variable}:`{label}` AND ($scope_units IS NULL OR {condition}) THEN "
            f"{{label: '{label}', key: {variable}.`{node.key}`, "
            f"name: toString({variable}.`{node.caption}`), withheld: false}}")
    return (f"CASE WHEN {variable} IS NULL THEN null {' '.join(branches)} "
            f"ELSE {{label: {label_expression(variable)}, key: null, name: null, "
            f"withheld: true}} END")
