"""Link records that have no key to the entities they may be: ``POSSIBLY_SAME_AS``.

A bidder known only by name, an OCDS party, a relative without an ID number: such records
are loaded under a synthetic key and never merged blindly. Candidates come from Neo4j's
full-text indexes (a bounded number per record), are scored by ``ingest.resolve`` in
Python, and pairs above the threshold are written with their score and reasons.
"""
from __future__ import annotations

from collections.abc import Iterable

from graph.connection import Connection
from ingest.records import Record
from ingest.resolve import find_matches, simplified

CANDIDATES_PER_RECORD = 10

PERSON_CANDIDATES = """
UNWIND $rows AS row
CALL db.index.fulltext.queryNodes('person_fulltext', row.query, {limit: $limit})
YIELD node
WHERE node.id_number <> row.key
RETURN DISTINCT node.id_number AS id_number, node.name AS name, node.phone AS phone,
       node.address AS address, node.birth_date AS birth_date
"""

COMPANY_CANDIDATES = """
UNWIND $rows AS row
CALL db.index.fulltext.queryNodes('company_fulltext', row.query, {limit: $limit})
YIELD node
WHERE node.credit_code <> row.key
RETURN DISTINCT node.credit_code AS credit_code, node.name AS name, node.phone AS phone,
       node.address AS address, node.email AS email
"""

LINK_PERSONS = """
UNWIND $rows AS row
MATCH (a:Person {id_number: row.a}), (b:Person {id_number: row.b})
MERGE (a)-[r:POSSIBLY_SAME_AS]->(b)
SET r.score = row.score, r.reasons = row.reasons, r.rel_key = row.a + '|' + row.b
"""

LINK_COMPANIES = """
UNWIND $rows AS row
MATCH (a:Company {credit_code: row.a}), (b:Company {credit_code: row.b})
MERGE (a)-[r:POSSIBLY_SAME_AS]->(b)
SET r.score = row.score, r.reasons = row.reasons, r.rel_key = row.a + '|' + row.b
"""

KINDS = {
    "persons": ("id_number", PERSON_CANDIDATES, LINK_PERSONS),
    "companies": ("credit_code", COMPANY_CANDIDATES, LINK_COMPANIES),
}


def lucene_phrase(text: str) -> str:
    """``text`` as a quoted Lucene phrase, with quotes and backslashes escaped.

    >>> lucene_phrase('宏达"建筑"')
    '"宏达\\\\"建筑\\\\""'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _query(name: str) -> str:
    variants = {name, simplified(name)}
    return " OR ".join(lucene_phrase(v) for v in sorted(variants) if v)


def link_keyless(connection: Connection, records_by_table: dict[str, Iterable[Record]],
                 threshold: float = 0.8) -> int:
    """Write ``POSSIBLY_SAME_AS`` for keyless persons and companies; returns the link count."""
    links = 0
    for table, (key, candidates_query, link_query) in KINDS.items():
        keyless = [dict(record.values, key=record.values.get(key))
                   for record in records_by_table.get(table, ())
                   if record.extra.get("keyless") and record.values.get("name")]
        if not keyless:
            continue
        rows = [{"key": r["key"], "query": _query(str(r["name"]))} for r in keyless]
        candidates = connection.read(candidates_query, rows=rows, limit=CANDIDATES_PER_RECORD)
        matches = find_matches(keyless, candidates + keyless, threshold=threshold)
        pairs = [{"a": a, "b": b, "score": score, "reasons": reasons}
                 for a, b, score, reasons in matches if a != b]
        if pairs:
            connection.write_batches(link_query, pairs)
        links += len(pairs)
    return links
