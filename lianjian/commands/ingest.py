"""``lianjian load``, ``import`` and ``map``: getting data into the graph."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
    """Counts per table, then the reject/fix summary: nothing is dropped silently."""
    console.print(f"load run {result.run_id}: dataset {result.dataset}, extract "
                  f"{result.extract_id}, {result.duration_s:.1f} s")
    for table, count in result.counts.items():
        if count.skipped_file:
            console.print(f"  {table:<13} unchanged file, skipped ({count.read} rows, "
                          f"{count.rejected} rejected as reported by the last load)")
            continue
        console.print(f"  {table:<13} read {count.read:>6} rejected {count.rejected:>4} "
                      f"written {count.written:>6} unchanged {count.unchanged:>6}")
    if result.possible_duplicates:
        console.print(f"  linked {result.possible_duplicates} parties known only by name "
                      "(POSSIBLY_SAME_AS)")
    if result.closed_ties:
        console.print(f"  closed {result.closed_ties} ties that this extract no longer holds")
    for item in result.report.summary()[:20]:
        console.print(f"  {item.action:<9} {item.count:>5}  {item.file} · {item.column} · "
                      f"{item.reason}")
    if result.report_path:
        console.print(f"reject/fix report: {result.report_path}")


def load(
    dataset_dir: Path = typer.Argument(..., exists=True, file_okay=False,
                                       help="Folder of tables (persons.csv, 人员.xlsx, ...)"),
    profile: Path | None = typer.Option(None, "--profile", exists=True,
                                        help="Column-mapping profile (YAML)"),
    strict: bool = typer.Option(False, "--strict",
                                help="Fail before writing anything if any row is rejected"),
    dataset: str | None = typer.Option(None, help="Source name; a newer extract of the same "
                                       "source updates it (default: the folder name)"),
    as_of: str | None = typer.Option(None, help="Extract date (YYYY-MM-DD): closes ties "
                                     "missing from this extract at that date"),
    report_dir: Path | None = typer.Option(None, help="Where to write the reject/fix report"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars"),
    full: bool = typer.Option(False, "--full", help="Re-read files identical to the last load's"),
) -> None:
    """Load a dataset folder into Neo4j: validate, resolve, write with provenance."""
    from ingest.loader import load_dataset
    from ingest.profiles import load_profile

    mapping = load_profile(profile) if profile else None
    extract_date = dt.date.fromisoformat(as_of) if as_of else None
    with connect() as connection, table_progress(not quiet) as progress:
        result = load_dataset(connection, dataset_dir, profile=mapping, strict=strict,
                              dataset=dataset, as_of=extract_date, report_dir=report_dir,
                              progress=progress, full=full)
    print_load_result(result)


map_app = typer.Typer(help="Column-mapping profiles for tables with other headers or values.",
                      no_args_is_help=True)


@map_app.command("suggest")
def map_suggest(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Propose a mapping profile (YAML) from the headers and values it recognises."""
    from ingest.profiles import suggest_profile_yaml

    typer.echo(suggest_profile_yaml(file), nl=False)


def import_data(
    kind: str = typer.Argument(..., help="ftm (FollowTheMoney entities) or ocds (releases/records)"),
    path: Path = typer.Argument(..., exists=True, help="A file or a folder"),
    dataset: str | None = typer.Option(None, help="Source name (default: the file or folder name)"),
    threshold: float = typer.Option(0.8, help="Score above which keyless records are linked"),
) -> None:
    """Import FollowTheMoney or OCDS data into the same graph model, reporting what was skipped."""
    from ingest.linking import link_keyless
    from ingest.loader import load_records

    if kind not in ("ftm", "ocds"):
        raise typer.BadParameter("KIND must be ftm or ocds")
    if kind == "ftm":
        from ingest.ftm import read_ftm as read
    else:
        from ingest.ocds import read_ocds as read
    imported = read(path)
    with connect() as connection:
        result = load_records(connection, imported.records, dataset or path.name, str(path))
        links = link_keyless(connection, imported.records, threshold)
    print_load_result(result)
    console.print(f"  linked {links} keyless records as POSSIBLY_SAME_AS (score ≥ {threshold})")
    for issue in imported.skipped[:50]:
        console.print(f"  skipped  {issue.file} #{issue.row} {issue.column}: {issue.reason}")
    if len(imported.skipped) > 50:
        console.print(f"  … {len(imported.skipped) - 50} more skipped items")
    console.print(f"  skipped {len(imported.skipped)} items in all")

