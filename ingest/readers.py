"""Read dataset tables from CSV (UTF-8 or GB18030) and XLSX into ``SourceRow`` objects.

Data reaches a supervision commission as exports from many systems: GBK CSVs from older
software, UTF-8 with a BOM from Excel, workbooks with one sheet per table, Chinese or
English headers in any order, a title row above the header. This module absorbs those
differences and nothing else: values stay raw text for ``ingest.normalize`` to judge.
What the reader itself sees wrong (a row with more or fewer cells than the header, a quote
that swallowed rows, a formula cell without its stored value) travels with the row as
``SourceRow.notes``, so it reaches the report. CSV is streamed row by row, so memory stays
flat whatever the size of the file. Finding which file holds which table is
``ingest.discovery``.
"""
from __future__ import annotations

import datetime
import itertools
import unicodedata
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import LianjianError
from ingest.csv_text import EncodingError, detect_encoding, iter_csv_records
from ingest.records import CellNote, SourceRow
from ingest.tables import header_aliases, header_key, load_tables_spec, table_for_name

if TYPE_CHECKING:
    from ingest.profiles import Profile, TableProfile

__all__ = [
    "Source",
    "DatasetError",
    "EncodingError",
    "HeaderError",
    "read_rows",
    "iter_cells",
    "detect_encoding",
    "source_name",
    "sheet_names",
    "open_workbook",
]

Source = Path | tuple[Path, str]
"""A CSV file, or a workbook and the name of one of its sheets."""

TEXT_SUFFIXES = {".csv", ".tsv"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
HEADER_SEARCH_ROWS = 10


class DatasetError(LianjianError, ValueError):
    """The dataset folder, or a workbook in it, cannot be read as a set of tables."""


class HeaderError(LianjianError, ValueError):
    """A table's header is missing, lacks a required column or names a column twice."""


def open_workbook(path: str | Path, data_only: bool = True):
    """An .xlsx workbook opened read-only, or one line saying why it cannot be read."""
    import openpyxl  # imported when a workbook is read, not by every command
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
            TypeError) as error:
        cause = str(error).strip().splitlines()[0][:120] if str(error).strip() else \
            type(error).__name__
        raise DatasetError(f"{path.name}: not a readable .xlsx workbook ({cause}); open it "
                           "in Excel or WPS and save it again as .xlsx, or export CSV UTF-8"
                           ) from None


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of a workbook, in order, without loading its cells."""
    workbook = open_workbook(path)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def sheet_for_table(sheets: list[str], table: str) -> str:
    """The sheet named after ``table``, else the first sheet."""
    return next((sheet for sheet in sheets if table_for_name(sheet) == table), sheets[0])


def source_name(source: Source) -> str:
    """How a source is named in messages and reports: ``persons.csv`` or ``data.xlsx!人员``."""
    if isinstance(source, tuple):
        return f"{source[0].name}!{source[1]}"
    return Path(source).name


def read_rows(table: str, source: str | Source, profile: Profile | TableProfile | None = None
              ) -> Iterator[SourceRow]:
    """Yield the rows of one table with canonical column names and raw cell text.

    Headers may be English or Chinese, in any order; a profile maps other headers and
    values. Unknown columns go to ``extra``; blank rows are skipped; ``row`` is the
    spreadsheet row number, so the investigator can find the row in the file.
    The header is checked at once: ``HeaderError`` is raised by the call itself, before
    any row is yielded, if the file is empty or a required column is missing.
    """
    table_profile = profile.for_table(table) if hasattr(profile, "for_table") else profile
    source = _as_source(table, source, table_profile.sheet if table_profile else None)
    encoding = table_profile.encoding if table_profile else None
    file = _file_label(source)
    rows = _non_blank(_records(source, encoding))
    headers, buffered = _find_header(rows, table, table_profile)
    if not headers:
        raise HeaderError(f"{file}: the file is empty (no header row); export the table "
                          "again with its header, or remove the file")
    layout = _map_headers(table, headers, table_profile, file)
    ragged = not isinstance(source, tuple)  # a workbook row simply ends at its last cell
    return _rows(table, file, itertools.chain(buffered, rows), layout, table_profile, ragged)


def _rows(table: str, file: str, rows: Iterator, layout: list, table_profile: TableProfile | None,
          ragged: bool) -> Iterator[SourceRow]:
    for row_number, cells, notes in rows:
        yield _source_row(table, file, row_number, cells, notes, layout, table_profile, ragged)


def _as_source(table: str, source: str | Source, sheet: str | None) -> Source:
    if isinstance(source, tuple):
        return Path(source[0]), source[1]
    path = Path(source)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return path, sheet or sheet_for_table(sheet_names(path), table)
    return path


def _file_label(source: Source) -> str:
    if isinstance(source, tuple) and len(sheet_names(source[0])) > 1:
        return source_name(source)
    return source[0].name if isinstance(source, tuple) else source.name


def _non_blank(rows: Iterator) -> Iterator[tuple[int, list[str], list[CellNote]]]:
    return (row for row in rows if any(cell.strip() for cell in row[1]))


def _find_header(rows: Iterator, table: str, table_profile: TableProfile | None):
    """The header is the first of the first rows naming a known column (skipping title rows)."""
    known = set(header_aliases()[table]) | set(table_profile.column_map if table_profile else ())
    buffered = []
    for row in rows:
        buffered.append(row)
        if any(header_key(cell) in known for cell in row[1]):
            return row[1], []
        if len(buffered) >= HEADER_SEARCH_ROWS:
            break
    if not buffered:
        return [], []
    return buffered[0][1], buffered[1:]


def _map_headers(table: str, headers: list[str], table_profile: TableProfile | None, file: str
                 ) -> list[tuple[str, str]]:
    """For each header position: ("column", canonical name) or ("extra", header text)."""
    aliases = header_aliases()[table]
    mapped = table_profile.column_map if table_profile else {}
    layout, seen, extra_labels = [], {}, set()
    for position, header in enumerate(headers):
        key, label = header_key(header), header.strip().lstrip("\ufeff") or f"column_{position + 1}"
        column = mapped[key] if key in mapped else aliases.get(key)
        if column is None:
            label = f"{label} ({position + 1})" if label in extra_labels else label
            extra_labels.add(label)
            layout.append(("extra", label))
            continue
        if column in seen:
            raise HeaderError(
                f"{file}: headers {seen[column]!r} and {label!r} both name column {column}; "
                "rename or remove one, or map them in a profile"
            )
        seen[column] = label
        layout.append(("column", column))
    _check_required_headers(table, seen, headers, file)
    return layout


def _check_required_headers(table: str, seen: dict[str, str], headers: list[str], file: str) -> None:
    spec = load_tables_spec()[table]
    missing = [name for name in spec.required if name not in seen]
    missing += [" or ".join(group) for group in spec.one_of if not any(name in seen for name in group)]
    if not missing:
        return
    wanted = "; ".join(_with_zh(spec, name) for name in missing)
    found = ", ".join(header.strip() for header in headers if header.strip()) or "none"
    raise HeaderError(
        f"{file}: no column for required {wanted} (table {table}); headers found: {found}. "
        f"Rename the header, or map it in a profile: `lianjian map suggest {file.split('!')[0]}` "
        "drafts one"
    )


def _with_zh(spec, names: str) -> str:
    return " or ".join(f"{name} [{spec.columns[name].zh}]" for name in names.split(" or "))


def _source_row(table: str, file: str, row_number: int, cells: list[str], notes: list[CellNote],
                layout: list[tuple[str, str]], table_profile: TableProfile | None,
                ragged: bool) -> SourceRow:
    values, extra = {}, {}
    for position, (kind, name) in enumerate(layout):
        text = cells[position] if position < len(cells) else ""
        if kind == "column":
            values[name] = table_profile.translate(name, text) if table_profile else text
        elif text.strip():
            extra[name] = text
    beyond = [position for position in range(len(layout), len(cells)) if cells[position].strip()]
    for position in beyond:
        extra[f"column_{position + 1}"] = cells[position]
    notes = [_at_column(note, layout) for note in notes]
    if ragged and (beyond or len(cells) < len(layout)):
        notes.append(_ragged_note(cells, layout, beyond))
    return SourceRow(table, file, row_number, values, extra, tuple(notes))


def _at_column(note: CellNote, layout: list[tuple[str, str]]) -> CellNote:
    """A note about cell ``#n`` named by the column the header gives that position."""
    if not note.column.startswith("#"):
        return note
    position = int(note.column[1:]) - 1
    name = layout[position][1] if position < len(layout) else f"column_{position + 1}"
    return CellNote(name, note.text, note.reason, note.unreadable, note.action)


def _ragged_note(cells: list[str], layout: list, beyond: list[int]) -> CellNote:
    if beyond:
        names = ", ".join(f"column_{position + 1}" for position in beyond)
        return CellNote(names, "; ".join(cells[position] for position in beyond),
                        f"ragged row: {len(cells)} cells, the header has {len(layout)}; the extra "
                        f"cells are kept as {names}. A comma inside an unquoted value shifts the "
                        "cells after it: check this row")
    missing = ", ".join(name for _, name in layout[len(cells):])
    return CellNote(missing, "", f"ragged row: {len(cells)} cells, the header has {len(layout)}; "
                    f"the missing cells at the end ({missing}) are read as empty")


def iter_cells(source: str | Source, encoding: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cell texts) for every row, blank ones included."""
    return ((number, cells) for number, cells, _ in _records(source, encoding))


def _records(source: str | Source, encoding: str | None = None
             ) -> Iterator[tuple[int, list[str], list[CellNote]]]:
    """(row number, cell texts, what the reader saw wrong) for every row."""
    if isinstance(source, tuple):
        return _iter_sheet(Path(source[0]), source[1])
    path = Path(source)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _iter_sheet(path, None)
    return iter_csv_records(path, encoding or detect_encoding(path))


def _iter_sheet(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str], list[CellNote]]]:
    """Rows of a sheet as text; a formula cell without a stored result is noted, not guessed.

    Workbooks written by scripts (and some WPS exports) keep formulas without their cached
    values; read with ``data_only`` such a cell looks empty. The formulas are read beside
    the values so that the report can say which cell it was and why it has no value.
    """
    workbook = open_workbook(path)
    formulas = open_workbook(path, data_only=False)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            sheets = ", ".join(workbook.sheetnames)
            raise DatasetError(f"{path.name}: no sheet named {sheet!r}; sheets: {sheets}")
        name = sheet if sheet is not None else workbook.sheetnames[0]
        worksheet, formula_sheet = workbook[name], formulas[name]
        for each in (worksheet, formula_sheet):
            each.reset_dimensions()  # trust the cells, not the dimension some writers get wrong
        rows = itertools.zip_longest(worksheet.iter_rows(), formula_sheet.iter_rows(), fillvalue=())
        for number, (cells, formula_cells) in enumerate(rows, start=1):
            texts = [_cell_text(cell) for cell in cells]
            yield number, texts, _formula_notes(texts, formula_cells)
    finally:
        workbook.close()
        formulas.close()


def _formula_notes(texts: list[str], formula_cells) -> list[CellNote]:
    notes = []
    for position, cell in enumerate(formula_cells):
        formula = getattr(cell, "value", None)
        if isinstance(formula, str) and formula.startswith("=") and not (
                position < len(texts) and texts[position].strip()):
            while len(texts) <= position:
                texts.append("")
            notes.append(CellNote(f"#{position + 1}", formula,
                                  "formula without a stored value: the cell was read as empty. "
                                  "Open the workbook in Excel or WPS and save it, so the values "
                                  "are stored", unreadable=True, action="corrected"))
    return notes


def _cell_text(cell: Any) -> str:
    """Render a typed Excel cell as the text a CSV export would hold."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return _number_text(value, str(getattr(cell, "number_format", "") or ""))
    return unicodedata.normalize("NFC", str(value))


def _number_text(value: int | float, number_format: str) -> str:
    """Integers without '.0'; a percent-formatted 0.35 is '35%'; long numbers keep their loss visible.

    Excel holds 15 significant digits, so an identity number typed as a number is already
    damaged; writing it in scientific form lets the validator say so instead of guessing.
    """
    if number_format.endswith("%"):
        return f"{(Decimal(repr(value)) * 100).normalize():f}%"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)
