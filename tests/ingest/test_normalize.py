"""Typing and validating rows: what is tidied silently, corrected with a report, or rejected."""
from __future__ import annotations

import csv
import datetime

import pytest
from stdnum.cn import ric, uscc

from ingest.normalize import normalize_row
from ingest.report import IssueReport
from ingest.readers import read_rows
from ingest.records import SourceRow
from ingest.tables import load_tables_spec

SPEC = load_tables_spec()


def id_number(born: str = "19800101", sequence: str = "001", region: str = "110105") -> str:
    body = region + born + sequence
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str = "91110000600037341") -> str:
    return body + uscc.calc_check_digit(body)


def normalize(table: str, row: int = 2, **values: str):
    return normalize_row(SPEC[table], SourceRow(table, f"{table}.csv", row, values))


def fullwidth(text: str) -> str:
    return text.translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})


def test_fifteen_digit_number_is_upgraded_and_reported():
    legacy = "110105800101001"
    record, [issue] = normalize("persons", id_number=legacy)
    assert record.values["id_number"] == id_number("19800101", "001")
    assert (issue.column, issue.value, issue.action) == ("id_number", legacy, "corrected")
    assert "15-digit" in issue.reason


def test_bad_check_digit_rejects_the_row_naming_row_column_and_reason():
    good = id_number()
    wrong_digit = "7" if good[-1] != "7" else "8"
    bad = good[:-1] + wrong_digit
    record, [issue] = normalize("persons", row=57, id_number=bad, name="张三")
    assert record is None
    assert (issue.file, issue.row, issue.column, issue.value) == ("persons.csv", 57, "id_number", bad)
    assert issue.reason == f"invalid check digit: should be {good[-1]}, found {wrong_digit}"
    assert issue.action == "rejected"


def test_lowercase_x_fullwidth_digits_spaces_and_dashes_are_silent():
    number = next(id_number(sequence=f"{n:03d}") for n in range(1, 100) if id_number(sequence=f"{n:03d}").endswith("X"))
    for written in (number.lower(), fullwidth(number), f"{number[:6]} {number[6:14]}-{number[14:]}"):
        record, issues = normalize("persons", id_number=written)
        assert record.values["id_number"] == number and issues == []


def test_invalid_reference_identifier_is_blanked_and_the_row_kept():
    record, [issue] = normalize("contracts", contract_id="HT-1", approver_id_number="12345",
                                title="道路维修")
    assert record.values["approver_id_number"] is None and record.values["title"] == "道路维修"
    assert record.extra["approver_id_number_raw"] == "12345"
    assert (issue.column, issue.action) == ("approver_id_number", "corrected")
    assert "wrong length" in issue.reason and "original kept" in issue.reason


def test_invalid_own_key_still_rejects_the_row():
    record, [issue] = normalize("persons", id_number="12345", name="张三")
    assert record is None and (issue.column, issue.action) == ("id_number", "rejected")


def test_impossible_birth_date_inside_the_number_is_rejected():
    record, [issue] = normalize("persons", id_number=id_number(born="19800231"))
    assert record is None and "not a real date" in issue.reason


def test_birth_date_and_gender_contradicting_the_number_are_corrected():
    number = id_number(born="19800101", sequence="001")  # odd sequence: male
    record, issues = normalize("persons", id_number=number, birth_date="1980-01-02", gender="女")
    assert record.values["birth_date"] == datetime.date(1980, 1, 1)
    assert record.values["gender"] == "male"
    assert {(issue.column, issue.action) for issue in issues} == {("birth_date", "corrected"), ("gender", "corrected")}


def test_mixed_date_forms():
    dates = ["2023-05-01", "2023/5/1", "2023年5月1日", "20230501", "2023.05.01", fullwidth("2023-05-01")]
    for text in dates:
        record, issues = normalize("contracts", contract_id="HT-1", signed_date=text)
        assert record.values["signed_date"] == datetime.date(2023, 5, 1), text
        assert issues == []


def test_invalid_date_is_blanked_with_column_and_value():
    record, [issue] = normalize("contracts", contract_id="HT-1", signed_date="2023-02-30")
    assert record.values["signed_date"] is None and record.extra["signed_date_raw"] == "2023-02-30"
    assert (issue.column, issue.value, issue.action) == ("signed_date", "2023-02-30", "corrected")
    assert issue.reason.startswith("not a real date: 2023-02-30")


def test_month_precision_date_is_kept_as_a_period_never_a_made_up_day():
    record, [issue] = normalize("contracts", contract_id="HT-1", signed_date="2023年1月")
    assert record.values["signed_date"] is None
    assert record.extra["signed_date_period"] == "2023-01"
    assert record.extra["signed_date_raw"] == "2023年1月" and issue.action == "corrected"


@pytest.mark.parametrize("text, amount", [
    ("1,234.50", 1234.5), ("1234.5", 1234.5), ("¥1,234.50", 1234.5), ("1234.5元", 1234.5),
    (fullwidth("1,234.50"), 1234.5), ("12.5万元", 125000.0), ("1.2亿元", 120000000.0),
    ("100万元人民币", 1000000.0), ("人民币 5,000 元整", 5000.0),
])
def test_amounts(text, amount):
    record, issues = normalize("contracts", contract_id="HT-1", amount=text)
    assert record.values["amount"] == amount and issues == []


def test_negative_amount_is_loaded_with_a_warning():
    record, [issue] = normalize("contracts", contract_id="HT-1", amount="-300")
    assert record.values["amount"] == -300.0 and issue.action == "warning"
    assert record.extra["warnings"] == ["amount: negative amount: -300"]


def test_amount_in_a_foreign_currency_keeps_its_currency():
    record, issues = normalize("companies", credit_code=credit_code(), registered_capital="50万美元")
    assert record.values["registered_capital"] == 500000.0 and issues == []
    assert record.extra["registered_capital_currency"] == "USD"


def test_unclear_amount_is_blanked():
    record, [issue] = normalize("contracts", contract_id="HT-1", amount="1,23")
    assert record.values["amount"] is None and issue.reason.startswith("unreadable amount")
    assert issue.action == "corrected" and record.extra["amount_raw"] == "1,23"


def test_empty_cell_is_unknown_never_zero():
    record, issues = normalize("contracts", contract_id="HT-1", amount="  ", signed_date="")
    assert record.values["amount"] is None and record.values["signed_date"] is None and issues == []


def test_required_column_left_empty_rejects_the_row():
    record, [issue] = normalize("contracts", contract_id=" ", title="x")
    assert record is None and issue.column == "contract_id" and issue.reason.startswith("missing value")


def test_chinese_enum_values_map_to_english_ids():
    record, issues = normalize("contracts", contract_id="HT-1", method="竞争性磋商", category="工程")
    assert (record.values["method"], record.values["category"]) == ("competitive_negotiation", "works")
    record, _ = normalize("kinship", id_number=id_number(), relative_id_number=id_number(sequence="002"),
                          relation="小姨子")
    assert record.values["relation"] == "sibling_in_law"


def test_unknown_enum_value_is_blanked_listing_allowed_values():
    record, [issue] = normalize("contracts", contract_id="HT-1", method="框架协议")
    assert record.values["method"] is None and record.extra["method_raw"] == "框架协议"
    assert "public_tender (公开招标)" in issue.reason and "direct (直接采购)" in issue.reason


def test_category_and_relation_synonyms():
    record, issues = normalize("contracts", contract_id="HT-1", category="货物类")
    assert record.values["category"] == "goods" and issues == []
    record, issues = normalize("kinship", id_number=id_number(),
                               relative_id_number=id_number(sequence="002"), relation="表哥")
    assert record.values["relation"] == "other" and record.extra["relation_raw"] == "表哥"
    assert issues == []


def test_invalid_phone_is_left_empty_and_reported_without_rejecting():
    record, [issue] = normalize("persons", id_number=id_number(), phone="不详")
    assert record.values["phone"] is None and issue.action == "corrected"
    record, issues = normalize("persons", id_number=id_number(), phone="+86 138-0013-8000")
    assert record.values["phone"] == "13800138000" and issues == []


def test_credit_code_is_upper_cased_and_checked():
    code = credit_code()
    record, issues = normalize("companies", credit_code=fullwidth(code.lower()))
    assert record.values["credit_code"] == code and issues == []
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    record, [issue] = normalize("companies", credit_code=wrong)
    assert record is None and issue.reason.startswith(f"invalid check character: should be {code[-1]}")


def test_exactly_one_holder_is_required():
    base = {"credit_code": credit_code(), "role": "股东"}
    record, [issue] = normalize("company_roles", **base)
    assert record is None and issue.column == "holder_id_number/holder_credit_code"
    record, [issue] = normalize("company_roles", holder_id_number=id_number(),
                                holder_credit_code=credit_code(), **base)
    assert record is None and issue.reason.startswith("ambiguous")
    record, issues = normalize("company_roles", holder_id_number=id_number(), share_pct="35%", **base)
    assert record.values["share_pct"] == 35.0 and record.values["role"] == "shareholder" and not issues


def test_text_lists_programs_and_extra_columns():
    record, _ = normalize("subsidies", payment_id="P1", program="低保", unit_id=" ＸＺ００１ ")
    assert record.values["program"] == "subsistence_allowance" and record.values["unit_id"] == "XZ001"
    record, _ = normalize("positions", id_number=id_number(), unit_id="U1", duties="采购；基建、 subsidy approval")
    assert record.values["duties"] == ["采购", "基建", "subsidy approval"]
    source = SourceRow("persons", "persons.csv", 2, {"id_number": id_number(), "name": "张  三"},
                       {"备注": " ＶＩＰ  客户 ", "空": " "})
    record, _ = normalize_row(SPEC["persons"], source)
    assert record.values["name"] == "张三" and record.extra == {"备注": "VIP 客户"}


def test_issue_report_csv_opens_in_excel_and_summarises(tmp_path):
    path = tmp_path / "persons.csv"
    bad = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")
    path.write_text(f"身份证号,联系电话\n{bad},123\n{bad},\n110105800101001,\n", encoding="utf-8")
    report = IssueReport()
    for row in read_rows("persons", path):
        report.extend(normalize_row(SPEC["persons"], row)[1])
    written = report.write_csv(tmp_path / "issues.csv")
    assert written.read_bytes().startswith(b"\xef\xbb\xbf")
    with written.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["row"], row["column"], row["action"]) for row in rows] == [
        ("2", "phone", "corrected"), ("2", "id_number", "rejected"),
        ("3", "id_number", "rejected"), ("4", "id_number", "corrected")]
    assert report.rejected_rows == 2
    top = report.summary()[0]
    assert (top.column, top.reason, top.action, top.count) == ("id_number", "invalid check digit", "rejected", 2)
