"""The generated dataset: deterministic, sized by scale, realistic, noisy as specified."""
from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from analytics.evaluate import normalize_identifier, read_truth
from synthetic import SCALES, GenerationError, generate
from synthetic.reference_tables import read_dataset
from synthetic.writer import TABLE_COLUMNS

SEED = 5
RULES = {"relative_supplier", "official_business", "subsidy_ineligible", "self_approval",
         "bid_splitting", "bid_rigging", "kickback_flow", "shell_company", "ghost_beneficiary",
         "revolving_door"}


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("town")
    return folder, generate("town", SEED, folder, verify=False)


@pytest.fixture(scope="module")
def tables(town) -> dict[str, list[dict]]:
    return read_dataset(town[0])


def _raw(folder: Path, table: str) -> str:
    raw = (folder / f"{table}.csv").read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _raw_rows(folder: Path, table: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_raw(folder, table))))


def test_same_seed_gives_the_same_files(town, tmp_path):
    """Byte for byte, even in another process with another hash seed."""
    folder, _ = town
    script = ("from pathlib import Path; from synthetic import generate; "
              f"generate('town', {SEED}, Path({str(tmp_path / 'again')!r}), verify=False)")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).parents[2],
                   env={**os.environ, "PYTHONHASHSEED": "123"})
    for path in folder.iterdir():
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes(), path.name


def test_another_seed_gives_other_people(town, tmp_path):
    generate("town", SEED + 1, tmp_path / "other", verify=False)
    other = (tmp_path / "other" / "persons.csv").read_bytes()
    assert (town[0] / "persons.csv").read_bytes() != other


def test_sizes_follow_the_scale(town):
    _, summary = town
    targets = {"persons": 1_500, "companies": 400, "contracts": 1_500, "transactions": 6_000,
               "subsidies": 4_000}
    for table, target in targets.items():
        assert 0.85 * target <= summary.tables[table] <= 1.3 * target, (table, summary.tables)
    county, province = SCALES["county"], SCALES["province-slice"]
    assert (county.persons, county.companies, county.contracts, county.transactions,
            county.subsidies) == (15_000, 4_000, 15_000, 60_000, 40_000)
    assert len(province.counties) == 4 and province.persons == county.persons


def test_summary_counts_the_rows_written(town):
    folder, summary = town
    for table, count in summary.tables.items():
        assert len(_raw_rows(folder, table)) - 1 == count, table


def test_every_rule_has_cases_and_lookalikes(town):
    folder, summary = town
    truth = read_truth(folder)
    assert {case.pattern for case in truth} == RULES == set(summary.cases) \
        == set(summary.lookalikes)
    case_ids = [case.case_id for case in truth]
    assert len(case_ids) == len(set(case_ids))


def test_truth_names_only_entities_of_the_dataset(town, tables):
    folder, _ = town
    known = {row["unit_id"] for row in tables["units"]} | {
        row["id_number"] for row in tables["persons"]} | {
        row["credit_code"] for row in tables["companies"]} | {
        row["contract_id"] for row in tables["contracts"]} | {
        row["tender_id"] for row in tables["contracts"] if row["tender_id"]} | {
        row["payment_id"] for row in tables["subsidies"]} | {
        row["txn_id"] for row in tables["transactions"]} | {
        row["account_no"] for row in tables["accounts"]}
    known = {normalize_identifier(identifier) for identifier in known}
    for case in read_truth(folder):
        assert case.entity_ids <= known, (case.case_id, case.entity_ids - known)


def test_identifiers_validate_except_the_documented_rejects(town):
    folder, summary = town
    rejected_people = set(summary.noise["invalid_persons"])
    rejected_companies = set(summary.noise["invalid_companies"])
    people = [row[0] for row in _raw_rows(folder, "persons")[1:]]
    legacy = [number for number in people if len(number) == 15]
    assert len(legacy) == summary.noise["legacy_ids"] >= 3
    normalised = [number.translate({code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)})
                  .upper() for number in people if len(number) == 18]
    assert {number for number in normalised if not ric.is_valid(number)} == rejected_people
    codes = [row[0] for row in _raw_rows(folder, "companies")[1:]]
    codes = [code.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}) for code in codes]
    assert {code for code in codes if not uscc.is_valid(code)} == rejected_companies
    elsewhere = "".join(_raw(folder, table) for table in TABLE_COLUMNS
                        if table not in ("persons", "companies"))
    for rejected in rejected_people | rejected_companies:
        assert rejected[:17] not in elsewhere


def test_legacy_numbers_only_in_persons(town):
    folder, _ = town
    for table in TABLE_COLUMNS:
        if table == "persons":
            continue
        header, *rows = _raw_rows(folder, table)
        for index, column in enumerate(header):
            if column.endswith("id_number") or column in ("身份证号",):
                assert all(len(row[index]) in (0, 18) for row in rows), (table, column)


def test_encodings_and_headers_vary_as_documented(town):
    folder, _ = town
    with pytest.raises(UnicodeDecodeError):
        (folder / "companies.csv").read_bytes().decode("utf-8")
    assert _raw_rows(folder, "positions")[0][:3] == ["身份证号", "单位编码", "职务"]
    assert (folder / "persons.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert _raw_rows(folder, "units")[0][0] == "unit_id"


def test_noise_of_real_exports_is_present(town):
    folder, _ = town
    text = "".join(_raw(folder, table) for table in TABLE_COLUMNS)
    assert re.search(r"\d{17}x\b", text), "lowercase x in ID numbers"
    assert re.search(r"[０-９]{6}", text), "full-width digits"
    assert re.search(r"\b\d{4}/\d{2}/\d{2}\b", text) and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)
    assert re.search(r"\"\d{1,3},\d{3}(,\d{3})*\.\d\d\"", text), "thousands separators"
    assert re.search(r"\b\d{4} \d{4} \d{4}", _raw(folder, "transactions")), "grouped accounts"


def test_households_share_an_address_and_spouses_live_together(tables):
    addresses = defaultdict(set)
    household = {}
    for row in tables["persons"]:
        addresses[row["household_id"]].add(row["address"])
        household[row["id_number"]] = row["household_id"]
    assert all(len(found) == 1 for found in addresses.values())
    spouses = [row for row in tables["kinship"] if row["relation"] == "spouse"]
    together = sum(household.get(row["id_number"]) == household.get(row["relative_id_number"])
                   for row in spouses)
    assert together >= 0.9 * len(spouses)


def test_namesakes_are_frequent(tables):
    names = Counter(row["name"] for row in tables["persons"])
    assert sum(count for count in names.values() if count > 1) >= 0.1 * len(tables["persons"])


def test_units_form_a_county_tree(tables):
    units = {row["unit_id"]: row for row in tables["units"]}
    assert all(row["parent_unit_id"] in units for row in units.values() if row["parent_unit_id"])
    assert all(re.fullmatch(r"\d{6}", row["region_code"]) for row in units.values())
    names = " ".join(row["name"] for row in units.values())
    for expected in ("县委员会", "人民政府", "教育局", "卫生健康局", "镇人民政府", "村民委员会"):
        assert expected in names
    assert {row["level"] for row in units.values()} >= {"county", "township", "village"}


def test_contracts_are_approved_by_officials_of_the_buyer(tables):
    posts = defaultdict(list)
    for row in tables["positions"]:
        posts[row["id_number"]].append(row)
    in_post = 0
    for contract in tables["contracts"]:
        in_post += any(post["unit_id"] == contract["buyer_unit_id"]
                       and post["start_date"] <= contract["signed_date"]
                       and (post["end_date"] is None or contract["signed_date"] <= post["end_date"])
                       for post in posts[contract["approver_id_number"]])
    assert in_post >= 0.97 * len(tables["contracts"])
    assert any(row["end_date"] for row in tables["positions"])


def test_tenders_have_several_bids_and_one_winner(tables):
    bids = defaultdict(list)
    for row in tables["bids"]:
        bids[row["tender_id"]].append(row)
    contracts = {row["tender_id"]: row for row in tables["contracts"] if row["tender_id"]}
    assert set(bids) == set(contracts)
    for tender, rows in bids.items():
        winners = [row["bidder_credit_code"] for row in rows if row["won"]]
        assert winners == [contracts[tender]["supplier_credit_code"]]
    assert sum(len(rows) >= 2 for rows in bids.values()) >= 0.95 * len(bids)


def test_subsidy_programmes_use_english_ids(tables):
    programmes = {row["program"] for row in tables["subsidies"]}
    assert {"subsistence_allowance", "farmland_subsidy", "rain_dew", "high_school_grant",
            "winter_relief", "housing_renovation", "startup_loan",
            "migrant_transport"} <= programmes
    assert all(re.fullmatch(r"[a-z_]+", programme) for programme in programmes)


def test_readme_describes_the_dataset(town):
    folder, summary = town
    readme = (folder / "README.md").read_text("utf-8")
    assert f"seed {SEED}" in readme and "`town`" in readme and "GB18030" in readme
    assert f"{summary.tables['subsidies']:,}" in readme


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(GenerationError, match="town, county, province-slice"):
        generate("village", 1, tmp_path)


def test_generation_prints_nothing(tmp_path, capsys):
    generate("town", 3, tmp_path / "quiet")
    assert capsys.readouterr() == ("", "")
