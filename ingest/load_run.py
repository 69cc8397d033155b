"""One load run: records into Neo4j, idempotent, incremental, resumable, with provenance.

- Batched ``UNWIND … MERGE`` in managed transactions (``ingest.writes``), one batch at a
  time (two sessions writing batches of a table at once cost the two-core server more CPU
  in lock waits and deadlock retries than they saved: docs/performance.md).
- A table whose label has no node yet (a first load) is written with ``CREATE`` without
  first reading what is stored; should another load write the same keys meanwhile, the
  uniqueness constraint refuses the batch and it is written again the ordinary way.
- Idempotent and fast to re-run: each row's hash is stored; rows already stored with the
  same hash are skipped, so an unchanged re-load only reads.
- Resumable: a load killed midway leaves whole batches behind; running it again writes the
  rest and ends in the same graph, since provenance names the extract (a digest of the
  files' content), not the process that happened to write it.
- A dataset is a named source: a folder whose name is already a dataset loaded from another
  folder is refused unless the name is given explicitly (``--dataset``), which says "this
  is a newer extract of that source".
- Incremental: ties (posts, kinship, company roles) of the dataset that a newer extract no
  longer reports are marked ``unreported_since`` (the extract's date) and
  ``unreported_run``, never given an end date no source gave, never deleted.
- Facts from several datasets are kept side by side (``ingest.sources``).
- A node that exists only because a row named it is a stub (``ingest.writes``); the stubs a
  dataset leaves are listed in the report.
- Every load is a ``LoadRun`` node with counts, rejects and duration.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

from neo4j.exceptions import ConstraintError

from graph.connection import Connection, batched
from graph.errors import LianjianError
from graph.migrate import build_deferred_indexes, defer_indexes, restore_deferred_indexes
from graph.model import load_model
from ingest import writes
from ingest.report import REFERENCE, REJECTED, IssueReport
from ingest.records import Issue, Record
from ingest.sources import Policy, load_policy, merge_sources, subject_of
from ingest.table_writers import (COMPANY_HELD_ROLES, REFERENCE_RELATIONSHIPS, TABLE_ORDER,
                                  WRITERS, TableWriter, write_row)

DATASET_PATH = "MATCH (d:Dataset {dataset_id: $dataset}) RETURN d.path AS path"

START_RUN = """
MERGE (d:Dataset {dataset_id: $dataset})
SET d.path = $path, d.name = coalesce(d.name, $dataset),
    d.registered_at = coalesce(d.registered_at, COLLECT {
      MATCH (old:LoadRun {dataset: $dataset}) RETURN old.started_at ORDER BY old.started_at
      LIMIT 1 }[0], datetime()),
    d.priority = coalesce($priority, d.priority, 0),
    d.table_priority = coalesce($table_priority, d.table_priority)
CREATE (r:LoadRun {run_id: $run_id, status: 'running', started_at: datetime(),
                   extract_id: $extract_id, dataset: $dataset, as_of: $as_of})
CREATE (r)-[:LOADED]->(d)
"""

FINISH_RUN = """
MATCH (r:LoadRun {run_id: $run_id})
SET r.status = $status, r.finished_at = datetime(), r.duration_s = $duration_s,
    r.rows_read = $rows_read, r.rows_rejected = $rows_rejected, r.rows_written = $rows_written,
    r.counts = $counts, r.files = $files, r.error = $error,
    r.unreported_ties = $unreported_ties, r.conflicts = $conflicts, r.stubs = $stubs,
    r.report = $report
"""

STUB_LABELS = ("Unit", "Person", "Company", "Account")
# Every label a load writes (Tender only as the end of FOR_TENDER): the labels whose indexes
# a first load into an empty store builds after its writes (``graph.migrate.defer_indexes``).
LOADED_LABELS = tuple(sorted({w.label for w in WRITERS.values() if w.label} | {"Tender"}))


class LoadFailed(LianjianError):
    """A load stopped before writing anything (``--strict``) or could not read its input."""


@dataclass
class TableCount:
    read: int = 0
    rejected: int = 0
    written: int = 0
    unchanged: int = 0
    skipped_file: bool = False  # identical to the file of the last completed load


@dataclass
class LoadResult:
    run_id: str
    dataset: str
    extract_id: str
    counts: dict[str, TableCount] = field(default_factory=dict)
    report: IssueReport = field(default_factory=IssueReport)
    unreported_ties: int = 0  # ties this extract no longer reports (marked, not ended)
    stubs: int = 0  # nodes only referenced, never defined, left by this dataset's rows
    possible_duplicates: int = 0  # POSSIBLY_SAME_AS links written for keyless parties
    deferred_indexes: list[str] = field(default_factory=list)  # built after the writes
    duration_s: float = 0.0
    report_path: Path | None = None
    previous_report: str | None = None  # the report of the last load, for skipped files

    @property
    def rows_read(self) -> int:
        return sum(c.read for c in self.counts.values())

    @property
    def rows_rejected(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    @property
    def rows_written(self) -> int:
        return sum(c.written for c in self.counts.values())


def extract_digest(paths: Iterable[Path]) -> str:
    """A digest of the files' bytes: the identity of one extract of a dataset."""
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(path.name.encode())
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def prefetched(chunks: Iterator[list], depth: int = 2) -> Iterator[list]:
    """Produce the next batches in a thread while the caller writes the current one.

    Validation is Python work and writing is mostly waiting on Neo4j, so the two overlap;
    the bounded queue keeps memory flat. An error in the producer is raised here.
    """
    queue: Queue = Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                queue.put(chunk)
        except BaseException as error:  # handed to the consumer
            queue.put(error)
        queue.put(done)

    thread = threading.Thread(target=produce, daemon=True, name="lianjian-validate")
    thread.start()
    while (item := queue.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


def key_digest(key: str) -> int:
    """A 64-bit digest of a row key: what the loader remembers per row, to keep memory flat.

    >>> key_digest("K1") == key_digest("K1") != key_digest("K2")
    True
    """
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


class _Deduplicator:
    """Keep the first row of each key of one table; later rows with that key are reported."""

    def __init__(self) -> None:
        self.first_row: dict[int, int] = {}

    def check(self, key: str, record: Record) -> Issue | None:
        first = self.first_row.setdefault(key_digest(key), record.row)
        if first == record.row:
            return None
        return Issue(record.file, record.row, "key", key,
                     f"duplicate of row {first}: the first row is kept", REJECTED, record.table)


@dataclass
class _Fresh:
    """Whether a table's rows are all new (its label had no node when it started)."""

    value: bool


class Loader:
    """One load of records into the graph (see the module docstring)."""

    def __init__(self, connection: Connection, dataset: str, path: str, extract_id: str,
                 batch_size: int = 2000, progress: bool = False, *, explicit: bool = True,
                 as_of: dt.date | None = None, priority: int | None = None,
                 table_priority: dict[str, int] | None = None, defer_indexes: bool = False):
        self.connection = connection
        self.defer_indexes = defer_indexes  # asked; done only on a store without data
        self.deferred: list[str] = []
        self.result = LoadResult(uuid.uuid4().hex[:12], dataset, extract_id)
        self.path = path
        self.batch_size = batch_size
        self.progress = progress
        self.file_digests: dict[str, str] = {}
        self.explicit, self.as_of = explicit, as_of
        self.priority, self.table_priority = priority, table_priority
        self.policy = Policy()

    def check_dataset(self) -> None:
        """Refuse to take another folder for a newer extract of a dataset it is not."""
        rows = self.connection.read(DATASET_PATH, dataset=self.result.dataset)
        known = rows[0]["path"] if rows else None
        if known and known != self.path and not self.explicit:
            name = self.result.dataset
            raise LoadFailed(
                f"dataset {name!r} was loaded from {known}, and {self.path} is another folder "
                f"with the same name. If it is a newer extract of the same source, load it with "
                f"--dataset {name}; if it is another source, give it its own name: "
                "--dataset NAME")

    def start(self) -> None:
        self.check_dataset()
        restore_deferred_indexes(self.connection)  # left dropped by a load that died
        if self.defer_indexes:
            self.deferred = defer_indexes(self.connection, LOADED_LABELS)
            self.result.deferred_indexes = list(self.deferred)
        table_priority = json.dumps(self.table_priority) if self.table_priority else None
        self.connection.write(START_RUN, dataset=self.result.dataset, path=self.path,
                              run_id=self.result.run_id, extract_id=self.result.extract_id,
                              as_of=self.as_of, priority=self.priority,
                              table_priority=table_priority)
        self.policy = load_policy(self.connection)

    def load_table(self, table: str, records: Iterable[Record],
                   mark_unreported: bool = False) -> None:
        """Write one table; then, if asked, mark its ties this extract no longer reports.

        What is remembered per row (duplicates, ties seen) lives only while the table loads,
        as 64-bit digests, so memory grows with the largest table, not the dataset.
        """
        writer = WRITERS[table]
        count = self.result.counts.setdefault(table, TableCount())
        provenance = {"src_dataset": self.result.dataset, "src_run": self.result.extract_id}
        seen_ties: set[int] = set()
        rows = self._accepted_rows(writer, records, count, provenance, seen_ties)
        fresh = _Fresh(self._nothing_stored(writer))
        for chunk in self._chunks(batched(rows, self.batch_size)):
            self._write_changed(writer, chunk, count, fresh)
        if mark_unreported and writer.tie:
            self._mark_unreported(writer, seen_ties)
        if self.deferred and writer.label:  # populated while the next tables load
            build_deferred_indexes(self.connection, (writer.label,))

    def _chunks(self, chunks: Iterator[list]) -> Iterator[list]:
        """Batches validated in a thread while the server writes the one before."""
        return prefetched(chunks)

    def _nothing_stored(self, writer: TableWriter) -> bool:
        """No node of the table's label yet, so every row is new (``CREATE``, no read).

        Not for a table whose rows name nodes of its own label (a unit's parent: a stub
        that a later row fills in), nor for ties (no constraint would catch a second one).
        """
        if not writer.label or not writer.create_query or writer.label in {
                label for _, label in REFERENCE_RELATIONSHIPS.get(writer.table, {})}:
            return False
        label = load_model().check_label(writer.label)
        return self.connection.read(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"] == 0

    def _accepted_rows(self, writer: TableWriter, records: Iterable[Record], count: TableCount,
                       provenance: dict, seen_ties: set[int]) -> Iterator[tuple[dict, Record]]:
        deduplicator = _Deduplicator()
        for record in records:
            row = write_row(writer, record, provenance)
            duplicate = deduplicator.check(row["key"], record)
            if duplicate:
                self.result.report.extend([duplicate])
                count.rejected += 1
                continue
            if writer.tie:
                seen_ties.add(key_digest(row["key"]))
            yield row, record

    def _write_changed(self, writer: TableWriter, chunk: list[tuple[dict, Record]],
                       count: TableCount, fresh: _Fresh | None = None) -> None:
        if fresh and fresh.value:  # every row is new: nothing to read first
            try:
                return self._write_classified(writer, chunk, count, {})
            except ConstraintError:  # another load wrote some of these keys meanwhile
                fresh.value = False
        keys = [row["key"] for row, _ in chunk]
        try:
            self._write_classified(writer, chunk, count, self._stored_state(writer, keys))
        except ConstraintError:  # a key read as new was written by another load meanwhile
            self._write_classified(writer, chunk, count, self._stored_state(writer, keys))

    def _write_classified(self, writer: TableWriter, chunk: list[tuple[dict, Record]],
                          count: TableCount, stored: dict[str, dict]) -> None:
        dataset = self.result.dataset
        new, single, several, records = [], [], [], {}
        for row, record in chunk:
            state = stored.get(row["key"])
            if state is None:
                new.append(row)
            elif state["stub"] or (state["dataset"] == dataset and not state["sources"]):
                if state["stub"] or state["hash"] != row["props"]["src_hash"]:
                    single.append(row)
            elif state["claim_hash"] != row["props"]["src_hash"]:
                several.append(row)
                records[row["key"]] = record
        changed = len(new) + len(single) + len(several)
        if writer.create_query:
            self._write(writer.create_query, new)  # may be refused: nothing counted yet
        else:
            single = new + single
        count.unchanged += len(chunk) - changed
        count.written += changed
        if several:
            single += merge_sources(self.connection, writer, several, records, dataset,
                                    self.result.run_id, self.policy, self.result.report.issues)
        self._write_rows(writer, single)

    def _write_rows(self, writer: TableWriter, rows: list[dict]) -> None:
        if writer.table == "company_roles":
            self._write(writer.query, [row for row in rows if row.get("holder_id_number")])
            self._write(COMPANY_HELD_ROLES, [row for row in rows if not row.get("holder_id_number")])
        else:
            self._write(writer.query, rows)

    def _write(self, query: str, rows: list[dict]) -> None:
        if rows:
            self.connection.write_batches(query, rows, batch_size=len(rows))

    def _stored_state(self, writer: TableWriter, keys: list[str]) -> dict[str, dict]:
        """What the graph holds for each key of a batch (absent keys are new rows)."""
        model = load_model()
        if writer.label:
            node = model.node(writer.label)
            query = writes.STORED_NODE_HASHES.format(label=model.check_label(writer.label),
                                                     key=f"`{node.key}`")
        else:
            query = writes.STORED_TIE_HASHES.format(
                rel_type=model.check_relationship_type(writer.tie))
        stored = self.connection.read(query, keys=keys, dataset=self.result.dataset,
                                      claim_prefix=subject_of(writer) + "|")[0]["stored"]
        names = ("hash", "dataset", "stub", "sources", "claim_hash")
        return {key: dict(zip(names, rest)) for key, *rest in stored}

    def _mark_unreported(self, writer: TableWriter, seen: set[int]) -> None:
        """Mark ties of this dataset that this extract no longer reports (history is kept)."""
        rel_type = load_model().check_relationship_type(writer.tie)
        stored = self.connection.read(writes.REPORTED_TIES_OF_DATASET.format(rel_type=rel_type),
                                      dataset=self.result.dataset, subject=writer.tie)
        missing = sorted({row["key"] for row in stored if key_digest(row["key"]) not in seen})
        as_of = self.as_of or dt.date.today()
        for chunk in batched(missing, self.batch_size):
            self.connection.write(writes.MARK_UNREPORTED_TIES.format(rel_type=rel_type),
                                  keys=chunk, as_of=as_of, run_id=self.result.run_id,
                                  dataset=self.result.dataset, subject=writer.tie,
                                  claim_prefix=writer.tie + "|")
        self.result.unreported_ties += len(missing)

    def report_stubs(self) -> None:
        """A report line per node this dataset's rows named but no table defines."""
        model = load_model()
        for label in STUB_LABELS:
            node = model.node(label)
            query = writes.STUBS_OF_DATASET.format(label=model.check_label(label),
                                                   key=node.key)
            for row in self.connection.read(query, dataset=self.result.dataset):
                more = row["references"] - 1
                also = f"; {more} more row(s) of this dataset name it" if more > 0 else ""
                self.result.report.extend([Issue(
                    row["file"], row["row"], row["column"] or "", row["key"],
                    f"reference to a {node.name_en.lower()} ({node.name_zh}) that no table "
                    f"defines: kept as a stub node (stub = true), known only from this row{also}",
                    REFERENCE)])
                self.result.stubs += 1

    def finish(self, status: str, began: float, error: str | None = None) -> LoadResult:
        if self.deferred:  # built now, inside the load's time; the queries below read them
            restore_deferred_indexes(self.connection)
            self.deferred = []
        self.connection.write(writes.DROP_SUPERSEDED_LEGAL_REPS)
        if status == "completed":
            self.report_stubs()
        self.result.duration_s = time.monotonic() - began
        counts = {t: vars(c) for t, c in self.result.counts.items()}
        report = str(self.result.report_path) if self.result.report_path else None
        self.connection.write(FINISH_RUN, run_id=self.result.run_id, status=status,
                              duration_s=self.result.duration_s,
                              rows_read=self.result.rows_read,
                              rows_rejected=self.result.rows_rejected,
                              rows_written=self.result.rows_written,
                              counts=json.dumps(counts), files=json.dumps(self.file_digests),
                              error=error, unreported_ties=self.result.unreported_ties,
                              conflicts=self.result.report.count("conflict"),
                              stubs=self.result.stubs, report=report)
        return self.result


def load_records(connection: Connection, records_by_table: dict[str, Iterable[Record]],
                 dataset: str, source_path: str, extract_id: str | None = None,
                 as_of: dt.date | None = None, close_missing: bool = False,
                 batch_size: int = 2000, explicit: bool = True,
                 report: IssueReport | None = None, report_dir: Path | None = None
                 ) -> LoadResult:
    """Load already validated records (from an importer) as one LoadRun.

    ``report`` holds what the importer already found (skipped, corrected, merged input);
    the load adds its own lines to it, and with ``report_dir`` writes it there before the
    first row and again at the end (or when the load fails). ``close_missing`` marks ties
    of the dataset that these records no longer report (see the module docstring).
    """
    loader = Loader(connection, dataset, source_path, extract_id or uuid.uuid4().hex[:16],
                    batch_size, explicit=explicit, as_of=as_of)
    if report is not None:
        loader.result.report = report
    began = time.monotonic()
    loader.start()
    write_report(loader.result, report_dir)
    try:
        for table in TABLE_ORDER:
            if table in records_by_table:
                records = list(records_by_table[table])
                loader.result.counts.setdefault(table, TableCount()).read += len(records)
                loader.load_table(table, records, mark_unreported=close_missing)
    except BaseException as error:
        write_report(loader.result, report_dir)
        loader.finish("failed", began, f"{type(error).__name__}: {error}")
        raise
    result = loader.finish("completed", began)
    write_report(result, report_dir)
    return result


def write_report(result: LoadResult, folder: Path | None) -> Path | None:
    """The run's report as ``load-report-<run>.csv`` in ``folder``; written again as it grows."""
    if folder is None:
        return result.report_path
    result.report_path = result.report.write_csv(Path(folder) / f"load-report-{result.run_id}.csv")
    return result.report_path
