"""``lianjian load``, ``import`` and ``map``: getting data into the graph."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph.errors import LianjianError
from lianjian.commands import connect

console = Console(stderr=True)


@contextmanager
def table_progress(enabled: bool = True):
    """A rich progress bar per table; yields the ``progress`` callback the loader takes."""
    if not enabled:
        yield None
        return
    with Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        def start(table: str, source) -> callable:
            task = bar.add_task(table, total=estimate_rows(source))
            return lambda: bar.advance(task)

        yield start


def estimate_rows(source) -> int | None:
    """Rows in a table for the progress bar: newlines of a CSV, max_row of a sheet."""
    if isinstance(source, tuple):
        import openpyxl

        workbook = openpyxl.load_workbook(source[0], read_only=True)
        return max((workbook[source[1]].max_row or 1) - 1, 0)
    with open(source, "rb") as stream:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) - 1, 0)


def print_load_result(result) -> None:
    """Counts per table, then the report summary: nothing is dropped silently."""
    console.print(f"load run {result.run_id}: dataset {result.dataset}, extract "
                  f"{result.extract_id}, {result.duration_s:.1f} s")
    for table, count in result.counts.items():
        if count.skipped_file:
            where = f"; see {result.previous_report}" if result.previous_report else ""
            console.print(f"  {table:<13} unchanged file, skipped ({count.read} rows, "
                          f"{count.rejected} rejected as reported by the last load{where})")
            continue
        console.print(f"  {table:<13} read {count.read:>6} rejected {count.rejected:>4} "
                      f"written {count.written:>6} unchanged {count.unchanged:>6}")
    if result.possible_duplicates:
        console.print(f"  linked {result.possible_duplicates} parties known only by name "
                      "(POSSIBLY_SAME_AS)")
    if result.unreported_ties:
        console.print(f"  {result.unreported_ties} ties that this extract no longer reports: "
                      "marked unreported_since (no end date is made up)")
    if result.stubs:
        console.print(f"  {result.stubs} references to keys no table defines: stub nodes, "
                      "listed in the report")
    for item in result.report.summary()[:20]:
        console.print(f"  {item.action:<9} {item.count:>5}  {item.file} · {item.column} · "
                      f"{item.reason}")
    if result.report_path:
        console.print(f"load report: {result.report_path}")
    if getattr(result, "bulk", None):  # lianjian load --bulk (ingest.bulk_load)
        console.print(result.bulk.describe(), soft_wrap=True)


def _folder(path: Path) -> Path:
    if not path.exists():
        raise LianjianError(f"{path}: no such folder; give the folder that holds the tables")
    if not path.is_dir():
        raise LianjianError(f"{path}: is a file; give the folder that holds it "
                            "(lianjian load FOLDER)")
    return path


def _date_option(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise LianjianError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, "
                            "e.g. 2024-06-30") from None


def _table_priorities(items: list[str]) -> dict[str, int] | None:
    from ingest.tables import load_tables_spec

    priorities = {}
    for item in items:
        table, _, number = item.partition("=")
        if table.strip() not in load_tables_spec() or not number.strip().lstrip("-").isdigit():
            raise LianjianError(f"--table-priority {item!r}: write TABLE=NUMBER with a table of "
                                f"the input format, e.g. persons=10 "
                                f"({', '.join(load_tables_spec())})")
        priorities[table.strip()] = int(number)
    return priorities or None


def load(
    dataset_dir: Path = typer.Argument(..., help="Folder of tables (persons.csv, 人员.xlsx, ...)"),
    profile: Path | None = typer.Option(None, "--profile", help="Column-mapping profile (YAML)"),
    strict: bool = typer.Option(False, "--strict",
                                help="Fail before writing anything if any row is rejected"),
    dataset: str | None = typer.Option(None, help="Source name; loading under a name already "
                                       "loaded means: a newer extract of that source "
                                       "(default: the folder name, refused if that name was "
                                       "loaded from another folder)"),
    as_of: str | None = typer.Option(None, help="Extract date (YYYY-MM-DD): ties missing "
                                     "from this extract are marked unreported from that date "
                                     "(default: today)"),
    report_dir: Path | None = typer.Option(None, help="Where to write the load report "
                                           "(created if missing)"),
    priority: int | None = typer.Option(None, help="Precedence of this dataset's values over "
                                        "other datasets' (higher wins; default 0; remembered)"),
    table_priority: list[str] = typer.Option([], help="Precedence of one table's values, "
                                             "TABLE=NUMBER (repeatable; remembered)"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars"),
    full: bool = typer.Option(False, "--full", help="Re-read files identical to the last load's"),
    bulk: bool = typer.Option(False, "--bulk", help="First load of an empty local database "
                              "through neo4j-admin database import (the server restarts; "
                              "same graph as without it; refused if the database holds "
                              "data or NEO4J_URI is set)"),
) -> None:
    """Load a dataset folder into Neo4j: validate, resolve, write with provenance."""
    from ingest.loader import load_dataset
    from ingest.profiles import load_profile

    _folder(dataset_dir)
    mapping = load_profile(profile) if profile else None
    extract_date = _date_option(as_of, "--as-of")
    priorities = _table_priorities(table_priority)
    options = dict(profile=mapping, strict=strict, dataset=dataset, as_of=extract_date,
                   report_dir=report_dir, full=full, priority=priority,
                   table_priority=priorities)
    with connect() as connection, table_progress(not quiet) as progress:
        if bulk:
            from graph.settings import get_settings
            from ingest.bulk_load import bulk_load_dataset

            result = bulk_load_dataset(connection, dataset_dir, settings=get_settings(),
                                       progress=progress, **options)
        else:
            result = load_dataset(connection, dataset_dir, progress=progress, **options)
    print_load_result(result)


def datasets() -> None:
    """List the datasets loaded: name, folder, precedence, last load and its report."""
    from ingest.datasets import list_datasets

    with connect() as connection:
        rows = list_datasets(connection)
    if not rows:
        console.print("no dataset loaded yet: `lianjian load FOLDER`")
    for row in rows:
        tables = f", tables {row['table_priority']}" if row["table_priority"] else ""
        console.print(f"{row['dataset']}: {row['path']} · priority {row['priority']}{tables} · "
                      f"last load {row['last_status']} {row['last_finished'] or ''} · "
                      f"report {row['last_report'] or '-'}")


map_app = typer.Typer(help="Column-mapping profiles for tables with other headers or values.",
                      no_args_is_help=True)


@map_app.command("suggest")
def map_suggest(file: Path = typer.Argument(..., help="A CSV or .xlsx file")) -> None:
    """Propose a mapping profile (YAML) from the headers and values it recognises."""
    from ingest.profiles import suggest_profile_yaml

    if not file.is_file():
        raise LianjianError(f"{file}: no such file; give a CSV or .xlsx file")
    typer.echo(suggest_profile_yaml(file), nl=False)


def import_data(
    kind: str = typer.Argument(..., help="ftm (FollowTheMoney entities) or ocds (releases/records)"),
    path: Path = typer.Argument(..., help="A file or a folder"),
    dataset: str | None = typer.Option(None, help="Source name (default: the file or folder "
                                       "name, refused if loaded before from elsewhere)"),
    threshold: float = typer.Option(0.8, help="Score above which keyless records are linked"),
    report_dir: Path | None = typer.Option(None, help="Where to write the load report "
                                           "(default: beside the input)"),
) -> None:
    """Import FollowTheMoney or OCDS data into the same graph model, with the same report."""
    from ingest.importing import import_file

    if kind not in ("ftm", "ocds"):
        raise LianjianError(f"unknown kind {kind!r}: use ftm (FollowTheMoney entities) or ocds "
                            "(Open Contracting releases or records)")
    if not path.exists():
        raise LianjianError(f"{path}: no such file or folder")
    with connect() as connection:
        result, links = import_file(connection, kind, path, dataset=dataset,
                                    report_dir=report_dir, threshold=threshold)
    print_load_result(result)
    console.print(f"  linked {links} keyless records as POSSIBLY_SAME_AS (score ≥ {threshold})")

