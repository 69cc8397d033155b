"""Read dataset tables from CSV (UTF-8 or GB18030) and XLSX into ``SourceRow`` objects.

Data reaches a supervision commission as exports from many systems: GBK CSVs from older
software, UTF-8 with a BOM from Excel, workbooks with one sheet per table, Chinese or
English headers in any order, a title row above the header. This module absorbs those
differences and nothing else: values stay raw text for ``ingest.normalize`` to judge.
CSV is streamed row by row, so memory stays flat whatever the size of the file.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import fnmatch
import itertools
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl

from ingest.records import SourceRow
from ingest.tables import header_aliases, header_key, load_tables_spec, table_for_name

if TYPE_CHECKING:
    from ingest.profiles import Profile, TableProfile

__all__ = [
    "Source",
    "DatasetError",
    "EncodingError",
    "HeaderError",
    "discover_tables",
    "read_rows",
    "iter_cells",
    "detect_encoding",
    "source_name",
    "sheet_names",
]

Source = Path | tuple[Path, str]
"""A CSV file, or a workbook and the name of one of its sheets."""

TEXT_SUFFIXES = {".csv", ".tsv"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
HEADER_SEARCH_ROWS = 10
_CHUNK = 1 << 20


class DatasetError(ValueError):
    """The dataset folder cannot be read as a set of tables."""


class EncodingError(ValueError):
    """A CSV file is neither UTF-8 nor GB18030."""


class HeaderError(ValueError):
    """A table's header lacks a required column or names a column twice."""


def discover_tables(dataset_dir: str | Path, profile: Profile | None = None) -> dict[str, Source]:
    """Find the file (or workbook sheet) holding each canonical table in a dataset folder.

    A CSV or workbook is recognised by its name (``persons.csv``, ``人员.xlsx``) or by a
    ``file:`` pattern in the profile; a workbook with any other name contributes the
    sheets named after tables. ``truth.csv`` is never read: it only measures detectors.
    """
    found: dict[str, Source] = {}
    for path in sorted(Path(dataset_dir).iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")) or path.stem.lower() == "truth":
            continue
        for table, source in _tables_in_file(path, profile):
            if table in found:
                raise DatasetError(
                    f"{Path(dataset_dir).name}: table {table} is in both {source_name(found[table])} "
                    f"and {source_name(source)}; keep one of them"
                )
            found[table] = source
    return found


def _tables_in_file(path: Path, profile: Profile | None) -> list[tuple[str, Source]]:
    suffix = path.suffix.lower()
    profiled = _tables_by_profile(path.name, profile)
    table = profiled[0][0] if profiled else table_for_name(path.stem)
    if suffix in TEXT_SUFFIXES:
        return [(table, path)] if table else []
    if suffix in WORKBOOK_SUFFIXES:
        sheets = sheet_names(path)
        if profiled:
            return [(name, (path, sheet or _sheet_for_table(sheets, name))) for name, sheet in profiled]
        if table:
            return [(table, (path, _sheet_for_table(sheets, table)))]
        return [(name, (path, sheet)) for sheet in sheets if (name := table_for_name(sheet))]
    if suffix in {".xls", ".et"} and table:
        raise DatasetError(f"{path.name}: old Excel format cannot be read; save it as .xlsx or CSV UTF-8")
    return []


def _tables_by_profile(file_name: str, profile: Profile | None) -> list[tuple[str, str | None]]:
    """Tables whose profile ``file:`` pattern matches, with the ``sheet:`` each names."""
    return [(table, table_profile.sheet)
            for table, table_profile in (profile.tables.items() if profile else ())
            if table_profile.file and fnmatch.fnmatch(file_name.casefold(), table_profile.file.casefold())]


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of a workbook, in order, without loading its cells."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _sheet_for_table(sheets: list[str], table: str) -> str:
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
    any row is yielded, if a required column is missing.
    """
    table_profile = profile.for_table(table) if hasattr(profile, "for_table") else profile
    source = _as_source(table, source, table_profile.sheet if table_profile else None)
    encoding = table_profile.encoding if table_profile else None
    file = _file_label(source)
    rows = _non_blank(iter_cells(source, encoding))
    headers, buffered = _find_header(rows, table, table_profile)
    layout = _map_headers(table, headers, table_profile, file)
    return _rows(table, file, itertools.chain(buffered, rows), layout, table_profile)


def _rows(table: str, file: str, rows: Iterator, layout: list, table_profile: TableProfile | None
          ) -> Iterator[SourceRow]:
    for row_number, cells in rows:
        yield _source_row(table, file, row_number, cells, layout, table_profile)


def _as_source(table: str, source: str | Source, sheet: str | None) -> Source:
    if isinstance(source, tuple):
        return Path(source[0]), source[1]
    path = Path(source)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return path, sheet or _sheet_for_table(sheet_names(path), table)
    return path


def _file_label(source: Source) -> str:
    if isinstance(source, tuple) and len(sheet_names(source[0])) > 1:
        return source_name(source)
    return source[0].name if isinstance(source, tuple) else source.name


def _non_blank(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    return ((number, cells) for number, cells in rows if any(cell.strip() for cell in cells))


def _find_header(rows: Iterator, table: str, table_profile: TableProfile | None):
    """The header is the first of the first rows naming a known column (skipping title rows)."""
    known = set(header_aliases()[table]) | set(table_profile.column_map if table_profile else ())
    buffered = []
    for number, cells in rows:
        buffered.append((number, cells))
        if any(header_key(cell) in known for cell in cells):
            return cells, []
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


def _source_row(table: str, file: str, row_number: int, cells: list[str],
                layout: list[tuple[str, str]], table_profile: TableProfile | None) -> SourceRow:
    values, extra = {}, {}
    for position, (kind, name) in enumerate(layout):
        text = cells[position] if position < len(cells) else ""
        if kind == "column":
            values[name] = table_profile.translate(name, text) if table_profile else text
        elif text.strip():
            extra[name] = text
    for position in range(len(layout), len(cells)):
        if cells[position].strip():
            extra[f"column_{position + 1}"] = cells[position]
    return SourceRow(table, file, row_number, values, extra)


def iter_cells(source: str | Source, encoding: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cell texts) for every row, blank ones included."""
    if isinstance(source, tuple):
        yield from _iter_sheet(Path(source[0]), source[1])
        return
    path = Path(source)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        yield from _iter_sheet(path, None)
        return
    yield from _iter_csv(path, encoding or detect_encoding(path))


def _iter_csv(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    delimiter = _sniff_delimiter(path, encoding)
    with path.open(encoding=encoding, newline="") as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, cells
        except UnicodeDecodeError as error:
            raise EncodingError(
                f"{path.name}: not valid {encoding} after row {reader.line_num} ({error.reason}); "
                "fix the encoding in the profile or save the file as CSV UTF-8"
            ) from None


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """Comma unless the header line plainly uses tabs or semicolons (European Excel)."""
    with path.open(encoding=encoding, newline="") as stream:
        line = next((line for line in stream if line.strip()), "")
    counts = {delimiter: line.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def detect_encoding(path: str | Path) -> str:
    """Tell UTF-8 (with or without BOM) from GB18030 by decoding the whole file strictly.

    Both are tried in full rather than on a sample: a GBK file can be pure ASCII for
    thousands of rows before its first Chinese name. Memory stays flat (1 MiB chunks).
    """
    path = Path(path)
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _decodes(path, "utf-8-sig") else _unreadable(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingError(f"{path.name}: the file is UTF-16; save it as CSV UTF-8 (逗号分隔)")
    if head.startswith(b"PK\x03\x04"):
        raise EncodingError(f"{path.name}: this is an Excel workbook; rename it to .xlsx")
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    return _unreadable(path)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(_CHUNK):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _unreadable(path: Path) -> str:
    raise EncodingError(
        f"{path.name}: cannot read the text: it is neither UTF-8 nor GB18030/GBK. "
        "Save it as CSV UTF-8, or name its encoding in a profile (encoding: ...)"
    )


def _iter_sheet(path: Path, sheet: str | None) -> Iterator[tuple[int, list[str]]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            sheets = ", ".join(workbook.sheetnames)
            raise DatasetError(f"{path.name}: no sheet named {sheet!r}; sheets: {sheets}")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        worksheet.reset_dimensions()  # trust the cells, not the dimension some writers get wrong
        for number, cells in enumerate(worksheet.iter_rows(), start=1):
            yield number, [_cell_text(cell) for cell in cells]
    finally:
        workbook.close()


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
