"""Mapping profiles: loading, applying to real exports, and drafting one from a file."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml
from stdnum.cn import ric, uscc

from ingest.normalize import normalize_row
from ingest.profiles import ProfileError, load_profile, suggest_profile, suggest_profile_yaml
from ingest.discovery import discover_tables
from ingest.readers import read_rows
from ingest.tables import load_tables_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_tables_spec()


def id_number(born: str = "19800101", sequence: str = "001") -> str:
    body = "110105" + born + sequence
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str = "91110000600037341") -> str:
    return body + uscc.calc_check_digit(body)


def records(table, source, profile=None):
    return [normalize_row(SPEC[table], row) for row in read_rows(table, source, profile)]


def test_example_profile_reads_a_gbk_hr_export(tmp_path):
    profile = load_profile(ROOT / "profiles" / "example-gbk-hr.yaml")
    assert set(profile.tables) == {"persons", "positions"}
    export = tmp_path / "花名册2023.csv"
    export.write_bytes(
        f"姓名,公民身份号码,性别,政治面貌,出生年月日\n张三,{id_number()},男性,中共党员,1980年1月1日\n".encode("gb18030"))
    assert discover_tables(tmp_path, profile) == {"persons": export}
    [(record, issues)] = records("persons", export, profile)
    assert record.values["id_number"] == id_number() and record.values["gender"] == "male"
    assert record.extra == {"政治面貌": "中共党员"} and issues == []


def test_profile_maps_headers_and_values(tmp_path):
    profile_path = tmp_path / "procurement.yaml"
    profile_path.write_text(
        "contracts:\n"
        "  columns: {合同号: contract_id, 供应商代码: supplier_credit_code, 审批人证件号码: approver_id_number,\n"
        "            方式: method, 金额: amount}\n"
        "  values:\n"
        "    method: {公开: public_tender, 1: single_source}\n"
        "  units: {amount: 万元}\n", encoding="utf-8")
    profile = load_profile(profile_path)
    export = tmp_path / "台账.csv"
    export.write_text(
        "合同号,方式,供应商代码,审批人证件号码,金额\n"
        f"HT-1,公开,{credit_code()},{id_number()},12.5\n"
        f"HT-2,1,{credit_code()},{id_number()},300元\n"
        f"HT-3,公开招标,{credit_code()},{id_number()},\n", encoding="utf-8")
    results = [record.values for record, _ in records("contracts", export, profile)]
    assert [values["method"] for values in results] == ["public_tender", "single_source", "public_tender"]
    assert [values["amount"] for values in results] == [125000.0, 300.0, None]


def test_profile_values_stay_strings_in_yaml(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text("bids:\n  values:\n    won: {是: true, yes: false, 01: true}\n", encoding="utf-8")
    assert load_profile(path).tables["bids"].values == {"won": {"是": "true", "yes": "false", "01": "true"}}


@pytest.mark.parametrize("text, message", [
    ("persons:\n  columns: {证件号码: id_no}\n", "unknown column 'id_no'"),
    ("people:\n  columns: {}\n", "unknown table 'people'"),
    ("persons:\n  colums: {}\n", "unknown key colums"),
    ("persons:\n  encoding: big-five\n", "unknown encoding"),
    ("persons:\n  units: {phone: 万元}\n", "units apply to amount columns"),
])
def test_profile_errors_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_suggest_recognises_a_roster_and_proposes_value_maps(tmp_path):
    export = tmp_path / "干部花名册.csv"
    export.write_bytes(
        "证件号码,姓名,性别,部门,出生年月,手机号\n"
        f"{id_number()},张三,男,财务科,1980-01-01,13800138000\n"
        f"{id_number(sequence='002')},李四,女,办公室,1980-01-01,\n".encode("gb18030"))
    suggestion = suggest_profile(export)
    assert list(suggestion) == ["persons"]
    persons = suggestion["persons"]
    assert persons["encoding"] == "gb18030" and persons["file"] == "干部花名册.csv"
    assert persons["columns"] == {"证件号码": "id_number", "姓名": "name", "性别": "gender", "部门": None,
                                  "出生年月": "birth_date", "手机号": "phone"}
    assert persons["values"] == {"gender": {"男": "male", "女": "female"}}
    text = suggest_profile_yaml(export)
    assert "部门: ~  # ?" in text
    assert yaml.safe_load(text)["persons"]["columns"]["证件号码"] == "id_number"


def test_suggested_profile_loads_and_reads_the_file_it_came_from(tmp_path):
    export = tmp_path / "采购台账.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["合同编号", "供应商统一社会信用代码", "合同金额（万元）", "采购方式", "备注: 其他"])
    workbook.active.append(["HT-1", credit_code(), 12.5, "公开招标", ""])
    workbook.active.append(["HT-2", credit_code(), 3, "框架协议", ""])
    workbook.save(export)
    contracts = suggest_profile(export)["contracts"]
    assert contracts["units"] == {"amount": "万元"}
    assert contracts["values"] == {"method": {"公开招标": "public_tender"}}
    text = suggest_profile_yaml(export)
    assert "# 框架协议: ?" in text
    profile_path = tmp_path / "suggested.yaml"
    profile_path.write_text(text, encoding="utf-8")
    profile = load_profile(profile_path)
    (first, _), (second, [issue]) = records("contracts", export, profile)
    assert first.values["amount"] == 125000.0 and first.values["method"] == "public_tender"
    assert second.values["method"] is None and second.extra["method_raw"] == "框架协议"
    assert (issue.column, issue.action) == ("method", "corrected")
    assert first.extra == {} and profile.tables["contracts"].columns["备注: 其他"] is None


def test_suggested_profile_routes_every_sheet_of_an_unnamed_workbook(tmp_path):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    export = dataset / "2023年数据.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "台账"
    workbook.active.append(["合同编号", "采购方式"])
    payments = workbook.create_sheet("发放")
    payments.append(["发放编号", "身份证号码", "补贴项目", "发放金额"])
    payments.append(["P1", id_number(), "低保", "1,200"])
    workbook.save(export)
    profile_path = tmp_path / "profile.yaml"
    profile_path.write_text(suggest_profile_yaml(export), encoding="utf-8")
    profile = load_profile(profile_path)
    tables = discover_tables(dataset, profile)
    assert tables == {"contracts": (export, "台账"), "subsidies": (export, "发放")}
    [(record, issues)] = records("subsidies", tables["subsidies"], profile)
    assert record.values["recipient_id_number"] == id_number() and record.values["amount"] == 1200.0
    assert record.values["program"] == "subsistence_allowance" and issues == []


def test_suggest_skips_sheets_with_no_recognised_header(tmp_path):
    export = tmp_path / "说明.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["本表说明", "随便写的"])
    workbook.save(export)
    assert suggest_profile(export) == {}
    assert "No header matched" in suggest_profile_yaml(export)
