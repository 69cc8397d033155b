"""The entity card (实体卡片): what is known of one entity, each fact with its source.

A card answers "who or what is this?" for any key: the entity's facts (each property with
its Chinese and English label from the model, its value and the sources that gave it), its
ties valid at a date (the most relevant ones, with counts of the rest, from
``analytics.expand``), and the alerts in scope that name it with what became of them.

Today a node carries one provenance (the row that last wrote it: ``src_dataset``,
``src_file``, ``src_row``, ``src_run``), so every fact lists that one source; the
``facts`` list is shaped so that per-source values (the same property reported by several
sources) slot in as more entries in ``sources`` without changing its readers.
"""
from __future__ import annotations

import datetime as dt

from analytics.access import in_scope
from analytics.expand import expand
from analytics.plain import plain
from analytics.queries import INTERNAL_PROPERTIES, resolve_entity
from analytics.scope import Scope
from graph.model import PROVENANCE, load_model
from graph.values import entity_values

__all__ = ["ALERTS_NAMING", "entity_card", "facts_of"]

_MODEL = load_model()
# Flags the loader sets that are not facts a source gave.
_MARKERS = frozenset({"keyless", "stub"})

ALERTS_NAMING = f"""
MATCH (n) WHERE elementId(n) = $element_id
MATCH (alert:Alert)-[evidence:EVIDENCE]->(n) WHERE {in_scope('Alert', 'alert')}
WITH alert, collect(DISTINCT coalesce(evidence.role, '')) AS roles
ORDER BY alert.first_seen DESC, alert.alert_id
WITH collect(alert {{.alert_id, .rule_id, .severity, .score, .status, .outcome, .matching,
                    .first_seen, .summary_zh, .summary_en, roles: roles}}) AS alerts
RETURN size(alerts) AS total, alerts[..$limit] AS alerts
"""


def facts_of(label: str, properties: dict, values: dict | None = None) -> list[dict]:
    """The properties of a node as facts: model label in Chinese and English, the value
    shown, and the sources that gave it.

    ``values`` (``graph.values.entity_values``) lists every source's value of each property:
    when several datasets give one, each is a source with its own ``value`` and ``chosen``
    (the one the node shows, by the precedence policy, comes first), so a conflicting
    value stays visible beside the one shown. Without it the node's own provenance is the
    one source.

    >>> [fact] = facts_of("Person", {"name": "张三", "src_dataset": "d", "src_file": "p.csv",
    ...                              "src_row": 2, "src_run": "r1"})
    >>> fact["property"], fact["label_zh"], fact["value"], fact["sources"]
    ('name', '姓名', '张三', [{'dataset': 'd', 'file': 'p.csv', 'row': 2, 'run': 'r1'}])
    """
    node = _MODEL.node(label)
    source = {"dataset": properties.get("src_dataset"), "file": properties.get("src_file"),
              "row": properties.get("src_row"), "run": properties.get("src_run")}
    sources = [source] if any(value is not None for value in source.values()) else []
    ordered = [name for name in node.properties if name in properties]
    ordered += sorted(name for name in properties if name not in node.properties)
    facts = []
    for name in ordered:
        if name in INTERNAL_PROPERTIES or name in PROVENANCE or name in _MARKERS:
            continue
        spec = node.properties.get(name)
        given = (values or {}).get(name)
        facts.append({"property": name, "label_zh": spec.zh if spec else None,
                      "label_en": spec.en if spec else None,
                      "value": plain(properties[name]),
                      "sources": [_source_of(entry) for entry in given] if given else sources})
    return facts


def _source_of(entry: dict) -> dict:
    """One source's value of a property, in the shape of a fact's source."""
    source = {"dataset": entry.get("src_dataset"), "file": entry.get("src_file"),
              "row": entry.get("src_row"), "run": entry.get("src_run"),
              "value": plain(entry.get("value")), "chosen": bool(entry.get("chosen"))}
    if entry.get("unreported_since") is not None:
        source["unreported_since"] = plain(entry["unreported_since"])
    return source


def entity_card(connection, key: str, *, scope: Scope, at: dt.date | str | None = None,
                ties: int = 20, alerts: int = 20) -> dict:
    """The card of the entity whose key is ``key``, as the reader may see it.

    Parameters
    ----------
    connection : graph.connection.Connection
    key : str
        Key of any entity (any accepted spelling).
    scope : analytics.scope.Scope
        The reader's jurisdiction: the entity must be in it; ties to entities outside it
        are counted, never named.
    at : date or ISO text, optional
        Show the ties valid that day (posts, roles), and facts dated on or before it.
    ties : int
        Most ties listed (the most relevant first; ``ties.counts`` has the rest).
    alerts : int
        Most alerts listed (newest first; ``alerts_total`` counts them all).

    Returns
    -------
    dict
        ``entity`` (label, label_zh, label_en, key, name); ``facts`` (``[{property,
        label_zh, label_en, value, sources: [{dataset, file, row, run, value, chosen}]}]``:
        every source's value, the one shown first; a value another source gives differently
        stays beside it);
        ``provenance`` (the node's own); ``flags`` (``keyless``: known without an
        identifier; ``stub``: known only from a reference in another table);
        ``ties`` (as ``analytics.expand.expand``: neighbours, counts, truncated);
        ``alerts`` and ``alerts_total``.

    Raises
    ------
    analytics.queries.EntityNotFound
        When no entity in scope has that key (missing and out of scope read alike).
    """
    entity = resolve_entity(connection, key, scope=scope)
    label, properties = entity["label"], entity["properties"]
    node = _MODEL.node(label)
    [named] = connection.read(ALERTS_NAMING, element_id=entity["element_id"],
                              limit=int(alerts), **scope.parameters())
    return {
        "entity": {"label": label, "label_zh": node.name_zh, "label_en": node.name_en,
                   "key": entity["key"], "name": entity["name"]},
        "facts": facts_of(label, properties,
                          entity_values(connection, label, entity["key"])),
        "provenance": {name: properties.get(name) for name in PROVENANCE},
        "flags": {name: bool(properties.get(name)) for name in sorted(_MARKERS)},
        "ties": expand(connection, entity["key"], scope=scope, limit=ties, at=at),
        "alerts": plain(named["alerts"]),
        "alerts_total": named["total"],
    }
