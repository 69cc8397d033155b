"""One real Neo4j for the whole test run, and an empty database for each test that asks.

With ``NEO4J_URI`` set the tests use that server (and empty its database between tests);
otherwise they start the project's own local server under ``.lianjian/test`` on a free
port, and stop it at the end. Nothing here mocks Neo4j or its driver.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from graph.connection import Connection, connect
from graph.local_server import LocalServer
from graph.migrate import migrate
from graph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def neo4j_settings() -> Settings:
    """Settings of the server the tests use (started here unless NEO4J_URI is set)."""
    if os.environ.get("NEO4J_URI"):
        yield Settings()
        return
    settings = Settings(home=ROOT / ".lianjian" / "test", bolt_port=free_port(),
                        heap="768m", pagecache="256m")
    server = LocalServer(settings)
    server.stop()
    server.start()
    yield settings
    server.stop()


@pytest.fixture(scope="session")
def session_connection(neo4j_settings: Settings) -> Connection:
    connection = connect(neo4j_settings)
    migrate(connection)
    yield connection
    connection.close()


@pytest.fixture
def db(session_connection: Connection) -> Connection:
    """A connection to an empty database (schema kept) for one test."""
    session_connection.delete_all_data()
    return session_connection
