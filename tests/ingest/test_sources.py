"""Many sources, one graph: values side by side, named datasets, ties no longer reported."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from accounting import assert_accounted
from analytics.rules import load_rules
from analytics.rules.hits import run_rule
from builders import id_number, write_table
from graph.values import entity_values, tie_values
from ingest.importing import import_file
from ingest.loader import LoadFailed, load_dataset

ZHANG = id_number(1, "19700101")
LI = id_number(2, "19720202")


def _hr(folder, name="张三", phone="13800000001", address=""):
    write_table(folder, "persons", ["id_number", "name", "phone", "address"],
                [[ZHANG, name, phone, address], [LI, "李四", "13800000002", ""]])
    return folder


def test_conflicting_sources_keep_both_values_with_their_sources(db, tmp_path):
    load_dataset(db, _hr(tmp_path / "hr"), dataset="hr")
    police = _hr(tmp_path / "police", name="张三丰", phone="13900000009", address="城关镇一组")
    result = load_dataset(db, police, dataset="police")
    assert_accounted(db, result, {("persons", "persons.csv"): 2})
    node = db.read("MATCH (p:Person {id_number: $id}) RETURN p{.*} AS p", id=ZHANG)[0]["p"]
    assert node["name"] == "张三" and node["phone"] == "13800000001", "the first source keeps its values"
    assert node["address"] == "城关镇一组", "a value only the second source gives fills the gap"
    assert (node["src_dataset"], node["src_file"], node["src_row"]) == ("hr", "persons.csv", 2)
    assert node["src_sources"] == 2 and node["conflicts"] == ["name", "phone"]
    assert node["src_elsewhere"] == ["address"], "node provenance never claims the address for hr"
    values = entity_values(db, "Person", ZHANG)
    assert [(v["value"], v["src_dataset"], v["chosen"]) for v in values["name"]] == [
        ("张三", "hr", True), ("张三丰", "police", False)]
    assert [(v["value"], v["src_dataset"], v["src_row"]) for v in values["address"]] == [
        ("城关镇一组", "police", 2)]
    conflicts = {(i.column, i.value): i.reason for i in result.report if i.action == "conflict"}
    assert set(conflicts) == {("name", "张三丰"), ("phone", "13900000009")}
    assert "hr/persons.csv row 2 gives 张三" in conflicts[("name", "张三丰")]
    li = db.read("MATCH (p:Person {id_number: $id}) RETURN p.src_sources AS n, p.conflicts AS c",
                 id=LI)[0]
    assert li == {"n": 2, "c": None}, "agreeing sources are two sources, not a conflict"
    again = load_dataset(db, police, dataset="police", full=True)
    assert again.rows_written == 0 and not [i for i in again.report if i.action == "conflict"]
    single = entity_values(db, "Person", id_number(3))
    assert single == {}


def test_priority_chooses_the_value_shown(db, tmp_path):
    load_dataset(db, _hr(tmp_path / "hr"), dataset="hr")
    load_dataset(db, _hr(tmp_path / "police", name="张三丰"), dataset="police",
                 table_priority={"persons": 10})
    shown = db.read("MATCH (p:Person {id_number: $id}) RETURN p.name AS name, "
                    "p.src_dataset AS ds", id=ZHANG)[0]
    assert shown == {"name": "张三丰", "ds": "police"}
    values = entity_values(db, "Person", ZHANG)["name"]
    assert [(v["value"], v["chosen"]) for v in values] == [("张三丰", True), ("张三", False)]


def test_a_single_source_node_reads_back_with_its_row(db, tmp_path):
    load_dataset(db, _hr(tmp_path / "hr"), dataset="hr")
    values = entity_values(db, "Person", ZHANG)
    assert values["name"] == [{"value": "张三", "src_dataset": "hr", "src_file": "persons.csv",
                               "src_row": 2, "src_run": values["name"][0]["src_run"],
                               "chosen": True, "unreported_since": None}]
    assert "src_hash" not in values and "src_file" not in values


def test_another_folder_with_a_dataset_name_is_not_taken_for_a_newer_extract(db, tmp_path):
    first = _hr(tmp_path / "a" / "data")
    write_table(first, "units", ["unit_id", "name"], [["U1", "某局"]])
    write_table(first, "positions", ["id_number", "unit_id", "title"], [[ZHANG, "U1", "局长"]])
    load_dataset(db, first)
    other = _hr(tmp_path / "b" / "data")
    with pytest.raises(LoadFailed, match="'data' was loaded from .*--dataset data"):
        load_dataset(db, other)
    assert db.read("MATCH ()-[r:HOLDS_POSITION]->() RETURN r.unreported_since AS u, "
                   "r.end_date AS e") == [{"u": None, "e": None}]
    load_dataset(db, other, dataset="data-b")
    assert db.read("MATCH (d:Dataset) RETURN d.dataset_id AS d ORDER BY d") == [
        {"d": "data"}, {"d": "data-b"}]


def test_a_tie_missing_from_a_newer_extract_is_unreported_never_ended(db, tmp_path):
    old = _hr(tmp_path / "2023")
    write_table(old, "units", ["unit_id", "name"], [["U1", "某局"]])
    write_table(old, "positions", ["id_number", "unit_id", "title", "start_date"],
                [[ZHANG, "U1", "局长", "2018-01-01"], [LI, "U1", "科员", "2019-01-01"]])
    write_table(old, "kinship", ["id_number", "relative_id_number", "relation"], [[ZHANG, LI, "spouse"]])
    load_dataset(db, old, dataset="county-hr")
    new = tmp_path / "2024"
    shutil.copytree(old, new)
    write_table(new, "positions", ["id_number", "unit_id", "title", "start_date"],
                [[ZHANG, "U1", "局长", "2018-01-01"]])
    write_table(new, "kinship", ["id_number", "relative_id_number", "relation"], [])
    result = load_dataset(db, new, dataset="county-hr", as_of=dt.date(2024, 6, 30))
    assert result.unreported_ties == 2
    ties = db.read("MATCH ()-[r]->() WHERE r.rel_key IS NOT NULL AND r.derived IS NULL "
                   "RETURN type(r) AS t, r.end_date AS end, r.unreported_since AS since ORDER BY t")
    assert [(t["t"], t["end"], t["since"] and t["since"].to_native()) for t in ties] == [
        ("HAS_RELATIVE", None, dt.date(2024, 6, 30)), ("HOLDS_POSITION", None, None),
        ("HOLDS_POSITION", None, dt.date(2024, 6, 30))]
    run = db.read("MATCH (r:LoadRun {run_id: $id}) RETURN r.as_of AS as_of, "
                  "r.unreported_ties AS n", id=result.run_id)[0]
    assert run["as_of"].to_native() == dt.date(2024, 6, 30) and run["n"] == 2
    again = load_dataset(db, old, dataset="county-hr", as_of=dt.date(2024, 9, 30))
    assert again.unreported_ties == 0
    assert db.read("MATCH ()-[r]->() WHERE r.unreported_since IS NOT NULL RETURN count(r) AS n"
                   ) == [{"n": 0}], "reported again: the mark is gone"


def _subsidy_world(folder, start: str, payments: list[tuple[str, str]]):
    write_table(folder, "units", ["unit_id", "name"], [["U1", "某镇人民政府"]])
    write_table(folder, "persons", ["id_number", "name"], [[ZHANG, "张三"]])
    write_table(folder, "positions", ["id_number", "unit_id", "title", "start_date"],
                [[ZHANG, "U1", "民政助理", start]])
    write_table(folder, "subsidies", ["payment_id", "program", "recipient_id_number", "amount",
                                      "date", "unit_id"],
                [[pid, "低保", ZHANG, "500", date, "U1"] for pid, date in payments])
    return folder


def test_rules_do_not_assert_a_post_after_it_stopped_being_reported(db, tmp_path):
    old = _subsidy_world(tmp_path / "old", "2018-01-01",
                         [("P-before", "2024-05-01"), ("P-after", "2024-08-01")])
    load_dataset(db, old, dataset="town")
    rule = load_rules()["subsidy_ineligible"]
    assert len(run_rule(db, rule)) == 2
    new = tmp_path / "new"
    shutil.copytree(old, new)
    write_table(new, "positions", ["id_number", "unit_id", "title", "start_date"], [])
    load_dataset(db, new, dataset="town", as_of=dt.date(2024, 6, 30))
    hits = run_rule(db, rule)
    assert [hit for hit in hits if "P-before" in hit.entity_ids]
    assert not [hit for hit in hits if "P-after" in hit.entity_ids]


def test_a_post_known_to_its_month_is_asserted_only_after_that_month(db, tmp_path):
    folder = _subsidy_world(tmp_path / "town", "2023年6月",
                            [("P-may", "2023-05-20"), ("P-june", "2023-06-20"), ("P-july", "2023-07-01")])
    load_dataset(db, folder)
    hits = run_rule(db, load_rules()["subsidy_ineligible"])
    paid = {pid for hit in hits for pid in hit.entity_ids if pid.startswith("P-")}
    assert paid == {"P-july"}


def _entity(schema: str, entity_id: str, **properties) -> dict:
    return {"id": entity_id, "schema": schema,
            "properties": {k: v if isinstance(v, list) else [v] for k, v in properties.items()}}


def test_ftm_owner_with_several_roles_is_one_tie_keeping_each(db, tmp_path):
    stream = [
        _entity("Person", "p1", name="Іван Петренко"),
        _entity("Company", "c1", name="ТОВ Ромашка"),
        _entity("Ownership", "own-founder", owner="p1", asset="c1", role="founder"),
        _entity("Ownership", "own-owner", owner="p1", asset="c1", role="owner", percentage="50"),
        _entity("Ownership", "own-bene", owner="p1", asset="c1", role="beneficial owner"),
    ]
    path = tmp_path / "pep.ftm.json"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in stream), encoding="utf-8")
    result, _ = import_file(db, "ftm", path, report_dir=tmp_path / "reports")
    assert result.rows_rejected == 0
    roles = db.read("MATCH (:Person)-[r:HOLDS_ROLE]->(:Company) RETURN r.role AS role, "
                    "r.role_texts AS texts, r.ftm_ids AS ids, r.share_pct AS share ORDER BY role")
    assert roles == [
        {"role": "beneficial_owner", "texts": ["beneficial owner"], "ids": ["own-bene"], "share": None},
        {"role": "shareholder", "texts": ["founder", "owner"], "ids": ["own-founder", "own-owner"],
         "share": 50.0}]
    [merged] = [issue for issue in result.report if issue.action == "merged"]
    assert merged.value == "own-owner" and "founder; owner" in merged.reason
    assert result.report_path.exists() and result.report_path.parent == tmp_path / "reports"


def test_tie_values_read_a_tie_two_datasets_give(db, tmp_path):
    for name, rank in (("hr", "正科"), ("audit", "副科")):
        folder = tmp_path / name
        write_table(folder, "units", ["unit_id", "name"], [["U1", "某局"]])
        write_table(folder, "positions", ["id_number", "unit_id", "title", "rank"],
                    [[ZHANG, "U1", "局长", rank]])
        load_dataset(db, folder, dataset=name)
    key = db.read("MATCH ()-[r:HOLDS_POSITION]->() RETURN r.rel_key AS key, r.rank AS rank, "
                  "r.conflicts AS conflicts")[0]
    assert key["rank"] == "正科" and key["conflicts"] == ["rank"]
    ranks = tie_values(db, "HOLDS_POSITION", key["key"])["rank"]
    assert [(v["value"], v["src_dataset"], v["chosen"]) for v in ranks] == [
        ("正科", "hr", True), ("副科", "audit", False)]


def test_a_reference_two_datasets_disagree_on_links_the_chosen_one_with_its_source(db, tmp_path):
    for name, buyer, amount in (("finance", "U1", "1000"), ("procurement", "U2", "1200")):
        folder = tmp_path / name
        write_table(folder, "units", ["unit_id", "name"], [["U1", "交通局"], ["U2", "水利局"]])
        write_table(folder, "contracts", ["contract_id", "buyer_unit_id", "amount", "title"],
                    [["HT-1", buyer, amount, "道路维修" if name == "finance" else ""]])
        result = load_dataset(db, folder, dataset=name)
    buyers = db.read("MATCH (k:Contract {contract_id: 'HT-1'})-[r:BUYER]->(u:Unit) "
                     "RETURN u.unit_id AS unit, r.src_dataset AS source, k.amount AS amount, "
                     "k.title AS title, k.conflicts AS conflicts")
    assert buyers == [{"unit": "U1", "source": "finance", "amount": 1000.0, "title": "道路维修",
                       "conflicts": ["amount", "buyer_unit_id"]}]
    values = entity_values(db, "Contract", "HT-1")
    assert [(v["value"], v["src_dataset"], v["chosen"]) for v in values["buyer_unit_id"]] == [
        ("U1", "finance", True), ("U2", "procurement", False)]
    assert {(i.column, i.value) for i in result.report if i.action == "conflict"} == {
        ("amount", "1200.0"), ("buyer_unit_id", "U2")}
