"""The unit of exchange between readers, importers and the loader.

Readers (CSV/XLSX) and importers (OCDS, FollowTheMoney) all end in ``Record`` objects:
canonical column names from ``ingest/tables.yaml`` with typed, normalised values, plus the
place they came from. The loader only ever sees records, so every fact in the graph traces
to a dataset, a file and a row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceRow:
    """One raw row as read: canonical column names mapped to the raw cell text.

    ``row`` is the spreadsheet row number (the header is row 1, the first data row is 2),
    so an investigator can open the file and find it. ``extra`` holds unknown columns,
    which the spec says are kept as properties.
    """

    table: str
    file: str
    row: int
    values: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)
    notes: tuple[CellNote, ...] = ()


@dataclass(frozen=True)
class CellNote:
    """What the reader saw wrong with a cell or a whole row, before any value is judged.

    ``column`` is the canonical column (or the extra column's label, or "" for the whole
    row). An ``unreadable`` cell has no value to judge (a formula without its stored
    result): ``ingest.normalize`` blanks it, or rejects the row when it is the row's key.
    Otherwise the note is reported as it stands (``action``: warning or corrected).
    """

    column: str
    text: str
    reason: str
    unreadable: bool = False
    action: str = "warning"


@dataclass(frozen=True)
class Issue:
    """One line of the load report: a problem with a value, a row, a file or a reference.

    ``action`` says what was done: "rejected" (row kept out of the graph), "corrected"
    (value fixed or blanked, the original text kept on the row), "warning" (implausible
    value loaded as given), "conflict" (another source gives another value), "reference"
    (a key no table defines: a stub node stands for it), "merged" (several input records
    became one fact), "ignored" (a file or sheet that holds no table), "skipped" (an
    importer's input with no canonical table).
    """

    file: str
    row: int
    column: str
    value: str
    reason: str
    action: str
    table: str = ""  # the canonical table, where known (one file may feed several)


@dataclass
class Record:
    """A validated row ready to load: typed values (str, float, bool, datetime.date, list)."""

    table: str
    file: str
    row: int
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
