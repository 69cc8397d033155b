"""One real Neo4j for the whole test run, and an empty database for each test that asks.

With ``NEO4J_URI`` set the tests use that server (and empty its database between tests);
otherwise they start the project's own local server under ``.lianjian/test`` on a free
port, and stop it at the end. No stand-in replaces the server or the official driver.
"""
from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph.connection import Connection, connect
from graph.local_server import LocalServer
from graph.neo4j_install import install_server, server_lib
from graph.migrate import migrate
from graph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(settings: Settings) -> dict[str, str]:
    """NEO4J_* variables naming the test server, for child processes and ``connect()``."""
    if settings.uses_remote_server:
        return {"NEO4J_URI": settings.neo4j_uri, "NEO4J_USER": settings.neo4j_user,
                "NEO4J_PASSWORD": settings.neo4j_password or "",
                "NEO4J_DATABASE": settings.neo4j_database}
    return {"NEO4J_URI": settings.local_uri, "NEO4J_USER": settings.neo4j_user,
            "NEO4J_PASSWORD": settings.neo4j_password or LocalServer(settings).password(),
            "NEO4J_DATABASE": settings.neo4j_database}


@pytest.fixture(scope="session")
def neo4j_settings() -> Settings:
    """Settings of the server the tests use (started here unless NEO4J_URI is set)."""
    if os.environ.get("NEO4J_URI"):
        yield Settings()
        return
    with own_server("session", heap="768m") as settings:
        yield settings


@contextmanager
def own_server(name: str, heap: str) -> Iterator[Settings]:
    """A local server of the tests' own, on a free port, sharing the jars; gone afterwards."""
    home = ROOT / ".lianjian" / "test" / f"{name}-{os.getpid()}"
    _share_jars(home)
    settings = Settings(home=home, bolt_port=free_port(), heap=heap, pagecache="256m")
    server = LocalServer(settings)
    server.start()
    try:
        yield settings
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _share_jars(home: Path) -> None:
    """One copy of the server's jars for every test session (sessions may run side by side)."""
    jars_home = ROOT / ".lianjian" / "test" / "jars"
    install_server(jars_home)
    (home / "neo4j").mkdir(parents=True, exist_ok=True)
    link = home / "neo4j" / "lib"
    if not link.exists():
        link.symlink_to(server_lib(jars_home).resolve())


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
