"""Reading real files as counties send them: encodings, headers, workbooks, blank rows."""
from __future__ import annotations

import datetime

import openpyxl
import pytest
from stdnum.cn import ric, uscc

from ingest.normalize import normalize_row
from ingest.discovery import discover_tables
from ingest.readers import (
    DatasetError,
    EncodingError,
    HeaderError,
    detect_encoding,
    read_rows,
)
from ingest.tables import load_tables_spec


def id_number(born: str = "19800101", sequence: str = "001", region: str = "110105") -> str:
    body = region + born + sequence
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str = "91110000600037341") -> str:
    return body + uscc.calc_check_digit(body)


def test_utf8_with_bom_and_english_headers(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_bytes(f"id_number,name\n{id_number()},Wang Fang\n".encode("utf-8-sig"))
    assert detect_encoding(path) == "utf-8-sig"
    [row] = read_rows("persons", path)
    assert row.values == {"id_number": id_number(), "name": "Wang Fang"}
    assert (row.file, row.row) == ("persons.csv", 2)


def test_gb18030_chinese_headers_any_order_unknown_column_kept(tmp_path):
    path = tmp_path / "人员.csv"
    text = f"政治面貌,姓名,身份证号,性别\n中共党员,张三,{id_number()},男\n群众,李四,{id_number(sequence='002')},女\n"
    path.write_bytes(text.encode("gb18030"))
    assert detect_encoding(path) == "gb18030"
    rows = list(read_rows("persons", path))
    assert [row.values["name"] for row in rows] == ["张三", "李四"]
    assert rows[0].values["gender"] == "男"
    assert rows[0].extra == {"政治面貌": "中共党员"}
    assert [row.row for row in rows] == [2, 3]


def test_gbk_late_in_a_mostly_ascii_file_is_still_detected(tmp_path):
    path = tmp_path / "persons.csv"
    lines = ["id_number,name"] + [f"{id_number()},Name {n}" for n in range(5000)] + [f"{id_number()},王五"]
    path.write_bytes("\n".join(lines).encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    assert list(read_rows("persons", path))[-1].values["name"] == "王五"


def test_file_neither_utf8_nor_gb18030_names_the_file(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_bytes(b"id_number,name\n1,\x80\n")
    with pytest.raises(EncodingError, match="persons.csv.*neither UTF-8 nor GB18030"):
        list(read_rows("persons", path))


def test_blank_rows_are_skipped_but_row_numbers_match_the_spreadsheet(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text(f"id_number,name\n\n,\n{id_number()},A\n", encoding="utf-8")
    [row] = read_rows("persons", path)
    assert row.row == 4


def test_old_mac_line_ends_and_a_carriage_return_inside_quotes(tmp_path):
    path = tmp_path / "persons.csv"
    first, second = id_number(sequence="011"), id_number(sequence="012")
    path.write_bytes(f'id_number,name,address\r{first},张三,"一号\r二号"\r{second},李四,\r'
                     .encode("gb18030"))
    rows = list(read_rows("persons", path))
    assert [(row.row, row.values["name"]) for row in rows] == [(2, "张三"), (3, "李四")]
    assert rows[0].values["address"] == "一号\r二号"


def test_title_row_above_the_header_is_skipped(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text(f"2023年全县干部花名册,\n姓名,身份证号\n张三,{id_number()}\n", encoding="utf-8")
    [row] = read_rows("persons", path)
    assert (row.row, row.values["name"]) == (3, "张三")


def test_tab_and_semicolon_delimiters_are_sniffed(tmp_path):
    for delimiter in ("\t", ";"):
        path = tmp_path / "persons.csv"
        path.write_text(f"id_number{delimiter}address\n{id_number()}{delimiter}1, Main St\n", encoding="utf-8")
        [row] = read_rows("persons", path)
        assert row.values["address"] == "1, Main St"


def test_missing_required_column_names_file_column_and_fix(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text("证件号码,姓名\n1,张三\n", encoding="utf-8")
    with pytest.raises(HeaderError) as error:
        read_rows("persons", path)
    message = str(error.value)
    assert "persons.csv" in message and "id_number [身份证号]" in message
    assert "证件号码" in message and "lianjian map suggest" in message


def test_one_of_group_without_any_column_is_a_header_error(tmp_path):
    path = tmp_path / "company_roles.csv"
    path.write_text(f"credit_code,role\n{credit_code()},股东\n", encoding="utf-8")
    with pytest.raises(HeaderError, match="holder_id_number .* or holder_credit_code"):
        read_rows("company_roles", path)


def test_two_headers_for_one_column_is_a_header_error(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text("id_number,身份证号\n1,2\n", encoding="utf-8")
    with pytest.raises(HeaderError, match="both name column id_number"):
        read_rows("persons", path)


def test_xlsx_workbook_with_sheets_named_by_table(tmp_path):
    path = tmp_path / "县纪委数据.xlsx"
    workbook = openpyxl.Workbook()
    persons = workbook.active
    persons.title = "人员"
    persons.append(["出生日期", "身份证号", "姓名"])
    persons.append([datetime.datetime(1980, 1, 1), id_number(), "张三"])
    persons.append([None, None, None])
    persons.append([None, id_number(sequence="002"), "李四"])
    roles = workbook.create_sheet("company_roles")
    roles.append(["credit_code", "holder_id_number", "role", "share_pct"])
    roles.append([credit_code(), id_number(), "股东", 0.35])
    roles["D2"].number_format = "0%"
    workbook.create_sheet("说明").append(["这是说明"])
    workbook.save(path)

    tables = discover_tables(tmp_path)
    assert tables == {"persons": (path, "人员"), "company_roles": (path, "company_roles")}
    rows = list(read_rows("persons", tables["persons"]))
    assert [(row.row, row.values["name"]) for row in rows] == [(2, "张三"), (4, "李四")]
    assert rows[0].values["birth_date"] == "1980-01-01"
    assert rows[0].file == "县纪委数据.xlsx!人员"
    [role] = read_rows("company_roles", tables["company_roles"])
    assert role.values["share_pct"] == "35%"
    record, issues = normalize_row(load_tables_spec()["company_roles"], role)
    assert record.values["share_pct"] == 35.0 and issues == []


def test_xlsx_named_after_table_uses_first_sheet(tmp_path):
    path = tmp_path / "persons.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["id_number", "name", "phone"])
    workbook.active.append([id_number(), "A", 13800138000])
    workbook.save(path)
    assert discover_tables(tmp_path) == {"persons": (path, "Sheet")}
    [row] = read_rows("persons", path)
    assert row.values["phone"] == "13800138000"
    assert row.file == "persons.xlsx"


def test_identity_number_typed_as_an_excel_number_is_rejected_with_the_reason(tmp_path):
    path = tmp_path / "persons.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["id_number"])
    workbook.active.append([float(id_number())])
    workbook.save(path)
    [row] = read_rows("persons", path)
    record, [issue] = normalize_row(load_tables_spec()["persons"], row)
    assert record is None
    assert "scientific notation" in issue.reason and "format the column as text" in issue.reason


def test_discover_ignores_truth_and_unrelated_files(tmp_path):
    (tmp_path / "truth.csv").write_text("case_id,pattern,entity_ids\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "Contracts.CSV").write_text("contract_id\n", encoding="utf-8")
    (tmp_path / "资金流水.csv").write_text("txn_id\n", encoding="utf-8")
    assert set(discover_tables(tmp_path)) == {"contracts", "transactions"}


def test_discover_refuses_two_sources_for_one_table(tmp_path):
    (tmp_path / "persons.csv").write_text("id_number\n", encoding="utf-8")
    (tmp_path / "人员.csv").write_text("id_number\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="persons.*keep one"):
        discover_tables(tmp_path)


def test_extra_cells_beyond_the_header_are_kept(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text(f"id_number,name\n{id_number()},A,stray\n", encoding="utf-8")
    [row] = read_rows("persons", path)
    assert row.extra == {"column_3": "stray"}
