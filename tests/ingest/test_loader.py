"""The loader against the real Neo4j: counts, provenance, idempotence, increments, strict."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from builders import credit_code, id_number, small_dataset, write_table
from ingest.loader import LoadFailed, load_dataset

BOOKKEEPING = ("LoadRun", "Dataset", "SchemaVersion")


def snapshot(db) -> tuple:
    """Every entity node and relationship with all properties, in a comparable form."""
    nodes = db.read(
        "MATCH (n) WHERE NONE(l IN labels(n) WHERE l IN $skip) "
        "RETURN labels(n) AS labels, properties(n) AS props", skip=list(BOOKKEEPING))
    rels = db.read(
        "MATCH (a)-[r]->(b) WHERE NONE(l IN labels(a) WHERE l IN $skip) "
        "RETURN type(r) AS type, elementId(a) AS a, elementId(b) AS b, properties(r) AS props",
        skip=list(BOOKKEEPING))
    by_id = {row["a"]: None for row in rels}
    keyed = db.read("MATCH (n) WHERE elementId(n) IN $ids RETURN elementId(n) AS id, "
                    "coalesce(n.id_number, n.credit_code, n.unit_id, n.contract_id, n.bid_id, "
                    "n.tender_id, n.account_no, n.txn_id, n.payment_id, n.complaint_id) AS key", ids=list(by_id) + [row["b"] for row in rels])
    key_of = {row["id"]: row["key"] for row in keyed}
    node_set = sorted((tuple(row["labels"]), sorted(row["props"].items(), key=str)) for row in nodes)
    node_set = [repr(item) for item in node_set]
    rel_set = sorted(repr((row["type"], key_of[row["a"]], key_of[row["b"]],
                           sorted(row["props"].items(), key=str))) for row in rels)
    return node_set, rel_set


def counts(db) -> dict:
    rows = db.read("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS n ORDER BY label")
    rels = db.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type")
    return {row["label"]: row["n"] for row in rows} | {row["type"]: row["n"] for row in rels}


def test_counts_equal_rows_minus_rejects(db, tmp_path):
    folder = small_dataset(tmp_path / "ds", persons=30, transactions=40)
    with (folder / "persons.csv").open("a", encoding="utf-8") as stream:
        stream.write("110105198001010010,坏号,,,\n")  # wrong check digit
    result = load_dataset(db, folder)
    persons = result.counts["persons"]
    assert (persons.read, persons.rejected, persons.written) == (31, 1, 30)
    assert db.read("MATCH (p:Person) WHERE p.src_file = 'persons.csv' RETURN count(p) AS n")[0]["n"] == 30
    assert db.read("MATCH (t:Transaction) RETURN count(t) AS n")[0]["n"] == 40
    issue = next(i for i in result.report if i.action == "rejected")
    assert (issue.file, issue.row, issue.column) == ("persons.csv", 32, "id_number")
    assert "check digit" in issue.reason
    assert result.report_path.exists()
    run = db.read("MATCH (r:LoadRun {run_id: $id})-[:LOADED]->(d:Dataset) "
                  "RETURN r.status AS status, r.rows_rejected AS rejected, d.dataset_id AS ds",
                  id=result.run_id)
    assert run == [{"status": "completed", "rejected": 1, "ds": "ds"}]


def test_every_fact_carries_provenance(db, tmp_path):
    load_dataset(db, small_dataset(tmp_path / "ds"))
    missing = db.read(
        "MATCH (n) WHERE NOT n:LoadRun AND NOT n:Dataset AND NOT n:SchemaVersion "
        "AND n.src_row IS NULL RETURN labels(n)[0] AS label, count(*) AS n")
    # stubs and tenders (referenced only) carry the provenance of the row that named them
    assert missing == [], missing
    rels = db.read("MATCH ()-[r]->() WHERE type(r) <> 'LOADED' AND r.src_row IS NULL "
                   "RETURN type(r) AS t, count(*) AS n")
    assert rels == []
    row = db.read("MATCH (:Person)-[r:HOLDS_POSITION]->(:Unit) RETURN r.src_file AS f, "
                  "r.src_row AS row, r.src_dataset AS ds ORDER BY row LIMIT 1")[0]
    assert row == {"f": "positions.csv", "row": 2, "ds": "ds"}


def test_second_load_changes_nothing(db, tmp_path):
    folder = small_dataset(tmp_path / "ds")
    load_dataset(db, folder)
    before = snapshot(db)
    result = load_dataset(db, folder)
    assert result.rows_written == 0
    assert snapshot(db) == before


def test_registered_legal_rep_is_a_role_from_establishment(db, tmp_path):
    load_dataset(db, small_dataset(tmp_path / "ds"))
    role = db.read("MATCH (p:Person)-[r:HOLDS_ROLE {derived: true}]->(c:Company) "
                   "RETURN r.role AS role, r.start_date AS start")
    assert role[0]["role"] == "legal_rep"
    assert role[0]["start"].to_native() == dt.date(2019, 5, 1)


def test_a_legal_rep_known_only_from_companies_is_a_stub_without_the_roles_facts(db, tmp_path):
    """The role's start date and kind belong to the tie: the person, known only as the
    company's legal representative, gets its key, stub flag and provenance, nothing else."""
    folder = tmp_path / "ds"
    write_table(folder, "units", ["unit_id", "name", "parent_unit_id", "level", "kind"],
                [["U0", "某县人民政府", "", "county", "government"]])
    write_table(folder, "companies", ["credit_code", "name", "legal_rep_id_number",
                                      "established_date"],
                [[credit_code(7), "某县远见咨询有限公司", id_number(9), "2019-05-01"]])
    load_dataset(db, folder)
    [person] = db.read("MATCH (p:Person)-[r:HOLDS_ROLE]->(:Company) "
                       "RETURN properties(p) AS p, properties(r) AS r")
    assert person["r"]["role"] == "legal_rep" and person["r"]["derived"] is True
    assert person["p"]["stub"] is True
    assert person["p"]["stub_column"] == "legal_rep_id_number"
    assert person["p"]["src_file"].endswith("companies.csv")
    assert not {"role", "derived", "start_date", "rel_key"} & set(person["p"])


def test_newer_extract_updates_rows_and_marks_vanished_ties_unreported(db, tmp_path):
    old = small_dataset(tmp_path / "2023-12")
    load_dataset(db, old, dataset="county-hr")
    new = tmp_path / "2024-06"
    shutil.copytree(old, new)
    officials = [id_number(0, "19600101"), id_number(1, "19600101")]
    write_table(new, "positions", ["id_number", "unit_id", "title", "start_date", "end_date"],
                [[officials[0], "U1", "局长", "2018-01-01", ""]])  # the clerk's post is gone
    write_table(new, "persons", ["id_number", "name", "gender", "birth_date", "phone"],
                [[officials[0], "人员0", "", "", "13900000000"]])
    result = load_dataset(db, new, dataset="county-hr", as_of=dt.date(2024, 6, 30))
    assert result.unreported_ties == 1  # the clerk's post, absent from the new extract
    gone = db.read("MATCH (p:Person)-[r:HOLDS_POSITION]->() WHERE r.unreported_since IS NOT NULL "
                   "RETURN p.id_number AS who, r.end_date AS end, r.unreported_since AS since, "
                   "r.unreported_run AS run")
    assert [row["who"] for row in gone] == [officials[1]]
    assert gone[0]["end"].to_native() == dt.date(2019, 12, 31), "a dated end is kept"
    assert gone[0]["since"].to_native() == dt.date(2024, 6, 30) and gone[0]["run"] == result.run_id
    assert db.read("MATCH (p:Person {id_number: $id}) RETURN p.phone AS phone",
                   id=officials[0]) == [{"phone": "13900000000"}]
    assert db.read("MATCH ()-[r:HOLDS_POSITION]->() RETURN count(r) AS n")[0]["n"] == 2


def test_strict_writes_nothing_when_a_row_is_rejected(db, tmp_path):
    folder = small_dataset(tmp_path / "ds")
    with (folder / "persons.csv").open("a", encoding="utf-8") as stream:
        stream.write("12345,坏号,,,\n")
    with pytest.raises(LoadFailed, match="--strict: 1 rows rejected, nothing written"):
        load_dataset(db, folder, strict=True)
    assert db.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0


def test_gb18030_chinese_headers_load_without_options(db, tmp_path):
    folder = tmp_path / "gbk"
    ids = [id_number(7), id_number(8)]
    write_table(folder, "人员", ["身份证号", "姓名", "性别", "出生日期"],
                [[ids[0].lower(), "欧阳娜娜", "女", "1980年1月1日"], [ids[1], "张三", "男", "1980/01/01"]],
                encoding="gb18030")
    result = load_dataset(db, folder)
    assert result.counts["persons"].written == 2
    names = db.read("MATCH (p:Person) RETURN p.name AS name, p.gender AS g ORDER BY name")
    assert {row["name"] for row in names} == {"欧阳娜娜", "张三"}


def test_company_held_shares_link_companies(db, tmp_path):
    folder = small_dataset(tmp_path / "ds")
    write_table(folder, "company_roles", ["credit_code", "holder_credit_code", "role", "share_pct"],
                [[credit_code(1), credit_code(2), "shareholder", "40%"]])
    load_dataset(db, folder)
    rows = db.read("MATCH (h:Company)-[r:HOLDS_ROLE]->(c:Company) RETURN h.credit_code AS h, "
                   "r.share_pct AS pct")
    assert rows == [{"h": credit_code(2), "pct": 40.0}]


def test_unchanged_files_are_skipped_and_changed_ones_compared(db, tmp_path):
    folder = small_dataset(tmp_path / "ds")
    load_dataset(db, folder)
    again = load_dataset(db, folder)
    assert all(count.skipped_file for count in again.counts.values())
    assert again.counts["persons"].unchanged == again.counts["persons"].read
    write_table(folder, "complaints", ["complaint_id", "date", "subject_unit_id", "text"],
                [["C1", "2024-01-02", "U1", "反映道路工程质量问题"]])
    third = load_dataset(db, folder)
    assert third.counts["complaints"].written == 1
    assert third.counts["persons"].skipped_file and third.unreported_ties == 0
    full = load_dataset(db, folder, full=True)
    assert full.rows_written == 0 and not full.counts["persons"].skipped_file


def test_relative_and_bidder_known_by_name_are_linked_not_merged(db, tmp_path):
    folder = small_dataset(tmp_path / "ds")
    official, spouse = id_number(0, "19600101"), id_number(2, "19620505")
    write_table(folder, "persons", ["id_number", "name", "gender", "birth_date", "phone"],
                [[official, "王建国", "男", "1960-01-01", "13800000000"],
                 [spouse, "李秀英", "女", "1962-05-05", "13911112222"]])
    write_table(folder, "kinship", ["id_number", "relative_id_number", "relative_name",
                                    "relative_birth_date", "relation"],
                [[official, "", "李秀英", "1962-05-05", "spouse"],
                 [official, "", "", "", "child"]])  # neither id nor name: rejected
    write_table(folder, "bids", ["tender_id", "bidder_credit_code", "bidder_name", "won"],
                [["T1", "", "某县宏达建筑工程有限公司", "false"],
                 ["T1", credit_code(1), "", "true"]])
    result = load_dataset(db, folder)
    assert result.counts["kinship"].rejected == 1
    assert result.possible_duplicates == 2
    link = db.read("MATCH (a:Person {keyless: true})-[r:POSSIBLY_SAME_AS]->(b:Person) "
                   "RETURN a.name AS a, b.id_number AS b, r.reasons AS why")
    assert link[0]["a"] == "李秀英" and link[0]["b"] == spouse
    assert any("birth_date" in reason for reason in link[0]["why"])
    bidder = db.read("MATCH (a:Company {keyless: true})-[:POSSIBLY_SAME_AS]->(b:Company) "
                     "RETURN b.credit_code AS b")
    assert bidder == [{"b": credit_code(1)}]
    again = load_dataset(db, folder, full=True)
    assert again.rows_written == 0, "synthetic keys are stable across loads"
