"""Load a dataset folder: discover its tables, validate each row, hand records to the loader.

A file identical (by content digest) to the one the last completed load of the same
dataset read is skipped whole, counts and all, unless ``full`` is asked: re-running an
unchanged extract then costs a digest per file. Rows of changed files are still compared
one by one with what is stored (``ingest.loader``).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

from graph.connection import Connection
from ingest.load_run import (Loader, LoadFailed, LoadResult, TableCount, extract_digest,
                             load_records)
from ingest.linking import link_keyless_of_dataset
from ingest.normalize import normalize_row
from ingest.readers import discover_tables, read_rows
from ingest.records import Record
from ingest.report import IssueReport
from ingest.table_writers import TABLE_ORDER, WRITERS
from ingest.tables import load_tables_spec

__all__ = ["load_dataset", "validate_dataset", "load_records", "LoadFailed", "LoadResult"]

LAST_COMPLETED_LOAD = """
MATCH (r:LoadRun {dataset: $dataset, status: 'completed'})
RETURN r.files AS files, r.counts AS counts
ORDER BY r.finished_at DESC LIMIT 1
"""


def _validated(table: str, source, profile, report: IssueReport, count: TableCount,
               on_row=None) -> Iterator[Record]:
    spec = load_tables_spec()[table]
    for source_row in read_rows(table, source, profile):
        count.read += 1
        if on_row:
            on_row()
        record, issues = normalize_row(spec, source_row)
        if issues:
            report.extend(issues)
        if record is None:
            count.rejected += 1
            continue
        yield record


def _dataset_files(sources: dict) -> list[Path]:
    return [source[0] if isinstance(source, tuple) else source for source in sources.values()]


def _file_digest(source) -> str:
    if isinstance(source, tuple):
        return extract_digest([source[0]]) + "!" + source[1]
    return extract_digest([source])


def _previous_load(connection: Connection, dataset: str) -> tuple[dict, dict]:
    rows = connection.read(LAST_COMPLETED_LOAD, dataset=dataset)
    if not rows or not rows[0]["files"]:
        return {}, {}
    return json.loads(rows[0]["files"]), json.loads(rows[0]["counts"] or "{}")


def validate_dataset(dataset_dir: Path, profile=None) -> tuple[dict[str, TableCount], IssueReport]:
    """Read and validate every table without writing anything (``--strict``'s first pass)."""
    report, counts = IssueReport(), {}
    for table, source in discover_tables(dataset_dir, profile).items():
        counts[table] = TableCount()
        for _ in _validated(table, source, profile, report, counts[table]):
            pass
    return counts, report


def _unchanged_count(previous: dict) -> TableCount:
    """Counts of a skipped file: as read last time, nothing written this time."""
    read, rejected = previous.get("read", 0), previous.get("rejected", 0)
    return TableCount(read=read, rejected=rejected, unchanged=read - rejected,
                      skipped_file=True)


def load_dataset(connection: Connection, dataset_dir: str | Path, *, profile=None,
                 strict: bool = False, dataset: str | None = None,
                 as_of: dt.date | None = None, report_dir: Path | None = None,
                 batch_size: int = 2000, progress=None, full: bool = False) -> LoadResult:
    """Load one dataset folder (see the module docstring); returns counts and the report.

    ``progress`` is a callable ``(table, rows_total) -> advance`` used for progress bars.
    """
    dataset_dir = Path(dataset_dir)
    report_dir = Path(report_dir) if report_dir else None
    sources = {t: s for t, s in discover_tables(dataset_dir, profile).items() if t in WRITERS}
    if not sources:
        raise LoadFailed(f"{dataset_dir}: no table of the input format found "
                         "(expected files such as persons.csv or 人员.xlsx)")
    if strict:
        _, report = validate_dataset(dataset_dir, profile)
        if report.rejected_rows:
            path = report.write_csv((report_dir or dataset_dir) / "rejects.csv")
            raise LoadFailed(f"--strict: {report.rejected_rows} rows rejected, nothing written; "
                             f"see {path}")
    dataset = dataset or dataset_dir.resolve().name
    loader = Loader(connection, dataset, str(dataset_dir.resolve()),
                    extract_digest(_dataset_files(sources)), batch_size)
    previous_files, previous_counts = ({}, {}) if full else _previous_load(connection, dataset)
    began = time.monotonic()
    loader.start()
    try:
        for table in TABLE_ORDER:
            if table not in sources:
                continue
            digest = loader.file_digests[table] = _file_digest(sources[table])
            if previous_files.get(table) == digest and table in previous_counts:
                loader.result.counts[table] = _unchanged_count(previous_counts[table])
                continue
            count = loader.result.counts.setdefault(table, TableCount())
            advance = progress(table, sources[table]) if progress else None
            loader.load_table(table, _validated(table, sources[table], profile,
                                                loader.result.report, count, advance),
                              close_missing_as_of=as_of or dt.date.today())
    except BaseException as error:
        loader.finish("failed", began, f"{type(error).__name__}: {error}")
        raise
    result = loader.finish("completed", began)
    result.possible_duplicates = link_keyless_of_dataset(connection, dataset)
    if result.report.issues:
        target = report_dir or dataset_dir
        result.report_path = result.report.write_csv(target / f"load-report-{result.run_id}.csv")
    return result
