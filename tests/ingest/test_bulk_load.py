"""``lianjian load --bulk`` builds the graph the online load builds, and refuses where it must.

The bulk path stops the server it imports into, so it gets a local server of its own
(``bulk``: its own home and port, the session's jars); the online load of the same rows
goes to the session's server (``db``), and the two graphs are compared whole: every node's
labels and properties, every relationship's type, ends and properties, the load run's
record and the report, all but run ids and clock times.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builders import credit_code, people, small_dataset, write_table
from conftest import ROOT, own_server
from graph.connection import connect
from graph.local_server import LocalServer
from graph.settings import Settings
from ingest.bulk_load import BulkRefused, bulk_load_dataset
from ingest.loader import load_dataset
from synthetic import generate
from test_loader import snapshot

# Properties that name the run or the clock, not the data: they differ between any two loads.
VOLATILE = {"run_id", "started_at", "finished_at", "duration_s", "report", "registered_at",
            "applied_at", "unreported_run"}


@pytest.fixture(scope="module")
def bulk_settings() -> Settings:
    """A local server of the bulk tests' own (the import replaces its store)."""
    with own_server("bulk", heap="512m") as settings:
        yield settings


@pytest.fixture
def bulk(bulk_settings: Settings):
    """A connection to the bulk server's database, emptied (schema and all) for one test."""
    with connect(bulk_settings) as connection:
        connection.delete_all_data()
        yield connection


def bookkeeping(connection) -> list:
    """The Dataset and LoadRun records, without run ids and clock times."""
    rows = connection.read("MATCH (n) WHERE n:Dataset OR n:LoadRun "
                           "RETURN labels(n) AS labels, properties(n) AS props")
    return sorted(repr((row["labels"], sorted((k, v) for k, v in row["props"].items()
                                              if k not in VOLATILE))) for row in rows)


def report_lines(result) -> list:
    with open(result.report_path, encoding="utf-8-sig", newline="") as stream:
        return sorted(map(tuple, csv.reader(stream)))


def without_run_ids(snapshotted: tuple) -> tuple:
    """``test_loader.snapshot`` without the run that marked a tie unreported (a run id)."""
    return tuple([re.sub(r"\('unreported_run', '[0-9a-f]+'\), ", "", item) for item in part]
                 for part in snapshotted)


def assert_same_graph(online, bulk) -> None:
    nodes, rels = without_run_ids(snapshot(online))
    bulk_nodes, bulk_rels = without_run_ids(snapshot(bulk))
    assert len(bulk_nodes) == len(nodes) and len(bulk_rels) == len(rels)
    assert set(bulk_nodes) ^ set(nodes) == set()
    assert set(bulk_rels) ^ set(rels) == set()
    assert bulk_nodes == nodes and bulk_rels == rels
    assert bookkeeping(bulk) == bookkeeping(online)


def counts(result) -> dict:
    return {table: vars(count) for table, count in result.counts.items()}


def messy_dataset(folder: Path) -> Path:
    """The small dataset plus what tends to break files and stubs: quotes, commas, line
    breaks, markup, backslashes, children before parents, references no table defines,
    parties known only by name, a dated legal representative, a month-only start."""
    small_dataset(folder, persons=40, transactions=60)
    ids = people(40)
    write_table(folder, "units", ["unit_id", "name", "parent_unit_id", "level", "kind"],
                [["U2", '某"乡"镇, 人民政府', "U3", "township", "government"],
                 ["U0", "某县人民政府", "", "county", "government"],
                 ["U1", "某县交通运输局\\路政", "U0", "county", "government"],
                 ["U3", "<script>alert(1)</script>", "U0", "county", "government"],
                 ["U4", "某村委会", "U9", "village", "committee"]])
    with (folder / "persons.csv").open("a", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerow([people(41)[40], "王\n小明", "", "", ""])
    write_table(folder, "positions", ["id_number", "unit_id", "title", "start_date", "end_date",
                                      "duties"],
                [[ids[0], "U1", "局长", "2018-01-01", "", "overall;personnel"],
                 [ids[1], "U1", "科员", "2015-01-01", "2019-12-31", ""],
                 [ids[5], "U7", "主任", "2019-03", "", "finance"],
                 [people(45)[44], "U2", "副镇长", "2020", "", ""]])
    write_table(folder, "kinship", ["id_number", "relative_id_number", "relative_name",
                                    "relation"],
                [[ids[0], ids[2], "", "spouse"], [ids[2], ids[3], "", "sibling"],
                 [ids[4], "", "李四", "sibling"], [ids[6], "", "李四", "sibling"],
                 [people(50)[49], ids[7], "", "child"]])
    write_table(folder, "company_roles", ["credit_code", "holder_id_number",
                                          "holder_credit_code", "role", "share_pct",
                                          "start_date", "end_date"],
                [[credit_code(1), ids[3], "", "shareholder", "60", "2019-05-01", ""],
                 [credit_code(1), ids[3], "", "legal_rep", "", "2019-05-01", ""],
                 [credit_code(1), "", credit_code(2), "shareholder", "40", "2019-05-01", ""]])
    write_table(folder, "contracts", ["contract_id", "tender_id", "buyer_unit_id",
                                      "supplier_credit_code", "title", "category", "amount",
                                      "currency", "method", "signed_date",
                                      "approver_id_number"],
                [["K1", "T1", "U1", credit_code(1), "道路维修", "works", "3,500,000.00", "",
                  "public_tender", "2020-06-01", ids[0]],
                 ["K2", "T2", "U8", credit_code(3), '"设备", 采购\n二期', "goods", "12000",
                  "USD", "inquiry", "2021-02-03", ""]])
    write_table(folder, "bids", ["tender_id", "bidder_credit_code", "bidder_name",
                                 "bid_amount", "won", "submitted_date"],
                [["T1", credit_code(1), "", "3500000", "true", "2020-05-01"],
                 ["T1", "", "某某建筑队", "3600000", "false", "2020-05-02"],
                 ["T3", credit_code(4), "", "100", "false", "2020-05-02"]])
    write_table(folder, "subsidies", ["payment_id", "program", "recipient_id_number",
                                      "amount", "date", "unit_id", "approver_id_number",
                                      "account_no"],
                [["S1", "低保", people(60)[59], "420", "2021-09-13", "U4", people(60)[59],
                  "6222000000000001"],
                 ["S2", "低保", ids[8], "420", "2021-10-13", "U4", ids[1], "6229999999999999"]])
    write_table(folder, "complaints", ["complaint_id", "date", "subject_id_number",
                                       "subject_unit_id", "category", "text"],
                [["C1", "2024-04-01", ids[0], "", "作风问题", '反映"某某"\n吃拿卡要, 见\\附件']])
    return folder


def test_bulk_builds_the_graph_of_the_online_load(db, bulk, bulk_settings, tmp_path):
    data = tmp_path / "town"
    generate(scale="town", seed=5, out_dir=data)
    online = load_dataset(db, data, report_dir=tmp_path / "online")
    result = bulk_load_dataset(bulk, data, settings=bulk_settings,
                               report_dir=tmp_path / "bulk")
    assert result.rows_written > 15_000 and result.stubs == online.stubs
    assert counts(result) == counts(online)
    assert report_lines(result) == report_lines(online)
    assert_same_graph(db, bulk)
    indexes = bulk.read("SHOW INDEXES YIELD name, state RETURN name, state")
    assert {row["name"] for row in indexes} == {
        row["name"] for row in db.read("SHOW INDEXES YIELD name RETURN name")}
    assert {row["state"] for row in indexes} == {"ONLINE"}


def test_bulk_of_messy_rows_then_incremental_loads_match_online(db, bulk, bulk_settings,
                                                                  tmp_path):
    data = messy_dataset(tmp_path / "messy")
    online = load_dataset(db, data, dataset="messy", report_dir=tmp_path / "online")
    result = bulk_load_dataset(bulk, data, settings=bulk_settings, dataset="messy",
                               report_dir=tmp_path / "bulk")
    assert result.stubs == online.stubs > 5
    assert report_lines(result) == report_lines(online)
    assert_same_graph(db, bulk)
    names = {row["name"] for row in bulk.read("MATCH (n) WHERE n.name IS NOT NULL "
                                              "RETURN n.name AS name")}
    assert {'某"乡"镇, 人民政府', "某县交通运输局\\路政", "<script>alert(1)</script>",
            "王小明"} <= names  # line breaks in text are folded by the loader, both ways
    assert bulk.read("MATCH (c:Complaint) RETURN c.text AS text") == [
        {"text": '反映"某某" 吃拿卡要, 见\\附件'}]

    # An unchanged re-load after the bulk load writes nothing, row by row (as online).
    for connection in (db, bulk):
        again = load_dataset(connection, data, dataset="messy", report_dir=tmp_path / "again",
                             full=True)
        assert again.rows_written == 0 and again.counts["persons"].unchanged == 41

    # A changed extract loads incrementally on both, to the same graph.
    changed = tmp_path / "changed"
    shutil.copytree(data, changed)
    persons = (changed / "persons.csv").read_text(encoding="utf-8")
    (changed / "persons.csv").write_text(persons.replace("人员7,", "人员七,"), encoding="utf-8")
    kinship = (changed / "kinship.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (changed / "kinship.csv").write_text("".join(kinship[:-1]), encoding="utf-8")
    written = []
    for connection in (db, bulk):
        later = load_dataset(connection, changed, dataset="messy", report_dir=tmp_path / "later")
        assert later.counts["persons"].written == 1 and later.unreported_ties == 1
        assert later.counts["positions"].skipped_file
        written.append({table: count.written for table, count in later.counts.items()})
    assert written[0] == written[1], written
    assert_same_graph(db, bulk)


def test_bulk_refuses_a_database_that_holds_data(bulk, bulk_settings, tmp_path):
    data = small_dataset(tmp_path / "ds", persons=5, transactions=5)
    bulk.write("CREATE (:Person {id_number: 'x', name: '已有'})")
    with pytest.raises(BulkRefused, match="only into an empty database.*without --bulk"):
        bulk_load_dataset(bulk, data, settings=bulk_settings, report_dir=tmp_path)
    assert bulk.read("MATCH (n) RETURN count(n) AS n") == [{"n": 1}]
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEO4J_")}
    done = subprocess.run(
        [sys.executable, "-m", "lianjian.cli", "load", str(data), "--bulk", "--quiet"],
        cwd=ROOT, capture_output=True, text=True,
        env={**env, "LIANJIAN_HOME": str(bulk_settings.home),
             "LIANJIAN_BOLT_PORT": str(bulk_settings.bolt_port)})
    assert done.returncode == 1
    assert done.stderr.startswith("error: --bulk loads only into an empty database")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert bulk.read("MATCH (n) RETURN count(n) AS n") == [{"n": 1}]


def test_bulk_refuses_a_server_that_is_not_local(bulk, bulk_settings, tmp_path):
    data = small_dataset(tmp_path / "ds", persons=5, transactions=5)
    remote = Settings(home=bulk_settings.home, neo4j_uri="neo4j://elsewhere.example:7687")
    with pytest.raises(BulkRefused, match="NEO4J_URI is set"):
        bulk_load_dataset(bulk, data, settings=remote, report_dir=tmp_path)
    stopped = Settings(home=tmp_path / "no-server", bolt_port=bulk_settings.bolt_port)
    with pytest.raises(BulkRefused, match="lianjian db start"):
        bulk_load_dataset(bulk, data, settings=stopped, report_dir=tmp_path)
    assert bulk.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]


def test_import_files_keep_types_empty_strings_and_split_varying_types(tmp_path):
    import datetime as dt

    from ingest.bulk_files import write_import_files
    from ingest.bulk_graph import BulkUnsupported, FirstLoadGraph

    graph = FirstLoadGraph()
    graph.nodes["Person"].update({
        "a": {"id_number": "a", "x": 1, "name": '某"人", 甲', "born": dt.date(1980, 1, 2)},
        "b": {"id_number": "b", "x": "1", "name": "", "stub": True, "duties": ["a", "b"]}})
    files = write_import_files(graph, tmp_path)
    texts = sorted(path.read_text(encoding="utf-8") for _, path in files.nodes)
    assert texts == [
        ':ID(Person),born:date,id_number:string,name:string,x:long\n'
        '"a",1980-01-02,"a","某""人"", 甲",1\n',
        ':ID(Person),duties:string[],id_number:string,name:string,stub:boolean,x:string\n'
        '"b","a\x1fb","b","",true,"1"\n']
    assert not files.multiline and "--ignore-empty-strings=false" in files.arguments()
    with pytest.raises(BulkUnsupported, match="already written to its import files"):
        graph.nodes["Person"]["c"] = {"id_number": "c"}      # taken out, sealed
    graph = FirstLoadGraph()
    graph.nodes["Person"]["c"] = {"id_number": "c", "duties": ["a\x1fb"]}
    with pytest.raises(BulkUnsupported, match="U\\+001F"):
        write_import_files(graph, tmp_path / "again")


def test_a_failed_import_leaves_the_server_up_and_the_database_empty(bulk, bulk_settings,
                                                                      tmp_path):
    from graph.admin_import import AdminImportFailed, import_offline
    from graph.migrate import migrate

    bad = tmp_path / "bad.csv"
    bad.write_text(':ID(Person),x:long\n"a",abc\n', encoding="utf-8")
    server = LocalServer(bulk_settings)
    with pytest.raises(AdminImportFailed) as failure:
        import_offline(server, [f"--nodes=Person={bad}", "--bad-tolerance=0"], bulk_settings)
    message = str(failure.value)
    assert "\n" not in message and "the database is empty again" in message
    assert 'Not an integer: "abc"' in message and str(bad) in message
    assert server.pid() is not None
    migrate(bulk)
    assert bulk.read("MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n) AS n") == [{"n": 0}]


def test_a_taken_type_is_sealed_so_a_late_question_stops_the_load():
    """What was written to import files mid-load cannot be asked again: "absent" would be a
    guess, so the bulk load stops (the user loads without --bulk)."""
    from ingest.bulk_graph import BulkUnsupported, FirstLoadGraph

    graph = FirstLoadGraph()
    graph._merge_rel("HOLDS_POSITION", ("Person", "p"), ("Unit", "u"), "k1", {"title": "局长"})
    assert graph.tie_state("HOLDS_POSITION", "k1")[0] == "k1"
    taken = graph.take_type("HOLDS_POSITION")
    assert list(taken.values()) == [{"rel_key": "k1", "title": "局长"}]
    assert ("HOLDS_POSITION", "k1") not in graph.keyed
    with pytest.raises(BulkUnsupported, match="HOLDS_POSITION was already written"):
        graph.tie_state("HOLDS_POSITION", "k1")


def test_a_failure_while_rows_are_built_brings_the_stopped_server_back(bulk, bulk_settings,
                                                                         tmp_path, monkeypatch):
    """The server stops as the rows start; a disk that fills up while a writer process
    writes a finished table's files ends the load in one line and leaves the server up with
    the database as it was (empty)."""
    import ingest.bulk_files
    from graph.errors import LianjianError

    data = small_dataset(tmp_path / "ds", persons=5, transactions=5)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest.bulk_files, "write_relationships", full_disk)
    with pytest.raises(LianjianError) as failure:
        bulk_load_dataset(bulk, data, settings=bulk_settings, report_dir=tmp_path)
    assert "cannot write the import files" in str(failure.value)
    assert "No space left on device" in str(failure.value) and "\n" not in str(failure.value)
    assert LocalServer(bulk_settings).pid() is not None
    assert bulk.read("MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n) AS n") == [{"n": 0}]
    monkeypatch.undo()
    result = bulk_load_dataset(bulk, data, settings=bulk_settings, report_dir=tmp_path)
    assert result.rows_written > 0, "--bulk runs again after the failure"
