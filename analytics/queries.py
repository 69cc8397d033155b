"""Finding an entity by its key, within a reader's scope; dates and node summaries.

Investigators type identifiers, not labels: ``11010519800101001X`` is a person, an
18-character code starting ``91`` a company, ``HT-2023-001`` a contract. ``resolve_entity``
tries every entity label's key (each backed by a unique constraint, so this is a handful of
index look-ups) under every spelling the importer accepts (``candidate_keys``), and only
among the nodes the reader's scope allows: an out-of-scope key raises the same
``EntityNotFound`` as a missing one, after the same single query.

Keys, captions and labels come from the graph model (graph/model/*.yaml).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from stdnum.cn import ric

from analytics.access import in_scope
from analytics.plain import plain
from analytics.scope import Scope
from graph.errors import LianjianError
from graph.model import load_model

__all__ = [
    "ENTITY_KEYS",
    "CAPTIONS",
    "PROVENANCE_KEYS",
    "INTERNAL_PROPERTIES",
    "RESOLVE_ENTITY",
    "EntityNotFound",
    "as_date",
    "candidate_keys",
    "counterparts",
    "node_summary",
    "resolve_entity",
    "valid_at",
]

_MODEL = load_model()
# Label -> key property and caption property, for every label an investigator can name.
ENTITY_KEYS = {label: node.key for label, node in _MODEL.nodes.items()
               if node.kind == "entity" or label == "Alert"}
CAPTIONS = {label: _MODEL.nodes[label].caption for label in ENTITY_KEYS}

PROVENANCE_KEYS = ("src_dataset", "src_file", "src_row")
# Bookkeeping a node or tie carries that is not a fact about it.
INTERNAL_PROPERTIES = frozenset({"rel_key", "record_key", "src_hash", "src_run", "unreported_run",
                                 *PROVENANCE_KEYS})

# One unique-index seek per label, each filtered by the label's scope condition.
RESOLVE_ENTITY = "CALL {\n" + "\n  UNION ".join(
    f"MATCH (n:`{label}`) WHERE n.`{key}` IN $keys AND {in_scope(label, 'n')} RETURN n"
    for label, key in ENTITY_KEYS.items()) + """
}
RETURN elementId(n) AS element_id, labels(n) AS labels, properties(n) AS properties
LIMIT 10
"""

# Per label: the key and name of the given nodes when they are in scope, nothing when not.
SUMMARIES = {label: f"""
UNWIND $ids AS id
MATCH (n:`{label}`) WHERE elementId(n) = id
WITH id, n, {in_scope(label, 'n')} AS visible
RETURN id, visible, CASE WHEN visible THEN n.`{node.key}` END AS key,
       CASE WHEN visible THEN toString(n.`{node.caption}`) END AS name
""" for label, node in _MODEL.nodes.items()}

_SEPARATORS = re.compile(r"[\s\-_]+")


class EntityNotFound(LianjianError):
    """No entity the reader may see has the identifier typed (missing or out of scope)."""


def valid_at(tie: str, day: str) -> str:
    """Cypher: the tie ``tie`` holds on the date ``day`` (both Cypher expressions).

    The rules' own reading (docs/rules.md, "Valid at a date"): dates bound it, a bound
    known only to the month or year (``start_date_period``) counts from the next period, and
    a tie no longer reported (``unreported_since``) is not asserted on or after that date.

    >>> "unreported_since" in valid_at("r", "$at")
    True
    """
    return (f"({tie}.start_date IS NULL OR {tie}.start_date <= {day}) "
            f"AND ({tie}.end_date IS NULL OR {tie}.end_date >= {day}) "
            f"AND coalesce({tie}.start_date_period < left(toString({day}), "
            f"size({tie}.start_date_period)), true) "
            f"AND coalesce({tie}.end_date_period > left(toString({day}), "
            f"size({tie}.end_date_period)), true) "
            f"AND coalesce({tie}.unreported_since > {day}, true)")


def candidate_keys(key: str) -> list[str]:
    """The forms an identifier may be stored under: every spelling the importer accepts.

    As typed, upper case (a lower-case ``x``), without spaces, dashes or underscores, in
    half-width characters, and for a 15-digit legacy ID number its 18-digit form (the
    century 19 inserted and the GB 11643 check digit added, as the importer does).

    >>> candidate_keys(" 1101-0519 800101001x ")
    ['1101-0519 800101001x', '1101-0519 800101001X', '11010519800101001X']
    >>> candidate_keys("110105491231002")
    ['110105491231002', '11010519491231002X']
    >>> candidate_keys("１１０１０５１９４９１２３１００２ｘ")[-1]
    '11010519491231002X'
    """
    typed = str(key).strip()
    upper = typed.upper()
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", upper)).upper()
    forms = [typed, upper, compact]
    if len(compact) == 15 and compact.isdigit():
        body = compact[:6] + "19" + compact[6:]
        forms.append(body + ric.calc_check_digit(body + "0"))
    return list(dict.fromkeys(form for form in forms if form))


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, driver date or ISO text (None and "" stay None).

    >>> as_date("2023-05-01"), as_date(dt.datetime(2023, 5, 1, 8, 30))
    (datetime.date(2023, 5, 1), datetime.date(2023, 5, 1))
    """
    if hasattr(value, "to_native"):
        value = value.to_native()
    if value is None or value == "" or value != value:  # NaN
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def node_summary(labels: list[str], properties: dict, element_id: str | None = None) -> dict:
    """Label, key, name and provenance of a node, as plain values.

    >>> node_summary(["Person"], {"id_number": "X1", "name": "张三", "src_file": "persons.csv",
    ...                           "src_row": 2})["name"]
    '张三'
    """
    label = next((name for name in labels if name in _MODEL.nodes), labels[0] if labels else "")
    key_property = _MODEL.nodes[label].key if label in _MODEL.nodes else ""
    caption = _MODEL.nodes[label].caption if label in _MODEL.nodes else key_property
    properties = plain(properties)
    summary = {
        "label": label,
        "key_property": key_property,
        "key": properties.get(key_property),
        "name": properties.get(caption),
        "provenance": {name: properties.get(name) for name in PROVENANCE_KEYS},
    }
    if element_id is not None:
        summary["element_id"] = element_id
    return summary


def resolve_entity(connection, key: str, *, scope: Scope) -> dict:
    """Find the entity whose key is ``key``, whatever its label, within ``scope``.

    Returns the node summary (see ``node_summary``) with its ``element_id`` and its
    ``properties``.

    Raises
    ------
    EntityNotFound
        When no entity in scope has that key (a missing key and an out-of-scope key read
        the same).
    """
    rows = connection.read(RESOLVE_ENTITY, keys=candidate_keys(key), **scope.parameters())
    if not rows:
        raise EntityNotFound(
            f"no person, company, unit, contract, account or other entity you may see has "
            f"the identifier {key!r}: check it, or load the dataset that holds it")
    row = rows[0]
    summary = node_summary(row["labels"], row["properties"], row["element_id"])
    summary["properties"] = plain(row["properties"])
    return summary


def counterparts(connection, refs, *, scope: Scope) -> dict[str, dict]:
    """Label, key and name of the nodes ``refs`` (``(element_id, label)`` pairs) as a
    reader may see them: ``{element_id: {label, key, name, withheld}}``.

    A node out of scope comes back with its label, ``withheld: true`` and an opaque
    ``ref`` (``withheld-1``, ``withheld-2``… numbered within this call only, so that a
    drawing does not merge two withheld nodes into one): its key and name are blanked
    inside the query, so they never leave the database. One query per label present (each
    planned once per server).
    """
    by_label: dict[str, set[str]] = {}
    for element_id, label in refs:
        if element_id is not None:
            by_label.setdefault(label, set()).add(element_id)
    found = {}
    for label, ids in by_label.items():
        if label not in SUMMARIES:
            found.update({i: {"label": label, "key": None, "name": None, "withheld": True}
                          for i in ids})
            continue
        for row in connection.read(SUMMARIES[label], ids=sorted(ids), **scope.parameters()):
            found[row["id"]] = {"label": label, "key": row["key"], "name": row["name"],
                                "withheld": not row["visible"]}
    withheld = sorted(i for i, summary in found.items() if summary["withheld"])
    for number, element_id in enumerate(withheld, 1):
        found[element_id]["ref"] = f"withheld-{number}"
    return found
