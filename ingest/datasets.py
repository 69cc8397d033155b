"""The datasets a graph holds: named sources, where they were loaded from, their precedence.

A dataset is registered by its first load (``Dataset`` node: ``dataset_id``, ``path``,
``registered_at``, ``priority``, ``table_priority``); ``lianjian datasets`` lists them.
"""
from __future__ import annotations

from graph.connection import Connection

__all__ = ["list_datasets"]

LIST_DATASETS = """
MATCH (d:Dataset)
OPTIONAL MATCH (run:LoadRun)-[:LOADED]->(d)
WITH d, run ORDER BY run.started_at DESC
WITH d, collect(run)[0] AS r
RETURN d.dataset_id AS dataset, d.path AS path, coalesce(d.priority, 0) AS priority,
       d.table_priority AS table_priority, d.registered_at AS registered_at,
       r.status AS last_status, toString(r.finished_at) AS last_finished,
       r.report AS last_report
ORDER BY registered_at, dataset
"""


def list_datasets(connection: Connection) -> list[dict]:
    """One row per dataset, oldest registration first (the default precedence order)."""
    return connection.read(LIST_DATASETS)
