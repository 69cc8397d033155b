"""The best hand-written alternative to the loader: Neo4j's own ``LOAD CSV … IN TRANSACTIONS``.

Written the way a Neo4j engineer writes a first load: one pass per node label and source
column (``MERGE`` on the constrained key, the owning table's pass sets the properties), then
one pass per relationship type and source table (``MATCH`` both ends, ``MERGE`` the
relationship so a second run changes nothing, as the loader promises too), each
``CALL { … } IN TRANSACTIONS OF 10000 ROWS`` and each checked with ``EXPLAIN`` to contain no
``Eager`` operator. No validation, no provenance, raw strings: the same nodes and
relationships as the loader writes from the same rows (the admin-import staging of
``benchmarks/admin_import.py`` is built from the same tables below). See
``load_with_load_csv`` for the one planner trap it steps around.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.discovery import discover_tables
from ingest.readers import read_rows

ROWS_PER_TRANSACTION = 10000


@dataclass(frozen=True)
class NodePass:
    """``MERGE (:label {key: <expr>})`` for each row of ``table`` where ``column`` is set."""

    table: str
    label: str
    key: str
    column: str
    props: tuple[str, ...] = ()   # set from the owning table only
    key_expr: str = ""            # Cypher for the key when it is not the column itself
    key_fn: Callable[[dict], str] | None = None   # the same in Python (admin import)

    def expr(self) -> str:
        return self.key_expr or f"row.{self.column}"


@dataclass(frozen=True)
class RelPass:
    """``MATCH`` both ends of each row of ``table``, ``MERGE`` a ``rel_type`` between them."""

    table: str
    rel_type: str
    start: tuple[str, str, str]   # label, key property, Cypher expression on row
    end: tuple[str, str, str]
    needs: tuple[str, ...]        # columns that must be set
    rel_key: str = ""             # Cypher expression: the loader's rel_key of this tie
    props: tuple[str, ...] = ()
    rel_key_fn: Callable[[dict], str] | None = None   # the same in Python (admin import)
    start_fn: Callable[[dict], str] | None = None     # start key in Python when computed


def _col(label: str, key: str, column: str) -> tuple[str, str, str]:
    return (label, key, f"row.{column}")


BID_KEY = "row.tender_id + '|' + row.bidder_credit_code"


def bid_key(row: dict) -> str:
    return f"{row['tender_id']}|{row['bidder_credit_code']}"


def _role_key(holder: str) -> Callable[[dict], str]:
    return lambda r: (f"{r['credit_code']}|{r[holder]}|{r['role']}|"
                      f"{r.get('start_date') or ''}")

NODE_PASSES = (
    NodePass("units", "Unit", "unit_id", "unit_id", ("name", "level", "kind", "region_code")),
    NodePass("persons", "Person", "id_number", "id_number",
             ("name", "gender", "birth_date", "phone", "address", "household_id",
              "death_date")),
    NodePass("companies", "Company", "credit_code", "credit_code",
             ("name", "address", "phone", "email", "established_date", "status",
              "registered_capital", "industry")),
    NodePass("contracts", "Contract", "contract_id", "contract_id",
             ("title", "category", "amount", "method", "signed_date", "tender_id")),
    NodePass("bids", "Bid", "bid_id", "tender_id", ("bid_amount", "won", "submitted_date"),
             key_expr=BID_KEY, key_fn=bid_key),
    NodePass("accounts", "Account", "account_no", "account_no", ("bank",)),
    NodePass("transactions", "Transaction", "txn_id", "txn_id", ("amount", "date", "memo")),
    NodePass("subsidies", "SubsidyPayment", "payment_id", "payment_id",
             ("program", "amount", "date", "household_id")),
    NodePass("complaints", "Complaint", "complaint_id", "complaint_id",
             ("text", "category", "date")),
    # Nodes known only from a reference (the loader's stubs).
    NodePass("units", "Unit", "unit_id", "parent_unit_id"),
    NodePass("positions", "Unit", "unit_id", "unit_id"),
    NodePass("contracts", "Unit", "unit_id", "buyer_unit_id"),
    NodePass("accounts", "Unit", "unit_id", "holder_unit_id"),
    NodePass("subsidies", "Unit", "unit_id", "unit_id"),
    NodePass("complaints", "Unit", "unit_id", "subject_unit_id"),
    NodePass("positions", "Person", "id_number", "id_number"),
    NodePass("kinship", "Person", "id_number", "id_number"),
    NodePass("kinship", "Person", "id_number", "relative_id_number"),
    NodePass("companies", "Person", "id_number", "legal_rep_id_number"),
    NodePass("company_roles", "Person", "id_number", "holder_id_number"),
    NodePass("contracts", "Person", "id_number", "approver_id_number"),
    NodePass("accounts", "Person", "id_number", "holder_id_number"),
    NodePass("subsidies", "Person", "id_number", "recipient_id_number"),
    NodePass("subsidies", "Person", "id_number", "approver_id_number"),
    NodePass("complaints", "Person", "id_number", "subject_id_number"),
    NodePass("company_roles", "Company", "credit_code", "credit_code"),
    NodePass("company_roles", "Company", "credit_code", "holder_credit_code"),
    NodePass("contracts", "Company", "credit_code", "supplier_credit_code"),
    NodePass("bids", "Company", "credit_code", "bidder_credit_code"),
    NodePass("accounts", "Company", "credit_code", "holder_credit_code"),
    NodePass("contracts", "Tender", "tender_id", "tender_id"),
    NodePass("bids", "Tender", "tender_id", "tender_id"),
    NodePass("transactions", "Account", "account_no", "from_account"),
    NodePass("transactions", "Account", "account_no", "to_account"),
    NodePass("subsidies", "Account", "account_no", "account_no"),
)

REL_PASSES = (
    RelPass("units", "PART_OF", _col("Unit", "unit_id", "unit_id"),
            _col("Unit", "unit_id", "parent_unit_id"), ("unit_id", "parent_unit_id")),
    RelPass("companies", "HOLDS_ROLE", _col("Person", "id_number", "legal_rep_id_number"),
            _col("Company", "credit_code", "credit_code"), ("legal_rep_id_number",),
            rel_key="'reg|' + row.credit_code",
            rel_key_fn=lambda r: f"reg|{r['credit_code']}"),
    RelPass("company_roles", "HOLDS_ROLE", _col("Person", "id_number", "holder_id_number"),
            _col("Company", "credit_code", "credit_code"), ("holder_id_number",),
            rel_key="row.credit_code + '|' + row.holder_id_number + '|' + row.role + '|' "
                    "+ coalesce(row.start_date, '')",
            props=("role", "share_pct", "start_date", "end_date"),
            rel_key_fn=_role_key("holder_id_number")),
    RelPass("company_roles", "HOLDS_ROLE", _col("Company", "credit_code", "holder_credit_code"),
            _col("Company", "credit_code", "credit_code"), ("holder_credit_code",),
            rel_key="row.credit_code + '|' + row.holder_credit_code + '|' + row.role + '|' "
                    "+ coalesce(row.start_date, '')",
            props=("role", "share_pct", "start_date", "end_date"),
            rel_key_fn=_role_key("holder_credit_code")),
    RelPass("positions", "HOLDS_POSITION", _col("Person", "id_number", "id_number"),
            _col("Unit", "unit_id", "unit_id"), ("id_number", "unit_id"),
            rel_key="row.id_number + '|' + row.unit_id + '|' + coalesce(row.title, '') + '|' "
                    "+ coalesce(row.start_date, '')",
            props=("title", "rank", "start_date", "end_date", "duties"),
            rel_key_fn=lambda r: (f"{r['id_number']}|{r['unit_id']}|{r.get('title') or ''}|"
                                  f"{r.get('start_date') or ''}")),
    RelPass("kinship", "HAS_RELATIVE", _col("Person", "id_number", "id_number"),
            _col("Person", "id_number", "relative_id_number"),
            ("id_number", "relative_id_number"),
            rel_key="row.id_number + '|' + row.relative_id_number + '|' "
                    "+ coalesce(row.relation, '')", props=("relation",),
            rel_key_fn=lambda r: (f"{r['id_number']}|{r['relative_id_number']}|"
                                  f"{r.get('relation') or ''}")),
    RelPass("contracts", "BUYER", _col("Contract", "contract_id", "contract_id"),
            _col("Unit", "unit_id", "buyer_unit_id"), ("buyer_unit_id",)),
    RelPass("contracts", "SUPPLIER", _col("Contract", "contract_id", "contract_id"),
            _col("Company", "credit_code", "supplier_credit_code"), ("supplier_credit_code",)),
    RelPass("contracts", "APPROVED_BY", _col("Contract", "contract_id", "contract_id"),
            _col("Person", "id_number", "approver_id_number"), ("approver_id_number",)),
    RelPass("contracts", "FOR_TENDER", _col("Contract", "contract_id", "contract_id"),
            _col("Tender", "tender_id", "tender_id"), ("tender_id",)),
    RelPass("bids", "FOR_TENDER", ("Bid", "bid_id", BID_KEY),
            _col("Tender", "tender_id", "tender_id"), ("tender_id", "bidder_credit_code"),
            start_fn=bid_key),
    RelPass("bids", "BIDDER", ("Bid", "bid_id", BID_KEY),
            _col("Company", "credit_code", "bidder_credit_code"),
            ("tender_id", "bidder_credit_code"), start_fn=bid_key),
    RelPass("accounts", "HELD_BY", _col("Account", "account_no", "account_no"),
            _col("Person", "id_number", "holder_id_number"), ("holder_id_number",)),
    RelPass("accounts", "HELD_BY", _col("Account", "account_no", "account_no"),
            _col("Company", "credit_code", "holder_credit_code"), ("holder_credit_code",)),
    RelPass("accounts", "HELD_BY", _col("Account", "account_no", "account_no"),
            _col("Unit", "unit_id", "holder_unit_id"), ("holder_unit_id",)),
    RelPass("transactions", "PAID", _col("Account", "account_no", "from_account"),
            _col("Transaction", "txn_id", "txn_id"), ("from_account",)),
    RelPass("transactions", "PAID_TO", _col("Transaction", "txn_id", "txn_id"),
            _col("Account", "account_no", "to_account"), ("to_account",)),
    RelPass("subsidies", "RECIPIENT", _col("SubsidyPayment", "payment_id", "payment_id"),
            _col("Person", "id_number", "recipient_id_number"), ("recipient_id_number",)),
    RelPass("subsidies", "ISSUED_BY", _col("SubsidyPayment", "payment_id", "payment_id"),
            _col("Unit", "unit_id", "unit_id"), ("unit_id",)),
    RelPass("subsidies", "APPROVED_BY", _col("SubsidyPayment", "payment_id", "payment_id"),
            _col("Person", "id_number", "approver_id_number"), ("approver_id_number",)),
    RelPass("subsidies", "INTO_ACCOUNT", _col("SubsidyPayment", "payment_id", "payment_id"),
            _col("Account", "account_no", "account_no"), ("account_no",)),
    RelPass("complaints", "ABOUT", _col("Complaint", "complaint_id", "complaint_id"),
            _col("Person", "id_number", "subject_id_number"), ("subject_id_number",)),
    RelPass("complaints", "ABOUT", _col("Complaint", "complaint_id", "complaint_id"),
            _col("Unit", "unit_id", "subject_unit_id"), ("subject_unit_id",)),
)


def node_query(p: NodePass) -> tuple[str, str]:
    """(filter, body) of a node pass."""
    sets = ", ".join(f"n.{prop} = row.{prop}" for prop in p.props)
    return (f"row.{p.column} IS NOT NULL",
            f"MERGE (n:{p.label} {{{p.key}: {p.expr()}}})" + (f" SET {sets}" if sets else ""))


def rel_query(p: RelPass) -> tuple[str, str]:
    """(filter, body) of a relationship pass."""
    (sl, sk, se), (el, ek, ee) = p.start, p.end
    key = f" {{rel_key: {p.rel_key}}}" if p.rel_key else ""
    sets = ", ".join(f"r.{prop} = row.{prop}" for prop in p.props)
    return (" AND ".join(f"row.{c} IS NOT NULL" for c in p.needs),
            f"MATCH (a:{sl} {{{sk}: {se}}}) MATCH (b:{el} {{{ek}: {ee}}}) "
            f"MERGE (a)-[r:{p.rel_type}{key}]->(b)" + (f" SET {sets}" if sets else ""))


def peer_statements(staged: dict[str, Path]) -> list[str]:
    """Every LOAD CSV statement, node passes first, for the tables that were staged."""
    passes = [(p.table, node_query(p)) for p in NODE_PASSES]
    passes += [(p.table, rel_query(p)) for p in REL_PASSES]
    return [f"LOAD CSV WITH HEADERS FROM 'file:///{staged[table].name}' AS row "
            f"WITH row WHERE {where} "
            f"CALL (row) {{ {body} }} IN TRANSACTIONS OF {ROWS_PER_TRANSACTION} ROWS"
            for table, (where, body) in passes if table in staged]


def stage_plain_csv(dataset_dir: Path, import_dir: Path) -> dict[str, Path]:
    """Write each table as UTF-8 CSV with English headers where LOAD CSV can read it.

    Not timed: LOAD CSV reads neither GB18030 nor Chinese headers, so the peer is given
    the files it can read, which only favours it.
    """
    import_dir.mkdir(parents=True, exist_ok=True)
    tables = {p.table for p in NODE_PASSES}
    staged = {}
    for table, source in discover_tables(dataset_dir).items():
        if table not in tables:
            continue
        target = import_dir / f"peer-{table}.csv"
        rows = read_rows(table, source)
        first = next(rows, None)
        if first is None:
            continue
        columns = list(first.values)
        with target.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            for row in [first, *rows]:
                writer.writerow([row.values.get(c, "") for c in columns])
        staged[table] = target
    return staged


def check_no_eager(connection, statements: list[str]) -> None:
    """Refuse to measure a peer whose plan has an Eager operator (it would not be the best)."""
    with connection.session() as session:
        for statement in statements:
            plan = session.run("EXPLAIN " + statement).consume().plan
            if "Eager" in repr(plan):
                raise SystemExit(f"Eager operator in the peer's plan: {statement[:160]}")


def keyed_relationship_indexes() -> list:
    """The schema's ``rel_key`` indexes of the types the peer MERGEs with a key."""
    from graph.migrate import schema_statements

    types = {p.rel_type.lower() for p in REL_PASSES if p.rel_key}
    return [s for s in schema_statements() if s.name in {f"rel_{t}_rel_key" for t in types}]


def load_with_load_csv(connection, staged: dict[str, Path]) -> None:
    """Run every pass, node passes first, with the ``rel_key`` indexes dropped meanwhile.

    Neo4j 5.26 plans ``MERGE (a)-[r:T {rel_key: …}]->(b)`` under ``LOAD CSV`` as a scan of
    the whole ``rel_key`` index per row (``DirectedRelationshipIndexScan``) as soon as the
    index holds entries: 232 million db hits and 211 s for the 11,711 person-held company
    roles. An engineer who PROFILEs it drops those indexes for the load (the ``MERGE`` then
    expands between the two matched nodes) and creates them again afterwards; both are
    part of the measured time, and the schema at the end is the loader's.
    """
    indexes = keyed_relationship_indexes()
    for index in indexes:
        connection.run_autocommit(f"DROP INDEX {index.name} IF EXISTS")
    for statement in peer_statements(staged):
        connection.run_autocommit(statement)
    for index in indexes:
        connection.run_autocommit(index.cypher)
    connection.run_autocommit("CALL db.awaitIndexes(3600)")
