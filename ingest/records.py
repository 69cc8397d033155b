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


@dataclass(frozen=True)
class Issue:
    """A rejected or corrected value, for the reject/fix report."""

    file: str
    row: int
    column: str
    value: str
    reason: str
    action: str  # "rejected" (row kept out of the graph) or "corrected" (value fixed, row loaded)


@dataclass
class Record:
    """A validated row ready to load: typed values (str, float, bool, datetime.date, list)."""

    table: str
    file: str
    row: int
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
