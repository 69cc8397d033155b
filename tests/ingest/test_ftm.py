"""FollowTheMoney import and export: mapping, reported gaps, and a lossless round trip."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from followthemoney import model

from ingest.ftm import read_ftm, write_ftm
from ingest.records import Record
from ingest.resolve import find_matches


def entity(schema: str, entity_id: str, **properties) -> dict:
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for prop, values in properties.items():
        for value in values if isinstance(values, list) else [values]:
            proxy.add(prop, value)
    return proxy.to_dict()


STREAM = [
    entity("Person", "p-zhang", name="张伟", idNumber="11010519491231002X",
           birthDate="1949-12-31", gender="male", phone="+8613800138000"),
    entity("Person", "p-li", name=["李娜", "Li Na"], birthDate="1975-03-02"),
    entity("Person", "p-wang", name="王芳", idNumber="110105194912310021"),  # bad check digit
    entity("Company", "c-hua", name="北京华强贸易有限公司", uscCode="91110000600037341L"),
    entity("Company", "c-shell", name="Shell Trading Ltd", registrationNumber="01234567"),
    entity("Organization", "o-assoc", name="华强商会"),
    entity("PublicBody", "u-bureau", name="某县交通运输局"),
    entity("Ownership", "own-1", owner="p-li", asset="c-hua", percentage="60",
           startDate="2015-01-01"),
    entity("Ownership", "own-2", owner="c-shell", asset="c-hua", percentage="40%"),
    entity("Directorship", "dir-1", director="p-zhang", organization="c-shell", role="总经理"),
    entity("Directorship", "dir-2", director="p-wang", organization="c-hua",
           role="Legal representative"),
    entity("Family", "fam-1", person="p-zhang", relative="p-li", relationship="wife"),
    entity("Family", "fam-2", person="p-zhang", relative="p-wang", relationship="岳母"),
    entity("BankAccount", "acct-1", accountNumber="6222 0212 3456 7890", bankName="工商银行"),
    entity("Ownership", "own-3", owner="p-li", asset="acct-1"),
    entity("Payment", "pay-1", payer="c-hua", beneficiary="p-zhang", amount="50000",
           currency="CNY", date="2020-05-01", purpose="咨询费"),
    entity("Payment", "pay-2", payerAccount="acct-1", beneficiary="c-shell", amount="1200.5",
           date="2021-01-02"),
    entity("Contract", "con-1", title="道路养护", authority="u-bureau", amount="1000000",
           contractDate="2019-06-01"),
    entity("ContractAward", "award-1", contract="con-1", supplier="c-hua", amount="900000"),
    entity("Contract", "con-2", title="办公用品", authority="u-bureau", amount="5000"),
    entity("Address", "addr-1", full="北京市朝阳区"),
    entity("Ownership", "own-bad", owner="p-missing", asset="c-hua"),
    entity("Directorship", "dir-bad", director="u-bureau", organization="c-hua"),
]


def write_stream(path: Path, entities: list[dict], tail: str = "") -> Path:
    lines = [json.dumps(e, ensure_ascii=False) for e in entities]
    path.write_text("\n".join(lines) + "\n" + tail, encoding="utf-8")
    return path


def by_key(records: list[Record], *columns: str) -> dict:
    return {tuple(r.values.get(c) for c in columns): r for r in records}


def test_entities_map_to_canonical_tables(tmp_path):
    result = read_ftm(write_stream(tmp_path / "s.ftm", STREAM, tail="{not json\n"))
    persons = by_key(result.records["persons"], "id_number")
    assert persons[("11010519491231002X",)].values["birth_date"] == dt.date(1949, 12, 31)
    li = persons[("ftm:p-li",)]
    assert li.extra["keyless"] is True and li.extra["aliases"] == ["Li Na"]
    assert persons[("ftm:p-wang",)].extra["identifiers"] == ["110105194912310021"]
    companies = by_key(result.records["companies"], "credit_code")
    assert set(companies) == {("91110000600037341L",), ("ftm:c-shell",), ("ftm:o-assoc",)}
    assert result.records["units"][0].values["unit_id"] == "ftm:u-bureau"

    roles = {(r.values["credit_code"], r.values.get("holder_id_number")
              or r.values.get("holder_credit_code")): r.values
             for r in result.records["company_roles"]}
    assert roles[("91110000600037341L", "ftm:p-li")]["share_pct"] == 60.0
    assert roles[("91110000600037341L", "ftm:c-shell")]["share_pct"] == 40.0
    assert roles[("ftm:c-shell", "11010519491231002X")]["role"] == "manager"
    assert roles[("91110000600037341L", "ftm:p-wang")]["role"] == "legal_rep"
    relations = {r.values["relative_id_number"]: r.values["relation"]
                 for r in result.records["kinship"]}
    assert relations == {"ftm:p-li": "spouse", "ftm:p-wang": "parent_in_law"}

    accounts = by_key(result.records["accounts"], "account_no")
    assert accounts[("6222021234567890",)].values["holder_id_number"] == "ftm:p-li"
    assert accounts[("ftm-acct:c-hua",)].values["holder_credit_code"] == "91110000600037341L"
    transactions = by_key(result.records["transactions"], "txn_id")
    assert transactions[("ftm:pay-1",)].values["to_account"] == "ftm-acct:p-zhang"
    assert transactions[("ftm:pay-2",)].values["from_account"] == "6222021234567890"

    contracts = by_key(result.records["contracts"], "contract_id")
    assert contracts[("ftm:con-1",)].values["supplier_credit_code"] == "91110000600037341L"
    assert contracts[("ftm:con-1",)].values["amount"] == 900000.0
    assert contracts[("ftm:con-2",)].values["buyer_unit_id"] == "ftm:u-bureau"

    reasons = sorted(issue.reason for issue in result.skipped)
    assert reasons == ["Directorship: director is not one of persons or companies; not imported",
                       "Ownership: owner p-missing is not in the stream; not imported",
                       "invalid JSON line: Expecting property name enclosed in double quotes",
                       "no table for schema Address"]
    record = contracts[("ftm:con-1",)]
    assert (record.file, record.row, record.extra["ftm_id"]) == ("s.ftm", 19, "award-1")


def test_round_trip_keeps_people_companies_and_links(tmp_path):
    first = read_ftm(write_stream(tmp_path / "in.ftm", STREAM))
    written = list(write_ftm(first.records))
    for data in written:
        assert model.get_proxy(data).schema  # valid FtM
    assert {e["schema"] for e in written} >= {"Person", "Company", "Organization", "PublicBody",
                                              "Ownership", "Directorship", "Family", "Payment",
                                              "BankAccount", "Contract", "ContractAward"}
    second = read_ftm(write_stream(tmp_path / "out.ftm", written))

    def content(result):
        return {table: sorted(sorted((k, str(v)) for k, v in r.values.items()) for r in records)
                for table, records in result.records.items()}
    assert content(second) == content(first)
    assert {r.extra["ftm_id"] for r in second.records["persons"]} == {"p-zhang", "p-li", "p-wang"}
    assert second.skipped == []


def test_write_creates_stubs_for_parties_known_only_by_key():
    roles = [Record("company_roles", "roles.csv", 2, {
        "credit_code": "91110000600037341L", "holder_id_number": "11010519491231002X",
        "role": "shareholder", "share_pct": 30.0})]
    entities = {e["schema"]: e for e in write_ftm({"company_roles": roles})}
    assert entities["Person"]["properties"]["idNumber"] == ["11010519491231002X"]
    assert entities["Company"]["properties"]["uscCode"] == ["91110000600037341L"]
    ownership = entities["Ownership"]["properties"]
    assert ownership["owner"] == [entities["Person"]["id"]] and ownership["percentage"] == ["30.0"]


def test_keyless_people_are_resolved_against_known_ones(tmp_path):
    result = read_ftm(write_stream(tmp_path / "s.ftm", [
        entity("Person", "x1", name="張偉", birthDate="1949-12-31")]))
    keyless = [{**r.values, **r.extra} for r in result.records["persons"]]
    known = [{"id_number": "11010519491231002X", "name": "张伟", "birth_date": "1949-12-31"}]
    assert find_matches(keyless, known) == [
        ("ftm:x1", "11010519491231002X", 0.8, ["name_variant_match=1.00", "birth_date_match=1.00"])]
