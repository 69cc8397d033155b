"""The project's connection helper against the real server."""
from __future__ import annotations

import pytest

from graph.connection import Connection
from graph.errors import ConnectionFailed


def test_read_write_and_batches(db):
    written = db.write_batches(
        "UNWIND $rows AS row MERGE (p:Person {id_number: row.id}) SET p.name = row.name",
        ({"id": f"T{i}", "name": f"人员{i}"} for i in range(2500)), batch_size=1000)
    assert written == 2500
    rows = db.read("MATCH (p:Person) WHERE p.name = $name RETURN p.id_number AS id",
                   name="人员7")
    assert rows == [{"id": "T7"}]
    assert db.read("MATCH (p:Person) RETURN count(p) AS n") == [{"n": 2500}]


def test_wrong_password_is_one_line(neo4j_settings, session_connection):
    with Connection(session_connection.uri, "neo4j", "not-the-password") as bad:
        with pytest.raises(ConnectionFailed, match="refused the user name or password"):
            bad.ping()


def test_unreachable_server_names_the_fix():
    from conftest import free_port

    with Connection(f"bolt://127.0.0.1:{free_port()}", "neo4j", "x") as nowhere:
        nowhere.driver._pool  # noqa: B018 - the driver connects lazily
        with pytest.raises(ConnectionFailed, match="lianjian db start"):
            nowhere.server_info()
