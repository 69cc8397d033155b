"""Which file of a dataset folder holds which table: by profile, by name, else by its headers.

Departments name their exports as they like (``2023年合同台账.xlsx``, ``contracts_2023.csv``).
A file is matched, in this order, by a profile's ``file:`` pattern (one file may then feed
several tables, such as a 花名册 holding persons and their posts), by its name or sheet name
(``persons.csv``, ``人员.xlsx``), or by its headers: the table whose required columns are all
there and whose headers it matches most. A file that matches nothing is not silently passed
over: it is listed in the report as ignored, with its headers and what to do.
"""
from __future__ import annotations

import fnmatch
import itertools
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.readers import (TEXT_SUFFIXES, WORKBOOK_SUFFIXES, DatasetError, LianjianError, Source,
                            iter_cells, sheet_for_table, sheet_names, source_name)
from ingest.records import Issue
from ingest.report import IGNORED
from ingest.tables import header_aliases, header_key, load_tables_spec, table_for_name

if TYPE_CHECKING:
    from ingest.profiles import Profile

__all__ = ["discover_tables", "table_for_headers"]

HEADER_ROWS = 10
MIN_MATCHED_HEADERS = 2


def discover_tables(dataset_dir: str | Path, profile: Profile | None = None,
                    ignored: list[Issue] | None = None) -> dict[str, Source]:
    """Find the file (or workbook sheet) holding each canonical table in a dataset folder.

    Files and sheets that hold no table are appended to ``ignored`` (report lines) when a
    list is given. ``truth.csv`` is never read: it only measures detectors.
    """
    folder = Path(dataset_dir)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DatasetError(f"{folder}: {what}; give the folder that holds the tables "
                           "(persons.csv, 合同.xlsx, ...)")
    ignored = [] if ignored is None else ignored
    found: dict[str, Source] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")) or _own_output(path):
            continue
        for table, source in _tables_in_file(path, profile, ignored):
            if table in found:
                raise DatasetError(
                    f"{folder.name}: table {table} is in both {source_name(found[table])} "
                    f"and {source_name(source)}; keep one of them, or merge them into one file"
                )
            found[table] = source
    for table, table_profile in (profile.tables.items() if profile else ()):
        if table_profile.file and table not in found:
            ignored.append(Issue(Path(profile.path or "profile").name, 0, table,
                                 table_profile.file, f"no file of {folder.name} matches the "
                                 f"profile's file pattern for table {table}", IGNORED))
    return found


def _own_output(path: Path) -> bool:
    """truth.csv (it only measures detectors) and the reports Lianjian wrote into the folder."""
    name = path.name.lower()
    return path.stem.lower() == "truth" or name.startswith("load-report-") or name == "rejects.csv"


def _tables_in_file(path: Path, profile: Profile | None, ignored: list[Issue]
                    ) -> list[tuple[str, Source]]:
    suffix = path.suffix.lower()
    profiled = _tables_by_profile(path.name, profile)
    named = table_for_name(path.stem)
    if suffix in TEXT_SUFFIXES:
        if profiled:
            return [(table, path) for table, _ in profiled]
        if named:
            return [(named, path)]
        return _by_headers(path, path, ignored)
    if suffix in WORKBOOK_SUFFIXES:
        sheets = sheet_names(path)
        if profiled:
            return [(table, (path, sheet or sheet_for_table(sheets, table)))
                    for table, sheet in profiled]
        if named:
            return [(named, (path, sheet_for_table(sheets, named)))]
        found = []
        for sheet in sheets:
            table = table_for_name(sheet)
            found += [(table, (path, sheet))] if table else _by_headers((path, sheet), path, ignored)
        return found
    if suffix in {".xls", ".et"}:
        if named:
            raise DatasetError(f"{path.name}: old Excel format cannot be read; save it as .xlsx "
                               "or CSV UTF-8")
        ignored.append(Issue(path.name, 0, "(file)", "", "old Excel format (.xls/.et) is not read; "
                             "save it as .xlsx or CSV UTF-8 if it holds a table", IGNORED))
        return []
    ignored.append(Issue(path.name, 0, "(file)", "", "not a CSV or .xlsx file: not read",
                         IGNORED))
    return []


def _tables_by_profile(file_name: str, profile: Profile | None) -> list[tuple[str, str | None]]:
    """Tables whose profile ``file:`` pattern matches, with the ``sheet:`` each names."""
    return [(table, table_profile.sheet)
            for table, table_profile in (profile.tables.items() if profile else ())
            if table_profile.file and fnmatch.fnmatch(file_name.casefold(),
                                                      table_profile.file.casefold())]


def _by_headers(source: Source, path: Path, ignored: list[Issue]) -> list[tuple[str, Source]]:
    """The table a file's headers name, or a report line saying why none was taken."""
    try:
        rows = [(number, cells) for number, cells in itertools.islice(
            ((n, c) for n, c in iter_cells(source) if any(cell.strip() for cell in c)),
            HEADER_ROWS)]
    except LianjianError as error:
        ignored.append(Issue(source_name(source), 0, "(file)", "", f"not read: {error}", IGNORED))
        return []
    best = [(table_for_headers(cells), number, cells) for number, cells in rows]
    for (table, _), number, cells in best:
        if table:
            return [(table, source)]
    reason = next((why for (_, why), _, _ in best if why), "")
    number, cells = rows[0] if rows else (0, [])
    headers = ", ".join(cell.strip() for cell in cells if cell.strip())[:200]
    ignored.append(Issue(source_name(source), number, "(header)", headers,
                         f"file matches no table{': ' + reason if reason else ''}; name it after "
                         "its table (persons.csv, 合同.xlsx) or map it in a profile "
                         f"(`lianjian map suggest {path.name}` drafts one)", IGNORED))
    return []


def table_for_headers(headers: list[str]) -> tuple[str | None, str]:
    """The one table whose required columns the headers hold and which they match most.

    >>> table_for_headers(["合同编号", "采购单位编码", "合同金额", "签订日期"])
    ('contracts', '')
    >>> table_for_headers(["序号", "备注"])
    (None, '')
    """
    keys = [header_key(header) for header in headers if header.strip()]
    scores = {}
    for table, spec in load_tables_spec().items():
        columns = {header_aliases()[table][key] for key in keys if key in header_aliases()[table]}
        complete = all(name in columns for name in spec.required) and all(
            any(name in columns for name in group) for group in spec.one_of)
        if complete and len(columns) >= MIN_MATCHED_HEADERS:
            scores[table] = len(columns)
    if not scores:
        return None, ""
    top = max(scores.values())
    best = [table for table, score in scores.items() if score == top]
    if len(best) > 1:
        return None, f"its headers fit {' and '.join(best)} equally"
    return best[0], ""
