"""Small messy datasets of the kinds real exports produce, through the real loader.

Each case checks the bookkeeping promise (rows in = rows in the graph + rows reported, and
every report line names file, row, column and reason) besides what the case is about.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from accounting import assert_accounted, assert_complete
from builders import credit_code, id_number, write_table
from ingest.loader import LoadFailed, load_dataset
from ingest.profiles import load_profile

PERSON_HEADER = ["id_number", "name", "phone", "address"]


def _people(count: int) -> list[str]:
    return [id_number(i, birth=f"1970{1 + i % 12:02d}01") for i in range(count)]


def _issues(result, action: str, file: str | None = None) -> list:
    return [i for i in result.report if i.action == action and (file is None or i.file == file)]


def test_ragged_rows_are_loaded_and_reported(db, tmp_path):
    ids = _people(4)
    folder = tmp_path / "ragged"
    folder.mkdir()
    (folder / "persons.csv").write_text(
        "id_number,name,phone,address\n"
        f"{ids[0]},张三,13800000001,城关镇\n"
        f"{ids[1]},李四,13800000002,城关镇,一组,多出的格\n"   # two cells too many
        f"{ids[2]},王五\n"                                    # two cells too few
        f"{ids[3]},赵六,13800000004,河西村\n", encoding="utf-8")
    result = load_dataset(db, folder)
    assert_accounted(db, result, {("persons", "persons.csv"): 4})
    extra, short = sorted(_issues(result, "warning"), key=lambda issue: issue.row)
    assert (extra.row, extra.column, extra.value) == (3, "column_5, column_6", "一组; 多出的格")
    assert "ragged row: 6 cells, the header has 4" in extra.reason
    assert (short.row, short.column) == (4, "phone, address")
    kept = db.read("MATCH (p:Person {id_number: $id}) RETURN p.column_5 AS a, p.column_6 AS b, "
                   "p.warnings AS warnings", id=ids[1])[0]
    assert (kept["a"], kept["b"]) == ("一组", "多出的格") and kept["warnings"]


def test_unclosed_quote_does_not_swallow_the_rows_after_it(db, tmp_path):
    ids = _people(8)
    lines = [f"{pid},人员{i},1380000000{i},地址{i}" for i, pid in enumerate(ids)]
    lines[2] = f'{ids[2]},"张三,13800000002,地址2'  # the quote is never closed
    folder = tmp_path / "quote"
    folder.mkdir()
    (folder / "persons.csv").write_text("id_number,name,phone,address\n" + "\n".join(lines) + "\n",
                                        encoding="utf-8")
    result = load_dataset(db, folder)
    assert_accounted(db, result, {("persons", "persons.csv"): 8})
    names = db.read("MATCH (p:Person) RETURN p.id_number AS id, p.name AS name, p.phone AS phone")
    by_id = {row["id"]: row for row in names}
    assert len(by_id) == 8
    assert by_id[ids[2]]["name"] == "张三" and by_id[ids[2]]["phone"] == "13800000002"
    assert by_id[ids[3]]["name"] == "人员3", "the next row is its own row again"
    [note] = _issues(result, "corrected", "persons.csv")
    assert (note.row, note.column) == (4, "name") and "unclosed quote" in note.reason


def test_a_bad_ordinary_cell_is_blanked_and_the_row_kept(db, tmp_path):
    folder = tmp_path / "cells"
    ids = _people(3)
    write_table(folder, "units", ["unit_id", "name"], [["U1", "某县交通运输局"]])
    write_table(folder, "persons", PERSON_HEADER, [[pid, f"人员{i}", "", ""] for i, pid in enumerate(ids)])
    write_table(folder, "companies", ["credit_code", "name", "registered_capital"],
                [[credit_code(1), "某县宏达建筑工程有限公司", "100万元人民币"],
                 [credit_code(2), "香港某贸易有限公司", "50万美元"],
                 [credit_code(3), "某县某某公司", "约一百万"]])
    write_table(folder, "kinship", ["id_number", "relative_id_number", "relation"],
                [[ids[0], ids[1], "表哥"], [ids[0], ids[2], "干亲家"]])
    write_table(folder, "contracts", ["contract_id", "buyer_unit_id", "supplier_credit_code",
                                      "category", "amount", "signed_date", "approver_id_number"],
                [["HT-1", "U1", credit_code(1), "货物类", "1,000", "2023年1月", ids[0]],
                 ["HT-2", "U1", credit_code(1), "works", "2000", "2023-02-01", "12345"],
                 ["", "U1", credit_code(1), "works", "10", "2023-02-01", ""]])  # no own key
    result = load_dataset(db, folder)
    assert_accounted(db, result, {("companies", "companies.csv"): 3, ("kinship", "kinship.csv"): 2,
                                  ("contracts", "contracts.csv"): 3})
    contract = db.read("MATCH (k:Contract {contract_id: 'HT-1'}) RETURN k.signed_date AS d, "
                       "k.signed_date_period AS month, k.signed_date_raw AS raw, "
                       "k.category AS category, k.amount AS amount")[0]
    assert contract == {"d": None, "month": "2023-01", "raw": "2023年1月", "category": "goods",
                        "amount": 1000.0}
    approver = db.read("MATCH (k:Contract {contract_id: 'HT-2'}) OPTIONAL MATCH (k)-[:APPROVED_BY]->(p) "
                       "RETURN k.approver_id_number_raw AS raw, p AS approver, k.amount AS amount")[0]
    assert approver == {"raw": "12345", "approver": None, "amount": 2000.0}
    capital = {row["code"]: row for row in db.read(
        "MATCH (c:Company) RETURN c.credit_code AS code, c.registered_capital AS cny, "
        "c.registered_capital_foreign AS foreign, c.registered_capital_currency AS currency, "
        "c.registered_capital_raw AS raw")}
    assert (capital[credit_code(1)]["cny"], capital[credit_code(1)]["currency"]) == (1000000.0, None)
    assert capital[credit_code(2)]["cny"] is None, "dollars are never compared as yuan"
    assert (capital[credit_code(2)]["foreign"], capital[credit_code(2)]["currency"]) == (500000.0, "USD")
    assert capital[credit_code(3)]["raw"] == "约一百万" and capital[credit_code(3)]["cny"] is None
    relations = sorted(db.read("MATCH ()-[r:HAS_RELATIVE]->() RETURN r.relation AS relation, "
                               "r.relation_raw AS raw"), key=lambda row: row["raw"])
    assert relations == [{"relation": "other", "raw": "干亲家"}, {"relation": "other", "raw": "表哥"}]
    [rejected] = _issues(result, "rejected", "contracts.csv")
    assert (rejected.row, rejected.column) == (4, "contract_id")
    corrected = {(i.file, i.row, i.column) for i in _issues(result, "corrected")}
    assert {("contracts.csv", 2, "signed_date"), ("contracts.csv", 3, "approver_id_number"),
            ("companies.csv", 4, "registered_capital"), ("kinship.csv", 3, "relation")} <= corrected


def test_references_to_undefined_keys_become_flagged_stubs(db, tmp_path):
    folder = tmp_path / "phantoms"
    ids = _people(2)
    write_table(folder, "units", ["unit_id", "name"], [["U1", "某县交通运输局"]])
    write_table(folder, "persons", PERSON_HEADER, [[ids[0], "王建国", "", ""]])
    write_table(folder, "positions", ["id_number", "unit_id", "title"],
                [[ids[0], "U1", "局长"], [ids[1], "U1", "科员"]])       # ids[1]: no person row
    write_table(folder, "contracts", ["contract_id", "buyer_unit_id", "supplier_credit_code", "amount"],
                [["HT-1", "U9", credit_code(5), "100"],                     # mistyped unit
                 ["HT-2", "U9", credit_code(5), "200"]])
    result = load_dataset(db, folder)
    assert_accounted(db, result, {("positions", "positions.csv"): 2, ("contracts", "contracts.csv"): 2})
    stubs = {row["key"]: row for row in db.read(
        "MATCH (n {stub: true}) RETURN coalesce(n.unit_id, n.credit_code, n.id_number) AS key, "
        "labels(n)[0] AS label, n.src_file AS file, n.src_row AS row, n.stub_column AS column, "
        "n.src_dataset AS dataset")}
    assert stubs["U9"] == {"key": "U9", "label": "Unit", "file": "contracts.csv", "row": 2,
                           "column": "buyer_unit_id", "dataset": "phantoms"}
    assert stubs[credit_code(5)]["label"] == "Company"
    assert stubs[ids[1]]["file"] == "positions.csv" and stubs[ids[1]]["column"] == "id_number"
    assert "U1" not in stubs and ids[0] not in stubs
    lines = {(i.file, i.row, i.column, i.value): i.reason for i in _issues(result, "reference")}
    assert "2 more row(s)" not in lines[("contracts.csv", 2, "buyer_unit_id", "U9")]
    assert "1 more row(s)" in lines[("contracts.csv", 2, "buyer_unit_id", "U9")]
    assert ("positions.csv", 3, "id_number", ids[1]) in lines and len(lines) == 3
    assert result.stubs == 3
    write_table(folder, "units", ["unit_id", "name"], [["U1", "某县交通运输局"], ["U9", "某县水利局"]])
    again = load_dataset(db, folder)
    unit = db.read("MATCH (u:Unit {unit_id: 'U9'}) RETURN u.stub AS stub, u.src_file AS file, "
                   "u.name AS name")[0]
    assert unit == {"stub": None, "file": "units.csv", "name": "某县水利局"}
    assert again.stubs == 2, "the unit's own row ended its stub"


def test_tables_are_found_by_their_headers_and_other_files_reported(db, tmp_path):
    folder = tmp_path / "named"
    ids = _people(2)
    write_table(folder, "persons", PERSON_HEADER, [[pid, "甲", "", ""] for pid in ids])
    (folder / "contracts_2023.csv").write_text(
        "合同编号,合同金额,签订日期\nHT-1,100,2023-01-05\nHT-2,200,2023-02-05\n", encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.title = "台账"
    book.active.append(["流水号", "付款账号", "收款账号", "金额"])
    book.active.append(["TX-1", "6222000000000001", "6222000000000002", 50])
    book.save(folder / "2023年资金流水台账.xlsx")
    (folder / "说明.csv").write_text("序号,备注\n1,本表为测试\n", encoding="utf-8")
    (folder / "readme.txt").write_text("hello", encoding="utf-8")
    result = load_dataset(db, folder)
    assert set(result.counts) == {"persons", "contracts", "transactions"}
    assert_accounted(db, result, {("contracts", "contracts_2023.csv"): 2,
                                  ("transactions", "2023年资金流水台账.xlsx"): 1})
    ignored = {issue.file: issue for issue in _issues(result, "ignored")}
    assert set(ignored) == {"说明.csv", "readme.txt"}
    assert "matches no table" in ignored["说明.csv"].reason and ignored["说明.csv"].value == "序号, 备注"


def test_one_file_feeds_persons_and_posts_through_a_profile(db, tmp_path):
    folder = tmp_path / "roster"
    ids = _people(3)
    write_table(folder, "花名册2024", ["公民身份号码", "姓名", "单位代码", "现任职务", "任职时间"],
                [[ids[0], "张三", "U1", "局长", "2019年3月"], [ids[1], "李四", "U1", "科员", "2020-01-01"],
                 [ids[2], "王五", "", "", ""]], encoding="gb18030")
    profile = tmp_path / "roster.yaml"
    profile.write_text(
        "persons:\n  file: \"花名册*.csv\"\n  columns: {公民身份号码: id_number, 姓名: name, "
        "单位代码: ~, 现任职务: ~, 任职时间: ~}\n"
        "positions:\n  file: \"花名册*.csv\"\n  columns: {公民身份号码: id_number, 姓名: ~, "
        "单位代码: unit_id, 现任职务: title, 任职时间: start_date}\n", encoding="utf-8")
    result = load_dataset(db, folder, profile=load_profile(profile))
    assert_accounted(db, result, {("persons", "花名册2024.csv"): 3, ("positions", "花名册2024.csv"): 3})
    posts = db.read("MATCH (p:Person)-[r:HOLDS_POSITION]->(u:Unit) RETURN p.name AS name, "
                    "r.start_date AS start, r.start_date_period AS month ORDER BY name")
    assert [(row["name"], row["month"]) for row in posts] == [("张三", "2019-03"), ("李四", None)]
    assert posts[0]["start"] is None, "a month is never turned into a made-up day"
    [no_post] = _issues(result, "rejected", "花名册2024.csv")
    assert (no_post.row, no_post.column) == (4, "unit_id")


def test_implausible_values_are_loaded_with_warnings(db, tmp_path):
    folder = tmp_path / "odd"
    ids = _people(2)
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    write_table(folder, "persons", ["id_number", "name", "death_date"],
                [[ids[0], "甲", "1969-05-01"], [ids[1], "乙", ""]])          # died before birth
    write_table(folder, "units", ["unit_id", "name"], [["U1", "某局"]])
    write_table(folder, "positions", ["id_number", "unit_id", "title", "start_date", "end_date"],
                [[ids[1], "U1", "科员", "2020-01-01", "2019-01-01"]])      # ends before it starts
    write_table(folder, "contracts", ["contract_id", "amount", "signed_date"],
                [["HT-1", "-5000", "2023-01-01"], ["HT-2", "10", future], ["HT-3", "10", "1888-01-01"]])
    result = load_dataset(db, folder)
    assert_accounted(db, result, {("contracts", "contracts.csv"): 3, ("persons", "persons.csv"): 2,
                                  ("positions", "positions.csv"): 1})
    warned = {(i.file, i.row, i.column): i.reason for i in _issues(result, "warning")}
    assert warned[("persons.csv", 2, "death_date")].startswith("death before birth")
    assert warned[("positions.csv", 2, "end_date")].startswith("ends before it starts")
    assert warned[("contracts.csv", 2, "amount")].startswith("negative amount")
    assert warned[("contracts.csv", 3, "signed_date")].startswith("date in the future")
    assert warned[("contracts.csv", 4, "signed_date")].startswith("date before 1900")
    kept = db.read("MATCH (k:Contract {contract_id: 'HT-1'}) RETURN k.amount AS amount, "
                   "k.warnings AS warnings")[0]
    assert kept["amount"] == -5000.0 and kept["warnings"][0].startswith("amount: negative")
    post = db.read("MATCH ()-[r:HOLDS_POSITION]->() RETURN r.warnings AS warnings")[0]
    assert post["warnings"][0].startswith("end_date: ends before it starts")


def test_formula_cells_without_stored_values_are_reported(db, tmp_path):
    folder = tmp_path / "formulas"
    folder.mkdir()
    book = openpyxl.Workbook()  # openpyxl stores formulas without their results, as scripts do
    book.active.append(["contract_id", "amount", "title"])
    book.active.append(["HT-1", "=100*2", "道路维修"])
    book.active.append(["=\"HT-\"&2", 300, "绿化"])
    book.save(folder / "contracts.xlsx")
    result = load_dataset(db, folder)
    assert_accounted(db, result, {("contracts", "contracts.xlsx"): 2})
    [blank] = _issues(result, "corrected")
    assert (blank.row, blank.column, blank.value) == (2, "amount", "=100*2")
    assert "formula without a stored value" in blank.reason
    [rejected] = _issues(result, "rejected")
    assert (rejected.row, rejected.column) == (3, "contract_id")
    assert db.read("MATCH (k:Contract) RETURN k.title AS title, k.amount AS amount") == [
        {"title": "道路维修", "amount": None}]
    assert_complete(result.report)


def test_a_load_failing_halfway_leaves_its_report_and_a_failed_run(db, tmp_path):
    folder = tmp_path / "halfway"
    ids = _people(60)
    rows = [f"{pid},人员{i},,".encode() for i, pid in enumerate(ids)]
    rows[3] = f"{ids[3]},坏号,,".replace(ids[3], ids[3][:-1] + "0" if ids[3][-1] != "0" else "1")
    rows[3] = rows[3].encode()
    rows[55] = f"{ids[55]},".encode() + "张三".encode("gbk") + b",,"  # not UTF-8
    folder.mkdir()
    (folder / "persons.csv").write_bytes(b"id_number,name,phone,address\n" + b"\n".join(rows) + b"\n")
    profile = tmp_path / "utf8.yaml"
    profile.write_text("persons:\n  encoding: utf-8\n", encoding="utf-8")
    reports = tmp_path / "reports"
    with pytest.raises(LoadFailed, match="not valid utf-8 after row .*load report so far: .*load-report"):
        load_dataset(db, folder, profile=load_profile(profile), report_dir=reports, batch_size=10)
    [report] = reports.glob("load-report-*.csv")
    assert "persons.csv,5,id_number" in report.read_text(encoding="utf-8-sig")
    run = db.read("MATCH (r:LoadRun) RETURN r.status AS status, r.report AS report")
    assert run == [{"status": "failed", "report": str(report)}]
    assert 0 < db.read("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] < 60
