"""Tiny canonical datasets for rule tests, written as CSVs and loaded by the real loader.

A ``World`` collects rows table by table with short helpers (``official``, ``contract``,
``payment``...) and writes them in the canonical input format, so every rule fixture goes
through the same validation and mapping as real data does.
"""
from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from ingest.loader import load_dataset

COLUMNS = {
    "units": ["unit_id", "name", "parent_unit_id", "level", "kind"],
    "persons": ["id_number", "name", "phone", "address", "household_id", "death_date"],
    "positions": ["id_number", "unit_id", "title", "start_date", "end_date"],
    "kinship": ["id_number", "relative_id_number", "relation"],
    "companies": ["credit_code", "name", "legal_rep_id_number", "address", "phone", "email",
                  "established_date", "registered_capital"],
    "company_roles": ["credit_code", "holder_id_number", "holder_credit_code", "role",
                      "share_pct", "start_date", "end_date"],
    "contracts": ["contract_id", "tender_id", "buyer_unit_id", "supplier_credit_code", "title",
                  "category", "amount", "method", "signed_date", "approver_id_number"],
    "bids": ["tender_id", "bidder_credit_code", "bid_amount", "won", "submitted_date"],
    "accounts": ["account_no", "bank", "holder_id_number", "holder_credit_code",
                 "holder_unit_id"],
    "transactions": ["txn_id", "from_account", "to_account", "amount", "date"],
    "subsidies": ["payment_id", "program", "recipient_id_number", "household_id", "amount",
                  "date", "unit_id", "approver_id_number", "account_no"],
}


def id_number(serial: int, birth: str = "19700101") -> str:
    """A valid resident ID number (GB 11643 check digit)."""
    base = f"330102{birth}{serial % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def credit_code(serial: int) -> str:
    """A valid unified social credit code (GB 32100 check character)."""
    base = f"91330102MA{serial % 10_000_000:07d}"
    return base + uscc.calc_check_digit(base + "0")


class World:
    """Rows of the canonical tables; helpers return the identifiers they create."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.companies: set[str] = set()
        self.units: set[str] = set()
        self._serial = 0

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def add(self, table: str, **row) -> dict:
        unknown = set(row) - set(COLUMNS[table])
        assert not unknown, f"{table} has no column(s) {unknown}"
        self.rows[table].append(row)
        return row

    def unit(self, unit_id: str, name: str | None = None, parent: str = "") -> str:
        self.units.add(unit_id)
        self.add("units", unit_id=unit_id, name=name or f"单位{unit_id}", parent_unit_id=parent,
                 level="county", kind="government")
        return unit_id

    def county(self) -> World:
        """Units U1 and U2 under the county government U0, as most fixtures need."""
        self.unit("U0", "某县人民政府")
        self.unit("U1", "某县交通运输局", parent="U0")
        self.unit("U2", "某县教育局", parent="U0")
        return self

    def person(self, name: str, **values) -> str:
        person = id_number(self._next())
        self.add("persons", id_number=person, name=name, **values)
        return person

    def official(self, name: str, unit: str, start: str = "2015-01-01", end: str = "",
                 title: str = "科长", **values) -> str:
        person = self.person(name, **values)
        self.position(person, unit, start, end, title)
        return person

    def position(self, person: str, unit: str, start: str = "2015-01-01", end: str = "",
                 title: str = "科长") -> None:
        self.add("positions", id_number=person, unit_id=unit, title=title, start_date=start,
                 end_date=end)

    def kin(self, person: str, relative: str, relation: str) -> None:
        """``relative`` is the ``relation`` of ``person``."""
        self.add("kinship", id_number=person, relative_id_number=relative, relation=relation)

    def company(self, name: str, legal_rep: str = "", established: str = "2010-01-01",
                capital: str = "5000000", **values) -> str:
        code = credit_code(self._next())
        self.companies.add(code)
        self.add("companies", credit_code=code, name=name, legal_rep_id_number=legal_rep,
                 established_date=established, registered_capital=capital, **values)
        return code

    def role(self, company: str, holder: str, role: str = "shareholder", start: str = "",
             end: str = "", share: str = "") -> None:
        holder_column = "holder_credit_code" if holder in self.companies else "holder_id_number"
        self.add("company_roles", credit_code=company, role=role, start_date=start,
                 end_date=end, share_pct=share, **{holder_column: holder})

    def contract(self, unit: str, supplier: str, amount: float, signed: str,
                 method: str = "public_tender", category: str = "goods", tender: str = "",
                 approver: str = "", contract_id: str | None = None) -> str:
        contract_id = contract_id or f"K{self._next():04d}"
        self.add("contracts", contract_id=contract_id, tender_id=tender, buyer_unit_id=unit,
                 supplier_credit_code=supplier, title=f"项目{contract_id}", category=category,
                 amount=f"{amount:.2f}", method=method, signed_date=signed,
                 approver_id_number=approver)
        return contract_id

    def bid(self, tender: str, bidder: str, submitted: str = "2021-03-01",
            won: bool = False) -> None:
        self.add("bids", tender_id=tender, bidder_credit_code=bidder, bid_amount="1000000",
                 won="true" if won else "false", submitted_date=submitted)

    def account(self, holder: str) -> str:
        number = f"6222{self._next():012d}"
        column = ("holder_unit_id" if holder in self.units else
                  "holder_credit_code" if holder in self.companies else "holder_id_number")
        self.add("accounts", account_no=number, bank="农业银行", **{column: holder})
        return number

    def transfer(self, source: str, target: str, amount: float, date: str) -> str:
        txn_id = f"TX{self._next():05d}"
        self.add("transactions", txn_id=txn_id, from_account=source, to_account=target,
                 amount=f"{amount:.2f}", date=date)
        return txn_id

    def payment(self, recipient: str, date: str, program: str = "subsistence_allowance",
                unit: str = "", approver: str = "", account_no: str = "",
                amount: float = 500.0) -> str:
        payment_id = f"S{self._next():05d}"
        self.add("subsidies", payment_id=payment_id, program=program,
                 recipient_id_number=recipient, amount=f"{amount:.2f}", date=date,
                 unit_id=unit, approver_id_number=approver, account_no=account_no)
        return payment_id

    def write(self, folder: Path) -> Path:
        """Every table, header-only when empty: a later extract may have lost all its rows."""
        folder.mkdir(parents=True, exist_ok=True)
        for table in COLUMNS:
            rows = self.rows.get(table, [])
            with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as stream:
                writer = csv.DictWriter(stream, fieldnames=COLUMNS[table])
                writer.writeheader()
                writer.writerows(rows)
        return folder

    def load(self, connection, folder: Path):
        """Write the tables into ``folder`` and load them; fails on any rejected row."""
        result = load_dataset(connection, self.write(folder), dataset=folder.name)
        assert result.rows_rejected == 0, [str(issue) for issue in result.report]
        return result


@pytest.fixture
def cli_env(db, neo4j_settings, monkeypatch):
    """The empty test database, with the environment set so CLI commands connect to it."""
    from graph.local_server import LocalServer
    from graph.settings import get_settings

    if not os.environ.get("NEO4J_URI"):
        monkeypatch.setenv("NEO4J_URI", neo4j_settings.local_uri)
        monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.neo4j_password
                           or LocalServer(neo4j_settings).password() or "")
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()
