"""Write a generated world as a dataset folder: one CSV per canonical table, truth.csv and
a README.md. Rows stream to disk table by table; nothing is printed.

Two tables deliberately differ from the rest, as exports from other systems do:
companies.csv is encoded in GB18030 and positions.csv has the Chinese headers of
ingest/tables.yaml. persons.csv and contracts.csv carry a UTF-8 byte-order mark.
"""
from __future__ import annotations

import csv
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml

from ingest.tables import TABLES_YAML
from synthetic.noise import Noise, broken_credit_code, broken_resident_id
from synthetic.world import World

__all__ = ["CHINESE_HEADERS", "ENCODINGS", "TABLE_COLUMNS", "write_tables", "write_truth"]

_SPEC = yaml.safe_load(TABLES_YAML.read_text("utf-8"))
#: Columns written per table, in the order of the spec: the v1 columns only (no extensions).
TABLE_COLUMNS = {table: [column for column, entry in spec["columns"].items()
                         if not entry.get("extension")]
                 for table, spec in _SPEC.items()}
ENCODINGS = {"companies": "gb18030", "persons": "utf-8-sig", "contracts": "utf-8-sig"}
CHINESE_HEADERS = frozenset({"positions"})


def _rows(world: World, noise: Noise) -> dict[str, Callable[[], Iterable[list[str]]]]:
    """Per table, a producer of rows of cells in TABLE_COLUMNS order."""
    date, amount, person_id = noise.date, noise.amount, noise.id_number
    code, phone, account = noise.credit_code, noise.phone, noise.account

    def person_cell(person) -> str:
        if person.invalid:
            return broken_resident_id(person.id_number)
        return noise.legacy(person.id_number) if person.legacy_id else person_id(
            person.id_number)

    def persons():
        for person in world.persons.values():
            yield [person_cell(person), person.name, person.gender, date(person.birth_date),
                   phone(person.phone), person.address, person.household_id,
                   date(person.death_date)]

    def companies():
        for company in world.companies.values():
            yield [broken_credit_code(company.credit_code) if company.invalid else code(
                company.credit_code), company.name, person_id(company.legal_rep_id_number),
                company.address, phone(company.phone), company.email or "",
                date(company.established_date), company.status,
                amount(company.registered_capital), company.industry]

    def transactions():
        stream = world.streams.get("transactions", lambda: iter(()))()
        for row in chain(stream, world.transactions):
            yield [row.txn_id, account(row.from_account), account(row.to_account),
                   amount(row.amount), date(row.date), row.memo]

    def subsidies():
        stream = world.streams.get("subsidies", lambda: iter(()))()
        for row in chain(stream, world.payments):
            yield [row.payment_id, row.program, person_id(row.recipient_id_number),
                   row.household_id, amount(row.amount), date(row.date), row.unit_id,
                   person_id(row.approver_id_number), account(row.account_no)]

    return {
        "units": lambda: ([unit.unit_id, unit.name, unit.parent_unit_id or "", unit.level,
                           unit.region_code, unit.kind] for unit in world.units.values()),
        "persons": persons,
        "positions": lambda: ([person_id(row.id_number), row.unit_id, row.title, row.rank,
                               date(row.start_date), date(row.end_date), ";".join(row.duties)]
                              for row in world.positions),
        "kinship": lambda: ([person_id(row.id_number), person_id(row.relative_id_number),
                             row.relation] for row in world.kinship),
        "companies": companies,
        "company_roles": lambda: ([code(row.credit_code), person_id(row.holder_id_number),
                                   code(row.holder_credit_code), row.role,
                                   "" if row.share_pct is None else f"{row.share_pct:g}",
                                   date(row.start_date), date(row.end_date)]
                                  for row in world.roles),
        "contracts": lambda: ([row.contract_id, row.tender_id or "", row.buyer_unit_id,
                               code(row.supplier_credit_code), row.title, row.category,
                               amount(row.amount), row.method, date(row.signed_date),
                               person_id(row.approver_id_number)] for row in world.contracts),
        "bids": lambda: ([row.tender_id, code(row.bidder_credit_code), amount(row.bid_amount),
                          "true" if row.won else "false", date(row.submitted_date)]
                         for row in world.bids),
        "accounts": lambda: ([row.account_no, row.bank, person_id(row.holder_id_number),
                              code(row.holder_credit_code), row.holder_unit_id or ""]
                             for row in world.accounts),
        "transactions": transactions,
        "subsidies": subsidies,
        "complaints": lambda: ([row.complaint_id, date(row.date),
                                person_id(row.subject_id_number), row.subject_unit_id or "",
                                row.category, row.text] for row in world.complaints),
    }


def _write(path: Path, header: list[str], rows: Iterator[list[str]], encoding: str) -> int:
    count = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_tables(world: World, out_dir: Path, noise: Noise) -> dict[str, int]:
    """Write every canonical table; returns the number of data rows of each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table, rows in _rows(world, noise).items():
        columns = TABLE_COLUMNS[table]
        header = [_SPEC[table]["columns"][column]["zh"] for column in columns] if (
            table in CHINESE_HEADERS) else columns
        counts[table] = _write(out_dir / f"{table}.csv", header, iter(rows()),
                               ENCODINGS.get(table, "utf-8"))
    return counts


def write_truth(world: World, out_dir: Path) -> int:
    """truth.csv: one row per planted case, identifiers joined with ';'."""
    rows = ([case.case_id, case.pattern, ";".join(case.entity_ids)] for case in world.cases)
    return _write(out_dir / "truth.csv", ["case_id", "pattern", "entity_ids"], rows, "utf-8")
