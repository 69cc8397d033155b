"""Every value the sources give for one entity or tie, with its source: the read side of claims.

A node (or tie) one dataset alone gives holds that dataset's values, and its ``src_*`` name
the row they came from. When several datasets give it, each dataset's values are kept on a
``Claim`` node (``claim_id`` = ``<label or type>|<key>|<dataset>``, values as
``v_<property>``, ``chosen`` = the properties whose shown value it gives), and the node holds
the values the precedence policy chose (``ingest.sources``). These functions read either
shape back the same way, so a page or an export can show all values and their sources.
"""
from __future__ import annotations

from typing import Any

from graph.connection import Connection
from graph.model import BOOKKEEPING_PROPERTIES, load_model

__all__ = ["CLAIM_VALUE_PREFIX", "claim_id", "entity_values", "tie_values", "native"]

CLAIM_VALUE_PREFIX = "v_"
SOURCE_KEYS = ("src_dataset", "src_file", "src_row", "src_run")

_NODE = """
MATCH (n:{label} {{{key}: $key}})
OPTIONAL MATCH (c:Claim {{subject: $subject, subject_key: $key}})
RETURN properties(n) AS props, collect(properties(c)) AS claims
"""

_TIE = """
MATCH ()-[r:{rel_type} {{rel_key: $key}}]->()
OPTIONAL MATCH (c:Claim {{subject: $subject, subject_key: $key}})
RETURN properties(r) AS props, collect(properties(c)) AS claims
"""


def claim_id(subject: str, key: str, dataset: str) -> str:
    """The id of one dataset's claim about one entity (label) or tie (relationship type).

    >>> claim_id("Person", "11010519491231002X", "hr-2024")
    'Person|11010519491231002X|hr-2024'
    """
    return f"{subject}|{key}|{dataset}"


def native(value: Any) -> Any:
    """A Neo4j temporal value as Python's (``neo4j.time.Date`` → ``datetime.date``)."""
    return value.to_native() if hasattr(value, "to_native") else value


def entity_values(connection: Connection, label: str, key: str
                  ) -> dict[str, list[dict[str, Any]]]:
    """Every value of every property of one entity, each with the source that gave it.

    Parameters
    ----------
    connection : Connection
    label : str
        A node label of the model (``Person``, ``Company``, ...); checked against the model.
    key : str
        The node's key value (``id_number``, ``credit_code``, ...).

    Returns
    -------
    dict
        ``{property: [{value, src_dataset, src_file, src_row, src_run, chosen,
        unreported_since}, ...]}``, the shown (chosen) value first. ``chosen`` is true for
        the value the node shows. Empty when no such node exists. A stub (a node no table
        defines) gives only its key, sourced to the row that referred to it, and every
        entry carries ``stub: True``.
    """
    model = load_model()
    node = model.node(label)
    query = _NODE.format(label=model.check_label(label), key=f"`{node.key}`")
    rows = connection.read(query, key=key, subject=label)
    return _values(rows[0]) if rows else {}


def tie_values(connection: Connection, rel_type: str, rel_key: str
               ) -> dict[str, list[dict[str, Any]]]:
    """The same for one tie (a post, a kinship tie, a company role), by its ``rel_key``."""
    query = _TIE.format(rel_type=load_model().check_relationship_type(rel_type))
    rows = connection.read(query, key=rel_key, subject=rel_type)
    return _values(rows[0]) if rows else {}


def _values(row: dict) -> dict[str, list[dict[str, Any]]]:
    props, claims = row["props"], [claim for claim in row["claims"] if claim]
    values: dict[str, list[dict[str, Any]]] = {}
    if not claims:
        source = {name: native(props.get(name)) for name in SOURCE_KEYS}
        extra = {"stub": True} if props.get("stub") else {}
        for name, value in props.items():
            if name not in BOOKKEEPING_PROPERTIES and value is not None:
                values[name] = [{"value": native(value), **source, "chosen": True,
                                 "unreported_since": native(props.get("unreported_since")),
                                 **extra}]
        return values
    for claim in claims:
        source = {name: native(claim.get(name)) for name in SOURCE_KEYS}
        for name, value in claim.items():
            if not name.startswith(CLAIM_VALUE_PREFIX) or value is None:
                continue
            prop = name[len(CLAIM_VALUE_PREFIX):]
            values.setdefault(prop, []).append({
                "value": native(value), **source, "chosen": prop in (claim.get("chosen") or ()),
                "unreported_since": native(claim.get("unreported_since"))})
    for entries in values.values():
        entries.sort(key=lambda entry: (not entry["chosen"], str(entry["src_dataset"])))
    return values
