"""The load report: every rejected, corrected, doubtful or conflicting value, nothing silent.

Written as CSV (UTF-8 with BOM, so Excel shows the Chinese) with file, row, column, value,
reason and action, plus counts by kind of reason for the summary printed after a load.
The actions are those of ``ingest.records.Issue``.
"""
from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.records import Issue

__all__ = ["REJECTED", "CORRECTED", "WARNING", "CONFLICT", "REFERENCE", "MERGED", "IGNORED",
           "SKIPPED", "IssueCount", "IssueReport"]

REJECTED, CORRECTED, WARNING, CONFLICT = "rejected", "corrected", "warning", "conflict"
REFERENCE, MERGED, IGNORED, SKIPPED = "reference", "merged", "ignored", "skipped"


@dataclass(frozen=True)
class IssueCount:
    """How often one kind of problem (the reason before its ':') hit one column of one file."""

    file: str
    column: str
    reason: str
    action: str
    count: int


class IssueReport:
    """The reject/fix report of a load: every issue, as a CSV an investigator opens in Excel.

    >>> report = IssueReport()
    >>> report.extend([Issue("persons.csv", 3, "id_number", "1101", "wrong length: 4", REJECTED)])
    >>> report.summary()
    [IssueCount(file='persons.csv', column='id_number', reason='wrong length', action='rejected', count=1)]
    """

    COLUMNS = ("file", "row", "column", "value", "reason", "action", "table")

    def __init__(self, issues: Iterable[Issue] = ()):
        self.issues: list[Issue] = list(issues)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def __len__(self) -> int:
        return len(self.issues)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    @property
    def rejected_rows(self) -> int:
        """Rows kept out of the graph (a row with several rejected cells counts once)."""
        return len({(issue.file, issue.row) for issue in self.issues if issue.action == REJECTED})

    def count(self, action: str) -> int:
        return sum(1 for issue in self.issues if issue.action == action)

    def write_csv(self, path: str | Path) -> Path:
        """Write the issues as CSV in UTF-8 with BOM, so Excel shows the Chinese correctly.

        Written to a temporary name first and renamed, so a report is never half written.
        """
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(self.COLUMNS)
            for issue in self.issues:
                writer.writerow([getattr(issue, name) for name in self.COLUMNS])
        partial.replace(path)
        return path

    def summary(self) -> list[IssueCount]:
        """Counts by file, column, kind of reason and action, most frequent first."""
        counts = Counter(
            (issue.file, issue.column, issue.reason.split(":", 1)[0], issue.action)
            for issue in self.issues
        )
        return [IssueCount(*key, count) for key, count in counts.most_common()]
