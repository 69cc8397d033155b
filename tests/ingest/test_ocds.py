"""OCDS import: every real publisher example imports, and the mapping holds on small cases."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ingest.ocds import read_ocds

EXAMPLES = Path(__file__).parents[2].parent / "shared" / "data" / "ocds-real-examples"
COUNTRIES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.exists() else []
# Tables each country's sample has data for (Australia, Uganda and the UK publish tenders only).
EXPECTED = {
    "armenia": {"units", "companies", "contracts", "bids"},
    "australia": {"units"},
    "canada": {"units", "companies", "contracts"},
    "colombia": {"units", "companies", "contracts"},
    "mexico": {"units", "companies", "contracts", "bids"},
    "moldova": {"units", "companies", "contracts", "bids"},
    "nigeria": {"units", "companies", "contracts", "bids"},
    "paraguay": {"units", "companies", "contracts"},
    "uganda": {"units"},
    "uk-contracts-finder": {"units"},
    "ukraine": {"units", "companies", "contracts", "bids"},
}
TYPES = (str, float, int, bool, dt.date, list)

needs_examples = pytest.mark.skipif(not EXAMPLES.exists(), reason=f"{EXAMPLES} not present")


@needs_examples
@pytest.mark.parametrize("country", COUNTRIES)
def test_each_country_imports_with_its_tables_and_reasons(country):
    result = read_ocds(EXAMPLES / country)
    assert result.stats["releases"] > 0
    for table in EXPECTED[country]:
        assert result.stats[table] > 0, f"{country}: no {table}"
    for issue in result.skipped:
        assert issue.file.startswith(country) and issue.reason and issue.action == "skipped"
    for records in result.records.values():
        for record in records:
            assert record.file.startswith(country + "/") and record.row >= 1
            assert "src_pointer" in record.extra
            assert all(isinstance(v, TYPES) for v in (*record.values.values(),
                                                       *record.extra.values()))


@needs_examples
def test_every_example_file_imports_alone():
    files = sorted(EXAMPLES.rglob("*.json"))
    assert len(files) > 700
    for file in files:
        result = read_ocds(file)
        assert result.stats["files"] == 1, file


@needs_examples
def test_known_facts_of_real_examples():
    """Spot checks against the publishers' own files."""
    nigeria = read_ocds(EXAMPLES / "nigeria")
    contract = next(r for r in nigeria.records["contracts"]
                    if r.values["contract_id"] == "ocds-gyl66f-borbda-27yetd")
    assert contract.values["supplier_credit_code"] == "NGA-DNL-22686163"
    assert contract.values["amount"] == 54389500.0 and contract.values["currency"] == "NGN"
    assert contract.values["method"] == "public_tender"
    assert any("awardID matches no award" in issue.reason for issue in nigeria.corrected)

    moldova = read_ocds(EXAMPLES / "moldova")  # records and releases of the same 51 processes
    assert moldova.stats["processes"] == 51 and moldova.stats["releases"] == 102
    ids = [r.values["contract_id"] for r in moldova.records["contracts"]]
    assert len(ids) == len(set(ids))
    methods = {r.values["method"] for r in moldova.records["contracts"]}
    assert methods <= {"inquiry", "public_tender"}

    ukraine = read_ocds(EXAMPLES / "ukraine")
    assert {r.extra["id_scheme"] for r in ukraine.records["companies"]} <= {"UA-EDR", "XM-EORI"}
    assert any(r.values.get("won") is True for r in ukraine.records["bids"])
    assert any(i.reason.startswith("award status 'unsuccessful'") for i in ukraine.skipped)

    paraguay = read_ocds(EXAMPLES / "paraguay")
    assert any("links its releases by URL" in issue.reason for issue in paraguay.skipped)


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _release(date: str, amount, **extra) -> dict:
    return {
        "ocid": "ocds-abc123-0001", "id": date, "date": date, "tag": ["award"],
        "parties": [
            {"id": "b1", "name": "某县交通运输局", "roles": ["buyer"],
             "identifier": {"scheme": "CN-USCC", "id": "11110000000000000X"}},
            {"id": "s1", "name": "北京华强贸易有限公司", "roles": ["supplier", "tenderer"],
             "identifier": {"scheme": "CN-USCC", "id": "91110000600037341L"}},
            {"id": "s2", "name": "Acme Ltd", "roles": ["tenderer"],
             "identifier": {"scheme": "GB-COH", "id": "01234567"}},
            {"id": "t3", "name": "Unnamed bidder", "roles": ["tenderer"]},
            {"id": "r1", "name": "Review board", "roles": ["reviewBody"]},
        ],
        "buyer": {"id": "b1", "name": "某县交通运输局"},
        "tender": {"procurementMethod": "selective", "mainProcurementCategory": "works",
                   "tenderers": [{"id": "s1"}, {"id": "s2"}, {"id": "t3"}]},
        "awards": [{"id": "a1", "date": "2020-03-01T09:00:00+08:00", "status": "active",
                    "suppliers": [{"id": "s1", "name": "北京华强贸易有限公司"}],
                    "value": {"amount": amount, "currency": "CNY"}}],
        **extra,
    }


def test_release_package_maps_parties_contracts_and_bids(tmp_path):
    result = read_ocds(_write(tmp_path / "package.json", {"releases": [_release(
        "2020-03-01T10:00:00+08:00", "1,250,000.50")]}))
    (unit,) = result.records["units"]
    assert unit.values == {"unit_id": "ocds-party:ocds-abc123:b1", "name": "某县交通运输局"}
    companies = {r.values["credit_code"]: r for r in result.records["companies"]}
    assert companies["91110000600037341L"].extra["id_scheme"] == "CN-USCC"
    assert companies["GB-COH-01234567"].extra["id_scheme"] == "GB-COH"
    synthetic = companies["ocds-party:ocds-abc123-0001:t3"]
    assert synthetic.extra["keyless"] is True
    (contract,) = result.records["contracts"]
    assert contract.values == {
        "contract_id": "ocds-abc123-0001/award/a1", "tender_id": "ocds-abc123-0001",
        "buyer_unit_id": "ocds-party:ocds-abc123:b1", "supplier_credit_code": "91110000600037341L",
        "amount": 1250000.5, "currency": "CNY", "method": "invited_tender", "category": "works",
        "signed_date": dt.date(2020, 3, 1)}
    assert (contract.file, contract.row, contract.extra["src_pointer"]) == (
        "package.json", 1, "/releases/0/awards/0")
    won = {r.values["bidder_credit_code"]: r.values["won"] for r in result.records["bids"]}
    assert won == {"91110000600037341L": True, "GB-COH-01234567": False,
                   "ocds-party:ocds-abc123-0001:t3": False}
    (issue,) = result.skipped
    assert issue.column == "/releases/0/parties/4" and "reviewbody" in issue.reason


def test_duplicate_releases_merge_by_date_and_contract_wins_over_award(tmp_path):
    old = _release("2020-03-01T10:00:00+08:00", 100)
    new = _release("2020-04-01T10:00:00+08:00", 90, contracts=[
        {"id": "c1", "awardID": "a1", "title": "道路养护", "dateSigned": "2020-04-02",
         "value": {"amount": 95, "currency": "CNY"}}])
    _write(tmp_path / "new.json", new)  # read first, yet it is the later release
    _write(tmp_path / "old.json", {"releases": [old, old]})
    result = read_ocds(tmp_path)
    assert result.stats["processes"] == 1 and result.stats["releases"] == 3
    (contract,) = result.records["contracts"]
    assert contract.values["contract_id"] == "ocds-abc123-0001/c1"
    assert contract.values["amount"] == 95.0 and contract.values["title"] == "道路养护"
    assert contract.values["signed_date"] == dt.date(2020, 4, 2)
    assert (contract.file, contract.extra["src_pointer"]) == (f"{tmp_path.name}/new.json",
                                                              "/contracts/0")


def test_record_package_single_record_and_json_lines(tmp_path):
    release = _release("2020-03-01", 10)
    _write(tmp_path / "records.json", {"records": [{"ocid": release["ocid"],
                                                    "compiledRelease": release}]})
    lines = [json.dumps({**release, "ocid": f"ocds-abc123-000{n}"}) for n in (2, 3)]
    (tmp_path / "stream.jsonl").write_text("\n".join(lines) + "\nnot json\n")
    _write(tmp_path / "linked.json", {"ocid": "ocds-abc123-0009", "releases": [
        {"url": "https://example.org/r.json", "date": "2020-01-01", "tag": ["tender"]}]})
    result = read_ocds(tmp_path)
    assert result.stats["processes"] == 3
    pointers = {r.extra["src_pointer"] for r in result.records["contracts"]}
    assert pointers == {"/records/0/compiledRelease/awards/0", "/awards/0"}
    assert {r.row for r in result.records["contracts"] if r.file.endswith(".jsonl")} == {1, 2}
    reasons = {issue.file.split("/")[-1]: issue.reason for issue in result.skipped
               if "party with role" not in issue.reason}
    assert reasons["stream.jsonl"].startswith("invalid JSON line")
    assert "links its releases by URL" in reasons["linked.json"]


def test_ocds_1_0_inline_organisations_and_odd_values(tmp_path):
    """Parties named only inline, integer ids, missing ids and an amount that is no number."""
    release = {"ocid": "ocds-xyz789-7", "date": "2016-01-01", "tag": ["contract"],
               "buyer": {"name": "Courts of Judicature", "id": 19},
               "tender": {"procurementMethod": "open",
                          "procurementMethodDetails": "Adjudicación directa (art. 42)"},
               "awards": [{"suppliers": [{"name": "Solo Builders",
                                          "identifier": {"scheme": "Cédula de Ciudadanía",
                                                         "id": "80737007"}}],
                           "value": {"amount": "n/a", "currency": "COP"}},
                          {"id": "x", "status": "unsuccessful"}]}
    result = read_ocds(_write(tmp_path / "r.json", release))
    assert result.records["units"][0].values["unit_id"] == "ocds-party:ocds-xyz789:19"
    (contract,) = result.records["contracts"]
    assert contract.values["contract_id"] == "ocds-xyz789-7/award/#1"
    assert contract.values["supplier_credit_code"] == "X-CEDULA-DE-CIUDADANIA-80737007"
    assert contract.values["method"] == "direct" and "amount" not in contract.values
    reasons = sorted(issue.reason for issue in result.skipped)
    assert reasons[0].startswith("amount is not a number")
    assert reasons[1] == "award status 'unsuccessful': no contract was awarded"


def test_unreadable_files_are_reported_not_raised(tmp_path):
    (tmp_path / "gbk.json").write_bytes('{"ocid": "中文"}'.encode("gbk"))
    (tmp_path / "broken.json").write_text('{"releases": [')
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    result = read_ocds(tmp_path)
    reasons = {issue.file.split("/")[-1]: issue.reason for issue in result.skipped}
    assert reasons["gbk.json"].startswith("not UTF-8")
    assert reasons["broken.json"].startswith("invalid JSON")
    assert reasons["other.json"].startswith("no ocid, releases or records")
    with pytest.raises(FileNotFoundError, match="OCDS input not found"):
        read_ocds(tmp_path / "missing")
