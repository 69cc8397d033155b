"""One load run: records into Neo4j, idempotent, incremental, resumable, with provenance.

- Batched ``UNWIND … MERGE`` in managed transactions (``ingest.writes``).
- Idempotent and fast to re-run: each row's hash is stored; rows already stored with the
  same hash are skipped, so an unchanged re-load only reads.
- Resumable: a load killed midway leaves whole batches behind; running it again writes the
  rest and ends in the same graph, since provenance names the extract (a digest of the
  files' content), not the process that happened to write it.
- Incremental: ties (posts, kinship, company roles) of the same dataset that a newer
  extract no longer holds are closed with ``closed_date`` (and ``end_date`` when open),
  never deleted.
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

from graph.connection import Connection, batched
from graph.errors import LianjianError
from graph.model import load_model
from ingest import writes
from ingest.report import REJECTED, IssueReport
from ingest.records import Issue, Record
from ingest.table_writers import COMPANY_HELD_ROLES, TABLE_ORDER, WRITERS, TableWriter, write_row

START_RUN = """
MERGE (d:Dataset {dataset_id: $dataset})
SET d.path = $path, d.name = coalesce(d.name, $dataset)
CREATE (r:LoadRun {run_id: $run_id, status: 'running', started_at: datetime(),
                   extract_id: $extract_id, dataset: $dataset})
CREATE (r)-[:LOADED]->(d)
"""

FINISH_RUN = """
MATCH (r:LoadRun {run_id: $run_id})
SET r.status = $status, r.finished_at = datetime(), r.duration_s = $duration_s,
    r.rows_read = $rows_read, r.rows_rejected = $rows_rejected, r.rows_written = $rows_written,
    r.counts = $counts, r.files = $files, r.error = $error
"""


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
    closed_ties: int = 0
    possible_duplicates: int = 0  # POSSIBLY_SAME_AS links written for keyless parties
    duration_s: float = 0.0
    report_path: Path | None = None

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

    def check(self, writer: TableWriter, record: Record) -> Issue | None:
        key = writer.key(record.values)
        first = self.first_row.setdefault(key_digest(key), record.row)
        if first == record.row:
            return None
        return Issue(record.file, record.row, "key", key,
                     f"duplicate of row {first}: the first row is kept", REJECTED)


class Loader:
    """One load of records into the graph (see the module docstring)."""

    def __init__(self, connection: Connection, dataset: str, path: str, extract_id: str,
                 batch_size: int = 2000, progress: bool = False):
        self.connection = connection
        self.result = LoadResult(uuid.uuid4().hex[:12], dataset, extract_id)
        self.path = path
        self.batch_size = batch_size
        self.progress = progress
        self.file_digests: dict[str, str] = {}

    def start(self) -> None:
        self.connection.write(START_RUN, dataset=self.result.dataset, path=self.path,
                              run_id=self.result.run_id, extract_id=self.result.extract_id)

    def load_table(self, table: str, records: Iterable[Record],
                   close_missing_as_of: dt.date | None = None) -> None:
        """Write one table; with a date, then close its ties this extract no longer holds.

        What is remembered per row (duplicates, ties seen) lives only while the table loads,
        as 64-bit digests, so memory grows with the largest table, not the dataset.
        """
        writer = WRITERS[table]
        count = self.result.counts.setdefault(table, TableCount())
        provenance = {"src_dataset": self.result.dataset, "src_run": self.result.extract_id}
        seen_ties: set[int] = set()
        rows = self._accepted_rows(writer, records, count, provenance, seen_ties)
        for chunk in prefetched(batched(rows, self.batch_size)):
            self._write_changed(writer, chunk, count)
        if close_missing_as_of and writer.tie:
            self._close_missing_ties(writer, seen_ties, close_missing_as_of)

    def _accepted_rows(self, writer: TableWriter, records: Iterable[Record], count: TableCount,
                       provenance: dict, seen_ties: set[int]) -> Iterator[dict]:
        deduplicator = _Deduplicator()
        for record in records:
            duplicate = deduplicator.check(writer, record)
            if duplicate:
                self.result.report.extend([duplicate])
                count.rejected += 1
                continue
            row = write_row(writer, record, provenance)
            if writer.tie:
                seen_ties.add(key_digest(row["key"]))
            yield row

    def _write_changed(self, writer: TableWriter, chunk: list[dict], count: TableCount) -> None:
        stored = self._stored_hashes(writer, [row["key"] for row in chunk])
        changed = [row for row in chunk if stored.get(row["key"], "") != row["props"]["src_hash"]]
        count.unchanged += len(chunk) - len(changed)
        count.written += len(changed)
        if writer.create_query:
            self._write(writer.create_query, [row for row in changed if row["key"] not in stored])
            changed = [row for row in changed if row["key"] in stored]
        if writer.table == "company_roles":
            self._write(writer.query, [row for row in changed if row.get("holder_id_number")])
            self._write(COMPANY_HELD_ROLES,
                        [row for row in changed if not row.get("holder_id_number")])
        else:
            self._write(writer.query, changed)

    def _write(self, query: str, rows: list[dict]) -> None:
        if rows:
            self.connection.write_batches(query, rows, batch_size=len(rows))

    def _stored_hashes(self, writer: TableWriter, keys: list[str]) -> dict[str, str | None]:
        """Stored hash per key present in the graph (None for a stub made by a reference)."""
        model = load_model()
        if writer.label:
            node = model.node(writer.label)
            query = writes.STORED_NODE_HASHES.format(label=model.check_label(writer.label),
                                                     key=f"`{node.key}`")
        else:
            query = writes.STORED_TIE_HASHES.format(
                rel_type=model.check_relationship_type(writer.tie))
        return dict(self.connection.read(query, keys=keys)[0]["stored"])

    def _close_missing_ties(self, writer: TableWriter, seen: set[int], as_of: dt.date) -> None:
        """Close ties of this dataset that this extract no longer has (history is kept)."""
        rel_type = load_model().check_relationship_type(writer.tie)
        stored = self.connection.read(writes.OPEN_TIES_OF_DATASET.format(rel_type=rel_type),
                                      dataset=self.result.dataset)
        missing = [row["key"] for row in stored if key_digest(row["key"]) not in seen]
        for chunk in batched(missing, self.batch_size):
            self.connection.write(writes.CLOSE_TIES.format(rel_type=rel_type), keys=chunk,
                                  as_of=as_of, run_id=self.result.run_id,
                                  dated=writer.dated_tie)
        self.result.closed_ties += len(missing)

    def finish(self, status: str, began: float, error: str | None = None) -> LoadResult:
        self.connection.write(writes.DROP_SUPERSEDED_LEGAL_REPS)
        self.result.duration_s = time.monotonic() - began
        counts = {t: vars(c) for t, c in self.result.counts.items()}
        self.connection.write(FINISH_RUN, run_id=self.result.run_id, status=status,
                              duration_s=self.result.duration_s,
                              rows_read=self.result.rows_read,
                              rows_rejected=self.result.rows_rejected,
                              rows_written=self.result.rows_written,
                              counts=json.dumps(counts), files=json.dumps(self.file_digests),
                              error=error)
        return self.result


def load_records(connection: Connection, records_by_table: dict[str, Iterable[Record]],
                 dataset: str, source_path: str, extract_id: str | None = None,
                 as_of: dt.date | None = None, close_missing: bool = False,
                 batch_size: int = 2000) -> LoadResult:
    """Load already validated records (from an importer) as one LoadRun."""
    loader = Loader(connection, dataset, source_path, extract_id or uuid.uuid4().hex[:16],
                    batch_size)
    began = time.monotonic()
    loader.start()
    try:
        for table in TABLE_ORDER:
            if table in records_by_table:
                records = list(records_by_table[table])
                loader.result.counts.setdefault(table, TableCount()).read += len(records)
                closing = (as_of or dt.date.today()) if close_missing else None
                loader.load_table(table, records, closing)
    except BaseException as error:
        loader.finish("failed", began, f"{type(error).__name__}: {error}")
        raise
    return loader.finish("completed", began)

