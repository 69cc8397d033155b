"""Load a dataset folder: discover its tables, validate each row, hand records to the loader.

A file identical (by content digest) to the one the last completed load of the same
dataset read is skipped whole, counts and all, unless ``full`` is asked: re-running an
unchanged extract then costs a digest per file. Rows of changed files are still compared
one by one with what is stored (``ingest.load_run``).

Everything a user can get wrong is found before the first write where it can be: the
folder, the report folder, every header and encoding (``LianjianError``, one line). The
report is written whatever happens, including when the load fails halfway.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

from graph.connection import Connection
from graph.errors import LianjianError
from ingest.load_run import (Loader, LoadFailed, LoadResult, TableCount, extract_digest,
                             load_records, write_report)
from ingest.linking import link_keyless_of_dataset
from ingest.normalize import normalize_row
from ingest.discovery import discover_tables
from ingest.readers import read_rows
from ingest.records import Record
from ingest.report import IssueReport
from ingest.table_writers import TABLE_ORDER, WRITERS
from ingest.tables import load_tables_spec

__all__ = ["load_dataset", "validate_dataset", "load_records", "LoadFailed", "LoadResult"]

LAST_COMPLETED_LOAD = """
MATCH (r:LoadRun {dataset: $dataset, status: 'completed'})
RETURN r.files AS files, r.counts AS counts, r.report AS report
ORDER BY r.finished_at DESC LIMIT 1
"""


def _validated(table: str, rows: Iterator, report: IssueReport, count: TableCount,
               on_row=None, today: dt.date | None = None) -> Iterator[Record]:
    spec = load_tables_spec()[table]
    today = today or dt.date.today()  # once per table, not once per row
    for source_row in rows:
        count.read += 1
        if on_row:
            on_row()
        record, issues = normalize_row(spec, source_row, today)
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


def _previous_load(connection: Connection, dataset: str) -> tuple[dict, dict, str | None]:
    rows = connection.read(LAST_COMPLETED_LOAD, dataset=dataset)
    if not rows or not rows[0]["files"]:
        return {}, {}, None
    return json.loads(rows[0]["files"]), json.loads(rows[0]["counts"] or "{}"), rows[0]["report"]


def _sources(dataset_dir: Path, profile, report: IssueReport) -> dict:
    ignored: list = []
    sources = {t: s for t, s in discover_tables(dataset_dir, profile, ignored).items()
               if t in WRITERS}
    report.extend(ignored)
    if not sources:
        names = "; ".join(f"{issue.file}: {issue.reason}" for issue in ignored[:3])
        raise LoadFailed(f"{dataset_dir}: no table of the input format found (expected files "
                         f"such as persons.csv or 人员.xlsx){'; ' + names if names else ''}")
    return sources


def validate_dataset(dataset_dir: Path, profile=None) -> tuple[dict[str, TableCount], IssueReport]:
    """Read and validate every table without writing anything (``--strict``'s first pass)."""
    report, counts = IssueReport(), {}
    for table, source in _sources(Path(dataset_dir), profile, report).items():
        counts[table] = TableCount()
        for _ in _validated(table, read_rows(table, source, profile), report, counts[table]):
            pass
    return counts, report


def _unchanged_count(previous: dict) -> TableCount:
    """Counts of a skipped file: as read last time, nothing written this time."""
    read, rejected = previous.get("read", 0), previous.get("rejected", 0)
    return TableCount(read=read, rejected=rejected, unchanged=read - rejected,
                      skipped_file=True)


def report_folder(report_dir: Path | None, dataset_dir: Path) -> Path:
    """Where the report goes, checked now: a load must not fail for it after writing data.

    ``--report-dir`` is created if missing. Without it the report goes beside the tables,
    or, when that folder is read-only, into the current folder.
    """
    candidates = [Path(report_dir)] if report_dir else [dataset_dir, Path.cwd()]
    for target in candidates:
        try:
            target.mkdir(parents=True, exist_ok=True)
            probe = target / f".lianjian-write-test-{time.monotonic_ns()}"
            probe.write_bytes(b"")
            probe.unlink()
            return target
        except OSError as error:
            failure = error
    raise LoadFailed(f"cannot write the load report to {candidates[0]} "
                     f"({failure.strerror or failure}); give a folder you can write to "
                     "with --report-dir") from None


def load_dataset(connection: Connection, dataset_dir: str | Path, *, profile=None,
                 strict: bool = False, dataset: str | None = None,
                 as_of: dt.date | None = None, report_dir: Path | None = None,
                 batch_size: int = 2000, progress=None, full: bool = False,
                 priority: int | None = None,
                 table_priority: dict[str, int] | None = None,
                 defer_indexes: bool = False, loader_factory=Loader) -> LoadResult:
    """Load one dataset folder (see the module docstring); returns counts and the report.

    ``dataset`` names the source; without it the folder's name is used, and a folder of
    that name loaded before from elsewhere is refused (see ``ingest.load_run``). ``as_of``
    is the extract's date: ties it no longer reports are marked unreported from then
    (default: the day of the load). ``priority`` and ``table_priority`` rank this dataset's
    values against other datasets' (``ingest.sources``); they are remembered.
    ``progress`` is a callable ``(table, source) -> advance`` used for progress bars.
    ``defer_indexes``: on a store without data, build the indexes no write reads after the
    writes (``graph.migrate.defer_indexes``; off by default: on the county it saved no time,
    docs/performance.md).
    ``loader_factory`` builds the ``Loader`` (``ingest.bulk_load`` gives one whose batches
    go to the import tool instead of the server).
    """
    dataset_dir = Path(dataset_dir)
    report = IssueReport()
    sources = _sources(dataset_dir, profile, report)
    target = report_folder(report_dir, dataset_dir)
    if strict:
        _, checked = validate_dataset(dataset_dir, profile)
        if checked.rejected_rows:
            path = checked.write_csv(target / "rejects.csv")
            raise LoadFailed(f"--strict: {checked.rejected_rows} rows rejected, nothing written; "
                             f"see {path}")
    name = dataset or dataset_dir.resolve().name
    loader = loader_factory(connection, name, str(dataset_dir.resolve()),
                            extract_digest(_dataset_files(sources)), batch_size,
                            explicit=dataset is not None, as_of=as_of, priority=priority,
                            table_priority=table_priority,
                            defer_indexes=defer_indexes)
    loader.result.report = report
    previous_files, previous_counts, previous_report = (
        ({}, {}, None) if full else _previous_load(connection, name))
    to_read = {}
    for table in TABLE_ORDER:
        if table in sources:
            digest = loader.file_digests[table] = _file_digest(sources[table])
            if previous_files.get(table) == digest and table in previous_counts:
                loader.result.counts[table] = _unchanged_count(previous_counts[table])
            else:
                to_read[table] = read_rows(table, sources[table], profile)  # headers checked
    loader.result.previous_report = previous_report
    began = time.monotonic()
    loader.start()
    write_report(loader.result, target)
    try:
        for table, rows in to_read.items():
            count = loader.result.counts.setdefault(table, TableCount())
            advance = progress(table, sources[table]) if progress else None
            loader.load_table(table, _validated(table, rows, report, count, advance, as_of),
                              mark_unreported=True)
    except BaseException as error:
        write_report(loader.result, target)
        loader.finish("failed", began, f"{type(error).__name__}: {error}")
        if isinstance(error, LianjianError):
            raise LoadFailed(f"{error} (load report so far: {loader.result.report_path})"
                             ) from None
        raise
    result = loader.finish("completed", began)
    result.possible_duplicates = link_keyless_of_dataset(connection, name)
    write_report(result, target)
    return result
