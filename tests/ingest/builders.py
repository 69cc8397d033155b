"""Small canonical datasets written to disk, for loader tests (valid check digits)."""
from __future__ import annotations

import csv
from pathlib import Path

from stdnum.cn import ric, uscc


def id_number(serial: int, birth: str = "19800101", region: str = "110105") -> str:
    """A valid 18-character resident ID number (stdnum wants the check position filled)."""
    base = f"{region}{birth}{serial % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def credit_code(serial: int) -> str:
    base = f"91110105MA{serial:07d}"
    return base + uscc.calc_check_digit(base + "0")


def write_table(folder: Path, name: str, header: list[str], rows: list[list],
                encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def people(count: int) -> list[str]:
    return [id_number(i, birth=f"19{60 + i // 1000 % 40:02d}0101") for i in range(count)]


def small_dataset(folder: Path, persons: int = 50, transactions: int = 200) -> Path:
    """Units, persons, positions, kinship, a company, a contract, accounts and transfers."""
    ids = people(persons)
    write_table(folder, "units", ["unit_id", "name", "parent_unit_id", "level", "kind"],
                [["U0", "某县人民政府", "", "county", "government"],
                 ["U1", "某县交通运输局", "U0", "county", "government"]])
    write_table(folder, "persons", ["id_number", "name", "gender", "birth_date", "phone"],
                [[pid, f"人员{i}", "", "", f"1380000{i:04d}"] for i, pid in enumerate(ids)])
    write_table(folder, "positions", ["id_number", "unit_id", "title", "start_date", "end_date"],
                [[ids[0], "U1", "局长", "2018-01-01", ""], [ids[1], "U1", "科员", "2015-01-01", "2019-12-31"]])
    write_table(folder, "kinship", ["id_number", "relative_id_number", "relation"],
                [[ids[0], ids[2], "spouse"], [ids[2], ids[3], "sibling"]])
    write_table(folder, "companies", ["credit_code", "name", "legal_rep_id_number",
                                      "established_date", "registered_capital"],
                [[credit_code(1), "某县宏达建筑工程有限公司", ids[3], "2019-05-01", "1,000,000"]])
    write_table(folder, "company_roles", ["credit_code", "holder_id_number", "role", "share_pct",
                                          "start_date", "end_date"],
                [[credit_code(1), ids[3], "shareholder", "60", "2019-05-01", ""]])
    write_table(folder, "contracts", ["contract_id", "tender_id", "buyer_unit_id",
                                      "supplier_credit_code", "title", "category", "amount",
                                      "method", "signed_date", "approver_id_number"],
                [["K1", "T1", "U1", credit_code(1), "道路维修", "works", "3,500,000.00",
                  "public_tender", "2020-06-01", ids[0]]])
    write_table(folder, "accounts", ["account_no", "bank", "holder_id_number"],
                [[f"6222{i:012d}", "农业银行", pid] for i, pid in enumerate(ids)])
    write_table(folder, "transactions", ["txn_id", "from_account", "to_account", "amount", "date"],
                [[f"TX{i}", f"6222{i % persons:012d}", f"6222{(i * 7 + 1) % persons:012d}",
                  f"{1000 + i}.50", f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"]
                 for i in range(transactions)])
    return folder
