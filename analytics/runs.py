"""Scans and loads as the workbench lists them: paged, filtered, within a scope.

A scan (``ScanRun``) is visible to a reader when it covered the whole graph or some unit of
the reader's scope; its stored totals (new, still matching, no longer matching) count
alerts of every unit it scanned, so they are shown only when all of those units lie in the
reader's jurisdiction (``counts_visible``); every reader also gets them recounted over the
alerts of his scope (``alerts_in_scope``, ``new_in_scope``). A load (``LoadRun``) is
administration of the whole database: only a reader whose jurisdiction covers every unit
sees loads (docs/access.md); to anyone else the list is empty and a run id reads as
missing.
"""
from __future__ import annotations

import datetime as dt
import json
import math

from analytics.access import COVERS_EVERY_UNIT, in_scope
from analytics.plain import plain
from analytics.queries import EntityNotFound, as_date
from analytics.scope import Scope

__all__ = ["ScanNotFound", "LoadNotFound", "list_scans", "get_scan", "list_loads", "get_load",
           "SCAN_STATUSES", "LOAD_STATUSES"]

SCAN_STATUSES = ("running", "completed", "failed")
LOAD_STATUSES = ("running", "completed", "failed")  # an interrupted load stays running


class ScanNotFound(EntityNotFound):
    """No scan the reader may see has that id."""


class LoadNotFound(EntityNotFound):
    """No load the reader may see has that id."""


# The stored totals count alerts of every unit the scan covered.
_TOTALS_VISIBLE = f"""($scope_units IS NULL OR CASE WHEN scan.units IS NULL
  THEN {COVERS_EVERY_UNIT} ELSE all(unit IN scan.units WHERE unit IN $scope_units) END)"""

_SCAN_FIELDS = f"""scan {{.scan_id, .started_at, .finished_at, .status, .rules, .units,
  .duration_s, .error, .parameters, .timings, counts_visible: {_TOTALS_VISIBLE},
  new_alerts: CASE WHEN {_TOTALS_VISIBLE} THEN scan.new_alerts END,
  still_matching: CASE WHEN {_TOTALS_VISIBLE} THEN scan.still_matching END,
  no_longer_matching: CASE WHEN {_TOTALS_VISIBLE} THEN scan.no_longer_matching END,
  alerts_in_scope: COUNT {{ MATCH (scan)-[:RAISED]->(a:Alert) WHERE {in_scope('Alert', 'a')} }},
  new_in_scope: COUNT {{ MATCH (scan)-[:RAISED]->(a:Alert)
                        WHERE a.first_scan = scan.scan_id AND {in_scope('Alert', 'a')} }}
}} AS scan"""

LIST_SCANS = f"""
MATCH (scan:ScanRun)
WHERE {in_scope('ScanRun', 'scan')}
  AND ($status IS NULL OR scan.status = $status)
  AND ($since IS NULL OR scan.started_at >= datetime($since))
  AND ($until IS NULL OR scan.started_at < datetime($until) + duration('P1D'))
WITH scan ORDER BY scan.started_at DESC, scan.scan_id
WITH collect(scan) AS scans
UNWIND (CASE WHEN size(scans) = 0 THEN [null] ELSE scans[$skip..$skip + $page_size] END)
  AS scan
RETURN size(scans) AS total,
       CASE WHEN scan IS NULL THEN null ELSE {_SCAN_FIELDS.replace(' AS scan', '')} END AS scan
"""

GET_SCAN = f"""
MATCH (scan:ScanRun {{scan_id: $scan_id}}) WHERE {in_scope('ScanRun', 'scan')}
RETURN {_SCAN_FIELDS}
"""

_LOAD_FIELDS = """run {.run_id, .dataset, .status, .started_at, .finished_at, .duration_s,
  .rows_read, .rows_rejected, .rows_written, .extract_id, .counts, .files, .error}"""

LIST_LOADS = f"""
MATCH (run:LoadRun)
WHERE {in_scope('LoadRun', 'run')}
  AND ($status IS NULL OR run.status = $status)
  AND ($dataset IS NULL OR run.dataset = $dataset)
WITH run ORDER BY run.started_at DESC, run.run_id
WITH collect(run) AS runs
UNWIND (CASE WHEN size(runs) = 0 THEN [null] ELSE runs[$skip..$skip + $page_size] END) AS run
RETURN size(runs) AS total, CASE WHEN run IS NULL THEN null ELSE {_LOAD_FIELDS} END AS run
"""

GET_LOAD = f"""
MATCH (run:LoadRun {{run_id: $run_id}}) WHERE {in_scope('LoadRun', 'run')}
RETURN {_LOAD_FIELDS} AS run
"""


def _json_fields(row: dict, *names: str) -> dict:
    """Fields stored as JSON text, read back (text that is not JSON is kept as it is)."""
    for name in names:
        if isinstance(row.get(name), str):
            try:
                row[name] = json.loads(row[name])
            except ValueError:
                pass
    return row


def _page(page: int, page_size: int) -> dict:
    if int(page) < 1 or int(page_size) < 1:
        raise ValueError("page and page_size start at 1")
    return {"skip": (int(page) - 1) * int(page_size), "page_size": int(page_size)}


def _paged(rows: list[dict], field: str, page: int, page_size: int, *json_names) -> dict:
    total = rows[0]["total"] if rows else 0
    items = [_json_fields(plain(row[field]), *json_names) for row in rows if row[field]]
    return {"items": items, "total": total, "page": int(page), "page_size": int(page_size),
            "pages": max(1, math.ceil(total / int(page_size)))}


def list_scans(connection, *, scope: Scope, status: str | None = None,
               since: dt.date | str | None = None, until: dt.date | str | None = None,
               page: int = 1, page_size: int = 50) -> dict:
    """Scans, newest first, one page at a time.

    Parameters
    ----------
    scope : analytics.scope.Scope
        Scans of the whole graph or of a unit in scope; totals recounted within it.
    status : {"running", "completed", "failed"}, optional
    since, until : date or ISO text, optional
        Started on or after ``since`` and on or before ``until`` (whole days).
    page, page_size : int

    Returns
    -------
    dict
        ``items`` (scan_id, started_at, finished_at, status, rules, units, duration_s,
        error, parameters and timings as read from JSON, counts_visible, new_alerts,
        still_matching and no_longer_matching — None unless counts_visible —,
        alerts_in_scope, new_in_scope),
        ``total``, ``page``, ``page_size``, ``pages``.
    """
    if status is not None and status not in SCAN_STATUSES:
        raise ValueError(f"unknown scan status {status!r}; choose among "
                         f"{', '.join(SCAN_STATUSES)}")
    since, until = as_date(since), as_date(until)
    rows = connection.read(LIST_SCANS, status=status,
                           since=since.isoformat() if since else None,
                           until=until.isoformat() if until else None,
                           **_page(page, page_size), **scope.parameters())
    return _paged(rows, "scan", page, page_size, "parameters", "timings")


def get_scan(connection, scan_id: str, *, scope: Scope) -> dict:
    """One scan (fields as in ``list_scans``).

    Raises
    ------
    ScanNotFound
        When no scan the reader may see has that id.
    """
    rows = connection.read(GET_SCAN, scan_id=str(scan_id), **scope.parameters())
    if not rows:
        raise ScanNotFound(f"no scan {scan_id!r} that you may see: list scans to find its id")
    return _json_fields(plain(rows[0]["scan"]), "parameters", "timings")


def list_loads(connection, *, scope: Scope, status: str | None = None,
               dataset: str | None = None, page: int = 1, page_size: int = 50) -> dict:
    """Loads, newest first, one page at a time (only a reader covering every unit sees any).

    Returns
    -------
    dict
        ``items`` (run_id, dataset, status, started_at, finished_at, duration_s, rows_read,
        rows_rejected, rows_written, extract_id, counts and files read from JSON, error),
        ``total``, ``page``, ``page_size``, ``pages``.
    """
    if status is not None and status not in LOAD_STATUSES:
        raise ValueError(f"unknown load status {status!r}; choose among "
                         f"{', '.join(LOAD_STATUSES)}")
    rows = connection.read(LIST_LOADS, status=status, dataset=dataset,
                           **_page(page, page_size), **scope.parameters())
    return _paged(rows, "run", page, page_size, "counts", "files")


def get_load(connection, run_id: str, *, scope: Scope) -> dict:
    """One load (fields as in ``list_loads``).

    Raises
    ------
    LoadNotFound
        When no load the reader may see has that id.
    """
    rows = connection.read(GET_LOAD, run_id=str(run_id), **scope.parameters())
    if not rows:
        raise LoadNotFound(f"no load {run_id!r} that you may see: list loads to find its id")
    return _json_fields(plain(rows[0]["run"]), "counts", "files")
