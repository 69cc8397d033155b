"""Facts from many sources, side by side: per-source values (claims) and the precedence policy.

The platform joins many departments' tables, and they disagree: the 公安 register and the HR
roster spell a name differently, two ledgers give a contract two amounts. Neither value may
silently win. This module keeps each source's values as a ``Claim`` node (FollowTheMoney's
statement model, grouped by source row: one claim per entity or tie and dataset, values as
``v_<property>``), lets a precedence policy choose the value the entity shows, and reports
each disagreement as a "conflict" line of the load report.

Claims are written only for what more than one dataset gives (the rare case): an entity or
tie that one dataset alone gives holds its values on itself, and its ``src_*`` name that
source. When a second dataset gives it, the first source's values are taken from the node
(its references from its relationships) into a claim of their own, the new row becomes
another claim, and the node is rewritten with the chosen values. So a single-source load
pays one index lookup per row and nothing more.

**Precedence** (``Policy``): for each property, the value of the source ranked highest
among those that give one (an empty cell gives nothing, so another source's value fills
it). A source ranks by the ``priority`` of its dataset, or of the dataset's table when set
(``lianjian load --priority 10 --table-priority persons=20``; default 0), then by the order
in which the datasets were first loaded: at equal priority the first dataset keeps its
values, so an alert does not change its facts because another department's table came in
later. A tie a dataset no longer reports ranks below every dataset that still does.

**Node-level provenance** of a node with claims names its *primary* claim (the best-ranked
one): that source gave the node. ``src_sources`` counts the sources, ``conflicts`` lists the
properties on which they disagree, ``src_elsewhere`` the properties whose shown value comes
from another source than ``src_*``. ``graph.values.entity_values`` reads all values back.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from graph.connection import Connection
from graph.model import BOOKKEEPING_PROPERTIES, load_model
from graph.values import CLAIM_VALUE_PREFIX, claim_id, native
from ingest.records import Issue, Record
from ingest.report import CONFLICT
from ingest.table_writers import REFERENCE_RELATIONSHIPS, TableWriter, write_row
from ingest.tables import load_tables_spec

__all__ = ["Policy", "load_policy", "merge_sources", "subject_of"]

READ_POLICY = """
MATCH (d:Dataset)
RETURN d.dataset_id AS dataset, d.priority AS priority, d.table_priority AS table_priority,
       d.registered_at AS registered_at
"""

READ_NODES = """
UNWIND $keys AS key
MATCH (n:{label} {{{key}: key}})
OPTIONAL MATCH (c:Claim {{subject: $subject, subject_key: key}})
WITH n, key, collect(properties(c)) AS claims
RETURN key, properties(n) AS props, claims,
       CASE WHEN $links THEN
         [(n)-[r]->(m) WHERE type(r) IN $types AND r.derived IS NULL
          | [type(r), labels(m)[0], coalesce(m.unit_id, m.credit_code, m.id_number,
                                             m.account_no, m.tender_id)]] +
         [(m)-[r:PAID]->(n) WHERE 'PAID' IN $incoming
          | ['<PAID', labels(m)[0], m.account_no]]
       ELSE [] END AS links
"""

READ_TIES = """
UNWIND $keys AS key
MATCH ()-[r:{rel_type} {{rel_key: key}}]->()
OPTIONAL MATCH (c:Claim {{subject: $subject, subject_key: key}})
RETURN key, properties(r) AS props, collect(properties(c)) AS claims, [] AS links
"""

WRITE_CLAIMS = """
UNWIND $rows AS row
MERGE (c:Claim {claim_id: row.claim_id})
SET c = row.props
"""

SOURCE_KEYS = ("src_dataset", "src_file", "src_row", "src_run")


def subject_of(writer: TableWriter) -> str:
    """What claims of a table are about: the node label, or the relationship type of a tie."""
    return writer.label or writer.tie


@dataclass
class Policy:
    """Ranks claims: dataset (or table) priority, then the order datasets were first loaded."""

    priorities: dict[str, int] = field(default_factory=dict)
    table_priorities: dict[str, dict[str, int]] = field(default_factory=dict)
    registered: dict[str, Any] = field(default_factory=dict)

    def rank(self, claim: dict) -> tuple:
        dataset, table = claim.get("src_dataset"), claim.get("src_table")
        priority = self.table_priorities.get(dataset, {}).get(
            table, self.priorities.get(dataset, 0))
        registered = self.registered.get(dataset)
        order = -registered.timestamp() if hasattr(registered, "timestamp") else float("-inf")
        return (claim.get("unreported_since") is None, priority, order, str(dataset))

    def describe(self, claim: dict) -> str:
        dataset = claim.get("src_dataset")
        priority = self.table_priorities.get(dataset, {}).get(
            claim.get("src_table"), self.priorities.get(dataset, 0))
        return f"{dataset} (priority {priority})"


def load_policy(connection: Connection) -> Policy:
    """The precedence policy as the Dataset nodes record it."""
    policy = Policy()
    for row in connection.read(READ_POLICY):
        policy.priorities[row["dataset"]] = int(row["priority"] or 0)
        policy.table_priorities[row["dataset"]] = json.loads(row["table_priority"] or "{}")
        registered = row["registered_at"]
        policy.registered[row["dataset"]] = registered.to_native() if hasattr(
            registered, "to_native") else registered
    return policy


def merge_sources(connection: Connection, writer: TableWriter, rows: list[dict],
                  records: dict[str, Record], dataset: str, run_id: str, policy: Policy,
                  issues: list[Issue]) -> list[dict]:
    """Claims for ``rows`` (whose subject another dataset also gives); returns the write rows
    carrying the chosen values, for ``writer.query``. Conflicts are appended to ``issues``."""
    subject = subject_of(writer)
    model = load_model()
    if writer.label:
        query = READ_NODES.format(label=model.check_label(writer.label),
                                  key=f"`{model.node(writer.label).key}`")
    else:
        query = READ_TIES.format(rel_type=model.check_relationship_type(writer.tie))
    mapping = REFERENCE_RELATIONSHIPS.get(writer.table, {})
    types = sorted({rel_type for rel_type, _ in mapping})
    current = {row["key"]: _native_row(row) for row in connection.read(
        query, keys=[row["key"] for row in rows], subject=subject, links=bool(mapping),
        types=types, incoming=[t.lstrip("<") for t in types if t.startswith("<")])}
    claim_rows, write_rows = [], []
    for row in rows:
        stored = current[row["key"]]
        claims = {claim["claim_id"]: claim for claim in stored["claims"]}
        if not claims:
            first = _claim_from_stored(writer, subject, row["key"], stored)
            claims[first["claim_id"]] = first
        mine = _claim_from_row(writer, subject, row, records[row["key"]], dataset, run_id)
        claims[mine["claim_id"]] = mine
        merged, chosen_claims = _merge(writer, subject, row, list(claims.values()), policy,
                                       records[row["key"]], stored["props"])
        issues += _conflicts(mine, list(claims.values()), chosen_claims, policy,
                             records[row["key"]])
        claim_rows += [{"claim_id": claim["claim_id"], "props": claim}
                       for claim in claims.values()]
        write_rows.append(merged)
    if claim_rows:
        connection.write_batches(WRITE_CLAIMS, claim_rows, batch_size=len(claim_rows))
    return write_rows


def _native_row(row: dict) -> dict:
    """Stored values as Python's, so that equal dates compare (and hash) equal."""
    return {"key": row["key"], "props": _native_map(row["props"]),
            "claims": [_native_map(claim) for claim in row["claims"] if claim],
            "links": row["links"]}


def _native_map(values: dict) -> dict:
    return {name: [native(item) for item in value] if isinstance(value, list) else native(value)
            for name, value in values.items()}


def _values_of(props: dict) -> dict:
    return {name: value for name, value in props.items()
            if name not in BOOKKEEPING_PROPERTIES and value is not None}


def _claim_from_stored(writer: TableWriter, subject: str, key: str, stored: dict) -> dict:
    """The values one source gave, as the node (or tie) holding them alone shows them."""
    props = stored["props"]
    values = _values_of(props)
    mapping = REFERENCE_RELATIONSHIPS.get(writer.table, {})
    for rel_type, label, other_key in stored["links"]:
        column = mapping.get((rel_type, label))
        if column and other_key is not None:
            values[column] = other_key
    claim = {name: props.get(name) for name in SOURCE_KEYS}
    claim.update(claim_id=claim_id(subject, key, props.get("src_dataset")), subject=subject,
                 subject_key=key, src_table=writer.table, src_hash=props.get("src_hash"))
    if props.get("unreported_since") is not None:
        claim.update(unreported_since=props["unreported_since"],
                     unreported_run=props.get("unreported_run"))
    claim.update({CLAIM_VALUE_PREFIX + name: value for name, value in values.items()})
    return claim


def _claim_from_row(writer: TableWriter, subject: str, row: dict, record: Record,
                    dataset: str, run_id: str) -> dict:
    props = row["props"]
    values = _values_of(props)
    values.update({name: row[name] for name in writer.references if row.get(name) is not None})
    claim = {name: props.get(name) for name in SOURCE_KEYS}
    claim.update(claim_id=claim_id(subject, row["key"], dataset), subject=subject,
                 subject_key=row["key"], src_table=writer.table, src_hash=props["src_hash"],
                 loaded_run=run_id)
    claim.update({CLAIM_VALUE_PREFIX + name: value for name, value in values.items()})
    return claim


def _claim_values(claim: dict) -> dict:
    return {name[len(CLAIM_VALUE_PREFIX):]: value for name, value in claim.items()
            if name.startswith(CLAIM_VALUE_PREFIX) and value is not None}


def _merge(writer: TableWriter, subject: str, row: dict, claims: list[dict], policy: Policy,
           record: Record, old_props: dict) -> tuple[dict, dict[str, dict]]:
    """The write row with the chosen values; the claim chosen for each property."""
    ranked = sorted(claims, key=policy.rank, reverse=True)
    primary = ranked[0]
    chosen_claims: dict[str, dict] = {}
    for claim in ranked:
        for name in _claim_values(claim):
            chosen_claims.setdefault(name, claim)
    for claim in claims:
        claim["chosen"] = sorted(name for name, owner in chosen_claims.items() if owner is claim)
    chosen = {name: _claim_values(owner)[name] for name, owner in chosen_claims.items()}
    columns = set(load_tables_spec()[writer.table].columns) | set(writer.references)
    if writer.model_label:
        columns |= set(load_model().node(writer.model_label).properties)
    values = {name: value for name, value in chosen.items() if name in columns}
    extra = {name: value for name, value in chosen.items() if name not in columns}
    for name in writer.references:
        values.setdefault(name, row.get(name) if writer.tie else None)
    merged_record = Record(record.table, primary.get("src_file"), primary.get("src_row"),
                           values, extra)
    merged = write_row(writer, merged_record, {"src_dataset": primary.get("src_dataset"),
                                               "src_run": primary.get("src_run")})
    merged["key"] = row["key"]
    props = merged["props"]
    for name in old_props:
        if name not in props and name not in BOOKKEEPING_PROPERTIES:
            props[name] = None
    disagreeing = sorted(name for name in chosen if len(_distinct(claims, name)) > 1)
    elsewhere = sorted(name for name, owner in chosen_claims.items() if owner is not primary)
    props.update(src_hash=primary.get("src_hash"), src_sources=len(claims),
                 conflicts=disagreeing or None, src_elsewhere=elsewhere or None)
    all_unreported = all(claim.get("unreported_since") is not None for claim in claims)
    if writer.tie:
        props.update(unreported_since=max(c["unreported_since"] for c in claims)
                     if all_unreported else None,
                     unreported_run=primary.get("unreported_run") if all_unreported else None)
    merged["ref_src"] = {name: {key: chosen_claims[name].get(key) for key in SOURCE_KEYS}
                         for name in writer.references if name in chosen_claims}
    return merged, chosen_claims


def _distinct(claims: list[dict], name: str) -> set:
    return {_comparable(_claim_values(claim)[name]) for claim in claims
            if name in _claim_values(claim) and claim.get("unreported_since") is None}


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _conflicts(mine: dict, claims: list[dict], chosen: dict[str, dict], policy: Policy,
               record: Record) -> list[Issue]:
    """A report line per property on which this row and another source disagree."""
    issues = []
    own = _claim_values(mine)
    for name, value in own.items():
        others = [claim for claim in claims if claim is not mine
                  and claim.get("unreported_since") is None
                  and _comparable(_claim_values(claim).get(name, value)) != _comparable(value)]
        if not others:
            continue
        owner = chosen[name]
        said = "; ".join(f"{claim.get('src_dataset')}/{claim.get('src_file')} row "
                         f"{claim.get('src_row')} gives {_text(_claim_values(claim)[name])}"
                         for claim in others)
        shown = "this row's value" if owner is mine else \
            f"{_text(_claim_values(owner)[name])} from {policy.describe(owner)}"
        issues.append(Issue(record.file, record.row, name, _text(value),
                            f"conflict between sources: {said}; shown: {shown}; all values "
                            "are kept with their sources", CONFLICT, record.table))
    return issues


def _text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if isinstance(value, list):
        return ";".join(map(str, value))
    return str(value)
