"""Command groups of the lianjian CLI.

Command modules import nothing heavy at module level: ``lianjian --help`` must answer at
once, and the Neo4j driver alone pulls in pandas (about a second without bytecode). They
use ``connect`` from here, which imports the driver when a command runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.connection import Connection
    from graph.settings import Settings


def connect(settings: Settings | None = None) -> Connection:
    """``graph.connection.connect``, imported on first use."""
    from graph.connection import connect as connect_graph

    return connect_graph(settings)
