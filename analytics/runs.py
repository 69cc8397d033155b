"""The latest scans and loads, as the workbench's home page and ``/api/v1/runs`` list them.

A scan's alert counts cover the units it scanned; a reader whose jurisdiction does not
include all of them sees the scan (when, how long, which rules, its status) but not its
counts, which would tell how many alerts other jurisdictions have. Loads carry row counts
of whole datasets, not findings, and are shown as they are.
"""
from __future__ import annotations

from analytics.queries import native
from analytics.scope import Scope
from graph.connection import Connection

__all__ = ["last_scans", "last_loads"]

# A scan of everything (units NULL) covers the reader's scope only when no unit lies
# outside it; a scan of listed units when every one of them is inside.
LAST_SCANS = """
MATCH (scan:ScanRun)
WITH scan ORDER BY scan.started_at DESC SKIP $offset LIMIT $limit
WITH scan, $scope_units IS NULL OR (
       CASE WHEN scan.units IS NULL
            THEN NOT EXISTS { MATCH (u:Unit) WHERE NOT u.unit_id IN $scope_units }
            ELSE all(u IN scan.units WHERE u IN $scope_units) END) AS visible
RETURN scan.scan_id AS scan_id, scan.status AS status, scan.started_at AS started_at,
       scan.finished_at AS finished_at, scan.duration_s AS duration_s,
       size(coalesce(scan.rules, [])) AS rules, scan.units AS units, visible AS counts_visible,
       CASE WHEN visible THEN scan.new_alerts END AS new_alerts,
       CASE WHEN visible THEN scan.still_matching END AS still_matching,
       CASE WHEN visible THEN scan.no_longer_matching END AS no_longer_matching
ORDER BY started_at DESC
"""

LAST_LOADS = """
MATCH (run:LoadRun)
RETURN run.run_id AS run_id, run.dataset AS dataset, run.status AS status,
       run.started_at AS started_at, run.finished_at AS finished_at,
       run.duration_s AS duration_s, run.rows_read AS rows_read,
       run.rows_rejected AS rows_rejected, run.rows_written AS rows_written
ORDER BY started_at DESC SKIP $offset LIMIT $limit
"""


def last_scans(connection: Connection, limit: int = 5, scope: Scope | None = None,
               offset: int = 0) -> list[dict]:
    """The latest scans, newest first; counts are None where ``scope`` may not see them."""
    scope = scope or Scope.everything()
    return [native(row) for row in connection.read(
        LAST_SCANS, limit=int(limit), offset=int(offset), **scope.parameters())]


def last_loads(connection: Connection, limit: int = 5, offset: int = 0) -> list[dict]:
    """The latest loads, newest first, with their row counts."""
    return [native(row) for row in connection.read(LAST_LOADS, limit=int(limit),
                                                   offset=int(offset))]
