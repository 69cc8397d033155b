"""How each canonical table's records become write rows for the queries of ``ingest.writes``.

A write row holds the record's identity (``key``), the model properties with provenance
(``props``), the identifiers it references, and a hash of all that: a row whose hash is
already stored is not written again, which makes re-loads idempotent and fast.

A node created only because this row names it carries ``stub = true`` and this row's
provenance, ``rel_props`` (``ingest.writes``; the node's own row, when it comes, replaces
both). An amount in another currency than yuan is moved to ``<column>_foreign`` beside its
currency, so that nothing compares it as yuan.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from graph.model import load_model
from ingest import writes
from ingest.parsers import is_yuan
from ingest.records import Record
from ingest.tables import load_tables_spec


@dataclass(frozen=True)
class TableWriter:
    """The write query of one table, and what its rows are identified by in the graph."""

    table: str
    query: str
    key: Callable[[dict], str]
    label: str | None = None           # rows identified by a node (label + key property)
    tie: str | None = None             # or by a relationship's rel_key
    dated_tie: bool = False            # ties with start/end dates (closed by setting end_date)
    references: tuple[str, ...] = ()   # columns passed beside props (become relationships)
    model_label: str | None = None     # whose model properties the props are
    create_query: str | None = None    # for rows whose node does not exist yet


def _join(*parts: Any) -> str:
    return "|".join("" if part is None else str(part) for part in parts)


def _start(values: dict) -> Any:
    """A tie's start for its key: the date, else the month or year the source gave."""
    return values.get("start_date") or values.get("start_date_period")


# Where each table's references live in the graph: (relationship type, the other end's
# label) -> reference column; "<" marks a relationship that points at the row's node.
REFERENCE_RELATIONSHIPS: dict[str, dict[tuple[str, str], str]] = {
    "units": {("PART_OF", "Unit"): "parent_unit_id"},
    "contracts": {("BUYER", "Unit"): "buyer_unit_id", ("SUPPLIER", "Company"):
                  "supplier_credit_code", ("APPROVED_BY", "Person"): "approver_id_number",
                  ("FOR_TENDER", "Tender"): "tender_id"},
    "bids": {("FOR_TENDER", "Tender"): "tender_id", ("BIDDER", "Company"): "bidder_credit_code"},
    "accounts": {("HELD_BY", "Person"): "holder_id_number", ("HELD_BY", "Company"):
                 "holder_credit_code", ("HELD_BY", "Unit"): "holder_unit_id"},
    "transactions": {("<PAID", "Account"): "from_account", ("PAID_TO", "Account"): "to_account"},
    "subsidies": {("RECIPIENT", "Person"): "recipient_id_number", ("ISSUED_BY", "Unit"):
                  "unit_id", ("APPROVED_BY", "Person"): "approver_id_number",
                  ("INTO_ACCOUNT", "Account"): "account_no"},
    "complaints": {("ABOUT", "Person"): "subject_id_number", ("ABOUT", "Unit"):
                   "subject_unit_id"},
}


WRITERS: dict[str, TableWriter] = {w.table: w for w in [
    TableWriter("units", writes.UPSERT_UNITS, lambda v: v["unit_id"], label="Unit",
                references=("parent_unit_id",), model_label="Unit"),
    TableWriter("persons", writes.UPSERT_PERSONS, lambda v: v["id_number"], label="Person",
                model_label="Person", create_query=writes.CREATE_PERSONS),
    TableWriter("companies", writes.UPSERT_COMPANIES, lambda v: v["credit_code"],
                label="Company", model_label="Company", create_query=writes.CREATE_COMPANIES),
    TableWriter("positions", writes.UPSERT_POSITIONS,
                lambda v: _join(v["id_number"], v["unit_id"], v.get("title"), _start(v)),
                tie="HOLDS_POSITION", dated_tie=True, references=("id_number", "unit_id")),
    TableWriter("kinship", writes.UPSERT_KINSHIP,
                lambda v: _join(v["id_number"], v["relative_id_number"], v.get("relation")),
                tie="HAS_RELATIVE", references=("id_number", "relative_id_number")),
    TableWriter("company_roles", writes.UPSERT_PERSON_ROLES,
                lambda v: _join(v["credit_code"], v.get("holder_id_number"),
                                v.get("holder_credit_code"), v.get("role"), _start(v)),
                tie="HOLDS_ROLE", dated_tie=True,
                references=("credit_code", "holder_id_number", "holder_credit_code")),
    TableWriter("contracts", writes.UPSERT_CONTRACTS, lambda v: v["contract_id"],
                label="Contract", model_label="Contract", create_query=writes.CREATE_CONTRACTS,
                references=("buyer_unit_id", "supplier_credit_code", "approver_id_number",
                            "tender_id")),
    TableWriter("bids", writes.UPSERT_BIDS,
                lambda v: _join(v["tender_id"], v["bidder_credit_code"]), label="Bid",
                model_label="Bid", create_query=writes.CREATE_BIDS,
                references=("tender_id", "bidder_credit_code")),
    TableWriter("accounts", writes.UPSERT_ACCOUNTS, lambda v: v["account_no"],
                label="Account", model_label="Account", create_query=writes.CREATE_ACCOUNTS,
                references=("holder_id_number", "holder_credit_code", "holder_unit_id")),
    TableWriter("transactions", writes.UPSERT_TRANSACTIONS, lambda v: v["txn_id"],
                label="Transaction", model_label="Transaction",
                create_query=writes.CREATE_TRANSACTIONS,
                references=("from_account", "to_account")),
    TableWriter("subsidies", writes.UPSERT_SUBSIDIES, lambda v: v["payment_id"],
                label="SubsidyPayment", model_label="SubsidyPayment",
                create_query=writes.CREATE_SUBSIDIES,
                references=("recipient_id_number", "unit_id", "approver_id_number",
                            "account_no")),
    TableWriter("complaints", writes.UPSERT_COMPLAINTS, lambda v: v["complaint_id"],
                label="Complaint", model_label="Complaint", create_query=writes.CREATE_COMPLAINTS,
                references=("subject_id_number", "subject_unit_id")),
]}

# Order matters only for readability of partial loads: entities before the ties between them.
TABLE_ORDER = ("units", "persons", "companies", "positions", "kinship", "company_roles",
               "contracts", "bids", "accounts", "transactions", "subsidies", "complaints")

# company_roles rows held by a company go to a query of their own.
COMPANY_HELD_ROLES = writes.UPSERT_COMPANY_ROLES


def _row_hash(parts: dict) -> str:
    return hashlib.blake2b(repr(sorted(parts.items())).encode(), digest_size=12).hexdigest()


def _model_properties(label: str | None, values: dict) -> dict:
    if label is None:
        return dict(values)
    known = load_model().node(label).properties
    return {name: value for name, value in values.items() if name in known}


# Parties known only by name (an extension of kinship.csv and bids.csv): they are loaded
# under a key derived from what is known of them, flagged keyless, and linked afterwards.
KEYLESS_PARTIES = {
    "kinship": ("relative_id_number", "anon-person:", "relative_props",
                {"relative_name": "name", "relative_birth_date": "birth_date",
                 "relative_phone": "phone"}),
    "bids": ("bidder_credit_code", "anon-company:", "bidder_props", {"bidder_name": "name"}),
}


def _with_keyless_party(writer: TableWriter, values: dict, source: dict) -> tuple[dict, dict]:
    """Fill a missing party identifier with a stable synthetic key; return the party's props.

    >>> values, props = _with_keyless_party(WRITERS["bids"], {"tender_id": "T1",
    ...     "bidder_credit_code": None, "bidder_name": "宏达建筑"}, {})
    >>> values["bidder_credit_code"].startswith("anon-company:"), props["keyless"]
    (True, True)
    """
    if writer.table not in KEYLESS_PARTIES:
        return values, {}
    column, prefix, _, fields = KEYLESS_PARTIES[writer.table]
    known = {target: values[name] for name, target in fields.items()
             if values.get(name) is not None}
    values = {k: v for k, v in values.items() if k not in fields}
    if values.get(column) is not None:
        return values, {}
    digest = hashlib.blake2b(repr(sorted((k, str(v)) for k, v in known.items())).encode(),
                             digest_size=8).hexdigest()
    values[column] = prefix + digest
    return values, {**known, "keyless": True, **source, "stub": None, "stub_column": None}


def write_row(writer: TableWriter, record: Record, provenance: dict) -> dict:
    """The parameter row for ``writer.query``: key, props with provenance, references."""
    source = {"src_file": record.file, "src_row": record.row, **provenance}
    values, party = _with_keyless_party(writer, record.values, source)
    key = writer.key({**record.extra, **values})
    references = {name: values.get(name) for name in writer.references}
    if writer.model_label:
        props = _model_properties(writer.model_label, values)
    else:
        props = {k: v for k, v in values.items() if k not in references}
    props.update({k: v for k, v in record.extra.items()
                  if k not in props and k not in references and k != "keyless"})
    _foreign_amounts(writer.table, props)
    digest = _row_hash({**props, **references, **party, "src_file": record.file,
                        "src_row": record.row, "src_dataset": provenance.get("src_dataset")})
    row = {"key": key, **references, "props": {**props, **source, "src_hash": digest},
           "rel_props": source}
    if writer.table in KEYLESS_PARTIES:
        row[KEYLESS_PARTIES[writer.table][2]] = party
    if writer.tie:
        row["props"]["rel_key"] = key
    if writer.table == "companies":
        _add_registered_legal_rep(row, values, source)
    return row


def _foreign_amounts(table: str, props: dict) -> None:
    """An amount in another currency is kept as ``<column>_foreign``, never as yuan.

    The amount properties of the model (``amount``, ``registered_capital``) are yuan, which
    the rules compare with yuan thresholds; an amount whose currency is not CNY, or could
    not be read, leaves them empty.
    """
    for amount, currency_column in _amount_columns(table):
        if props.get(amount) is None:
            continue
        if not is_yuan(props.get(currency_column)) or f"{currency_column}_raw" in props:
            props[f"{amount}_foreign"] = props[amount]
            props[amount] = None


@cache
def _amount_columns(table: str) -> tuple[tuple[str, str], ...]:
    """(amount column, its currency column) of a table."""
    columns = load_tables_spec()[table].columns.values()
    return tuple((column.name, column.currency) for column in columns
                 if column.type == "amount" and column.currency)


def _add_registered_legal_rep(row: dict, values: dict, source: dict) -> None:
    """companies.csv's legal representative counts as a legal_rep role from establishment."""
    legal_rep = values.get("legal_rep_id_number")
    row["legal_rep"] = legal_rep
    row["rel_key"] = _join("registered_legal_rep", values["credit_code"], legal_rep) \
        if legal_rep else None
    row["stub_props"] = source     # a person known only from here: provenance, no role
    row["rel_props"] = {**source, "role": "legal_rep", "derived": True,
                        "start_date": values.get("established_date"), "rel_key": row["rel_key"]}
