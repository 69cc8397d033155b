"""``lianjian import``: an interchange file (FollowTheMoney, OCDS) loaded like a dataset folder.

The importer's own findings (input it could not use, data it repaired, records it merged)
and the loader's (conflicts with other sources, stubs) go into one report, written where
``lianjian load`` writes its own. A file that yields no record at all is not a file of that
format: that is one line, not an empty load.
"""
from __future__ import annotations

import uuid
from pathlib import Path

from graph.connection import Connection
from graph.errors import LianjianError
from ingest.linking import link_keyless
from ingest.load_run import LoadResult, extract_digest, load_records
from ingest.loader import report_folder
from ingest.ocds import ImportResult
from ingest.report import IssueReport

__all__ = ["import_file", "read_interchange"]

FORMATS = {"ftm": "FollowTheMoney entities (JSON lines)",
           "ocds": "Open Contracting (OCDS) releases, records or packages"}


def read_interchange(kind: str, path: Path) -> ImportResult:
    """Read an FtM or OCDS file (OCDS: or folder) into records, or fail with one line."""
    path = Path(path)
    if kind == "ftm":
        from ingest.ftm import read_ftm as read

        if path.is_dir():
            raise LianjianError(f"{path}: is a folder; `import ftm` reads one file of "
                                "FollowTheMoney entities (JSON lines)")
    else:
        from ingest.ocds import read_ocds as read
    imported = read(path)
    if not any(imported.records.values()):
        why = imported.skipped[0].reason if imported.skipped else "no entity in it"
        raise LianjianError(f"{path.name}: not {FORMATS[kind]}: {why}; check the file, or the "
                            "kind (ftm or ocds)")
    return imported


def import_file(connection: Connection, kind: str, path: Path, dataset: str | None = None,
                report_dir: Path | None = None, threshold: float = 0.8
                ) -> tuple[LoadResult, int]:
    """Read, load as one LoadRun with its report, and link keyless parties; (result, links)."""
    path = Path(path)
    imported = read_interchange(kind, path)
    report = IssueReport([*imported.skipped, *imported.corrected, *imported.merged])
    target = report_folder(report_dir, path.parent if path.is_file() else path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    result = load_records(connection, imported.records, dataset or path.name,
                          str(path.resolve()), extract_digest(files) or uuid.uuid4().hex,
                          explicit=dataset is not None, report=report, report_dir=target)
    return result, link_keyless(connection, imported.records, threshold)
