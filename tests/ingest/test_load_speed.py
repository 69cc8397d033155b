"""What a first load does to go faster keeps the graph, the schema and the reports it promises.

A first load into an empty store builds the indexes its writes never read after the writes
(``graph.migrate.defer_indexes``); a load that dies in between leaves them to be created
again by the next load or by ``lianjian db migrate``.
"""
from __future__ import annotations

from builders import small_dataset
from graph.migrate import (defer_indexes, deferrable_statements, migrate,
                           restore_deferred_indexes, schema_statements)
from ingest.load_run import LOADED_LABELS
from ingest.loader import load_dataset
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
