"""What a first load does to go faster keeps the graph, the schema and the reports it promises.

A first load into an empty store builds the indexes its writes never read after the writes
(``graph.migrate.defer_indexes``); a load that dies in between leaves them to be created
again by the next load or by ``lianjian db migrate``.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from builders import credit_code, people, small_dataset, write_table
from graph.migrate import (defer_indexes, deferrable_statements, migrate,
                           restore_deferred_indexes, schema_statements)
from ingest import load_run
from ingest.load_run import LOADED_LABELS
from ingest.loader import _validated, load_dataset
from ingest.readers import read_rows
from synthetic import generate
from test_loader import snapshot


def _indexes(db) -> dict[str, str]:
    """Every index and its state (constraints have their backing index)."""
    return {row["name"]: row["state"]
            for row in db.read("SHOW INDEXES YIELD name, state RETURN name, state")}


def _missing(db) -> set[str]:
    names = set(_indexes(db))
    names |= {row["name"] for row in db.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    return {statement.name for statement in schema_statements()} - names


def test_deferrable_indexes_are_never_constraints_or_rel_keys():
    names = {statement.name for statement in deferrable_statements(LOADED_LABELS)}
    assert "person_fulltext" in names and "transaction_date" in names
    assert "contract_src_dataset" in names and "tender_record_key" in names
    assert not any(name.endswith("_unique") for name in names)
    assert not any(name.startswith("rel_") for name in names)
    assert not any(name.startswith(("alert_", "claim_", "user_")) for name in names)


def test_first_load_with_deferred_indexes_gives_the_same_graph_and_schema(db, tmp_path):
    folder = small_dataset(tmp_path / "ds", persons=40, transactions=300)
    deferred = load_dataset(db, folder, report_dir=tmp_path, defer_indexes=True)
    assert "person_fulltext" in deferred.deferred_indexes
    assert _missing(db) == set()
    assert set(_indexes(db).values()) == {"ONLINE"}
    with_deferral = snapshot(db)
    # The full-text index built after the writes finds what they wrote.
    hits = db.read("CALL db.index.fulltext.queryNodes('person_fulltext', '人员7') "
                   "YIELD node RETURN node.name AS name")
    assert {"name": "人员7"} in hits

    db.delete_all_data()
    plain = load_dataset(db, folder, report_dir=tmp_path, defer_indexes=False)
    assert plain.deferred_indexes == []
    assert snapshot(db) == with_deferral
    assert {t: vars(c) for t, c in deferred.counts.items()} == \
        {t: vars(c) for t, c in plain.counts.items()}
    assert deferred.report.issues == plain.report.issues


def test_store_with_any_data_defers_nothing(db):
    db.write("CREATE (:User {username: 'someone'})")
    assert defer_indexes(db, LOADED_LABELS) == []
    assert _missing(db) == set()


def test_indexes_dropped_by_a_load_that_died_come_back_with_the_next_load(db, tmp_path):
    dropped = defer_indexes(db, LOADED_LABELS)  # what a load does before its first write
    assert "person_fulltext" in dropped and _missing(db) == set(dropped)
    # The process dies here. The next load, on a store that is no longer empty, builds them.
    load_dataset(db, small_dataset(tmp_path / "ds", persons=10, transactions=10),
                 report_dir=tmp_path, defer_indexes=False)
    assert _missing(db) == set()
    assert restore_deferred_indexes(db) == []  # the mark is gone


def test_indexes_dropped_by_a_load_that_died_come_back_with_migrate(db):
    dropped = defer_indexes(db, LOADED_LABELS)
    assert dropped and _missing(db) == set(dropped)
    result = migrate(db)
    assert set(result["created"]) >= set(dropped)
    assert _missing(db) == set()
    assert restore_deferred_indexes(db) == []
    migrate(db)  # idempotent: nothing else to create
    assert _missing(db) == set()


# --- CREATE without reading first, indexes after: the graph of a MERGE load, row for row ---

def shared_references(folder: Path) -> Path:
    """Rows that many batches share: stubs, tenders, keyless parties, duplicate keys."""
    ids = people(30)
    small_dataset(folder, persons=20, transactions=0)  # persons 0-19 are defined
    stranger, other = ids[25], ids[26]  # named by rows, defined by no table: stubs
    write_table(folder, "kinship", ["id_number", "relative_id_number", "relative_name",
                                    "relative_birth_date", "relation"],
                [[ids[i % 20], "" if i % 3 else stranger, "张三" if i % 3 else "",
                  "1970-01-01" if i % 3 else "", "sibling" if i % 2 else "spouse"]
                 for i in range(40)])
    write_table(folder, "bids", ["tender_id", "bidder_credit_code", "bidder_name", "won"],
                [[f"T{i % 4}", "" if i % 2 else credit_code(100 + i), "某某建筑公司",
                  "false"] for i in range(40)])
    write_table(folder, "subsidies", ["payment_id", "program", "recipient_id_number",
                                      "amount", "date", "unit_id", "approver_id_number",
                                      "account_no"],
                [[f"FF{i % 45}", "subsistence_allowance", [stranger, other, ids[i % 20]][i % 3],
                  "100.00", "2023-01-01", "U9" if i % 2 else "U1", other, f"62{i % 3:014d}"]
                 for i in range(50)])  # FF0-FF4 twice: the first row is kept
    write_table(folder, "transactions", ["txn_id", "from_account", "to_account", "amount",
                                         "date"],
                [[f"TX{i}", f"62{i % 3:014d}", f"63{i % 2:014d}", "10.00", "2022-02-02"]
                 for i in range(40)])
    return folder


BATCH = 7


def _serial_merge_load(db, folder: Path, monkeypatch, tmp_path):
    """The reference: every row read first and MERGEd (no CREATE), indexes kept."""
    with monkeypatch.context() as patch:
        patch.setattr(load_run.Loader, "_nothing_stored", lambda self, writer: False)
        for table, writer in list(load_run.WRITERS.items()):
            patch.setitem(load_run.WRITERS, table, replace(writer, create_query=None))
        return load_dataset(db, folder, report_dir=tmp_path, batch_size=BATCH,
                            defer_indexes=False)


def _same_load(first, second) -> None:
    assert {t: vars(c) for t, c in first.counts.items()} == \
        {t: vars(c) for t, c in second.counts.items()}
    assert first.report.issues == second.report.issues
    assert (first.stubs, first.possible_duplicates) == (second.stubs, second.possible_duplicates)


def test_create_load_gives_the_graph_of_a_merge_load(db, tmp_path, monkeypatch):
    folder = shared_references(tmp_path / "ds")
    serial = _serial_merge_load(db, folder, monkeypatch, tmp_path)
    assert serial.stubs >= 5  # stranger, other, U9, the accounts of transactions...
    assert db.read("MATCH (n {keyless: true}) RETURN count(n) AS n")[0]["n"] == 2
    reference = snapshot(db)
    db.delete_all_data()
    fast = load_dataset(db, folder, report_dir=tmp_path, batch_size=BATCH, defer_indexes=True)
    assert fast.deferred_indexes
    assert snapshot(db) == reference
    _same_load(serial, fast)
    again = load_dataset(db, folder, report_dir=tmp_path, full=True)
    assert again.rows_written == 0  # unchanged re-load detection holds for CREATEd rows


def test_first_load_of_a_generated_town_gives_the_graph_of_a_merge_load(db, tmp_path, monkeypatch):
    folder = tmp_path / "town"
    generate(scale="town", seed=3, out_dir=folder)
    serial = _serial_merge_load(db, folder, monkeypatch, tmp_path)
    reference = snapshot(db)
    db.delete_all_data()
    fast = load_dataset(db, folder, report_dir=tmp_path, batch_size=500)
    assert fast.deferred_indexes == []  # not by default
    assert snapshot(db) == reference
    _same_load(serial, fast)


def test_a_table_written_by_another_load_meanwhile_is_compared_not_duplicated(db, tmp_path):
    folder = small_dataset(tmp_path / "ds", persons=30, transactions=20)
    loader = load_run.Loader(db, "ds", str(folder), "x1", batch_size=10)
    fresh = load_run._Fresh(loader._nothing_stored(load_run.WRITERS["persons"]))
    assert fresh.value
    load_dataset(db, folder, report_dir=tmp_path)  # "another load" writes the persons
    loader.start()
    records = list(_validated("persons", read_rows("persons", folder / "persons.csv"),
                              loader.result.report, load_run.TableCount()))
    rows = [(load_run.write_row(load_run.WRITERS["persons"], record,
                                {"src_dataset": "ds", "src_run": "x1"}), record)
            for record in records[:10]]
    count = load_run.TableCount()
    loader._write_changed(load_run.WRITERS["persons"], rows, count, fresh)
    assert not fresh.value  # the constraint refused the CREATE: read and compared instead
    assert db.read("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 30
    assert (count.written, count.unchanged) == (0, 10)  # the same rows: found unchanged


def test_a_key_written_between_the_read_and_the_create_is_compared(db, tmp_path, monkeypatch):
    folder = small_dataset(tmp_path / "ds", persons=30, transactions=20)
    load_dataset(db, folder, report_dir=tmp_path)
    loader = load_run.Loader(db, "ds", str(folder), "x1", batch_size=10)
    loader.start()
    real, reads = load_run.Loader._stored_state, []

    def stale_first(self, writer, keys):  # the first read comes before the other load wrote
        reads.append(keys)
        return {} if len(reads) == 1 else real(self, writer, keys)

    monkeypatch.setattr(load_run.Loader, "_stored_state", stale_first)
    records = list(_validated("persons", read_rows("persons", folder / "persons.csv"),
                              loader.result.report, load_run.TableCount()))
    rows = [(load_run.write_row(load_run.WRITERS["persons"], record,
                                {"src_dataset": "ds", "src_run": "x1"}), record)
            for record in records[:10]]
    count = load_run.TableCount()
    loader._write_changed(load_run.WRITERS["persons"], rows, count)
    assert len(reads) == 2
    assert db.read("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 30
    assert (count.written, count.unchanged) == (0, 10)
