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


KEYLESS_OF_DATASET = {
    "persons": """
MATCH (p:Person {keyless: true}) WHERE p.src_dataset = $dataset
RETURN p.id_number AS id_number, p.name AS name, p.birth_date AS birth_date, p.phone AS phone
""",
    "companies": """
MATCH (c:Company {keyless: true}) WHERE c.src_dataset = $dataset
RETURN c.credit_code AS credit_code, c.name AS name
""",
}


def _link(connection: Connection, table: str, keyless: list[dict], threshold: float) -> int:
    key, candidates_query, link_query = KINDS[table]
    keyless = [dict(r, key=r.get(key)) for r in keyless if r.get("name")]
    if not keyless:
        return 0
    rows = [{"key": r["key"], "query": _query(str(r["name"]))} for r in keyless]
    candidates = connection.read(candidates_query, rows=rows, limit=CANDIDATES_PER_RECORD)
    matches = find_matches(keyless, candidates + keyless, threshold=threshold)
    pairs = [{"a": a, "b": b, "score": score, "reasons": reasons}
             for a, b, score, reasons in matches if a != b]
    if pairs:
        connection.write_batches(link_query, pairs)
    return len(pairs)


def link_keyless(connection: Connection, records_by_table: dict[str, Iterable[Record]],
                 threshold: float = 0.8) -> int:
    """Write ``POSSIBLY_SAME_AS`` for imported keyless persons and companies; returns links."""
    return sum(_link(connection, table, [record.values for record in
                                         records_by_table.get(table, ())
                                         if record.extra.get("keyless")], threshold)
               for table in KINDS)


def link_keyless_of_dataset(connection: Connection, dataset: str,
                            threshold: float = 0.8) -> int:
    """The same for the parties a dataset's tables named only by name (kinship, bids)."""
    return sum(_link(connection, table, connection.read(KEYLESS_OF_DATASET[table],
                                                        dataset=dataset), threshold)
               for table in KINDS)
