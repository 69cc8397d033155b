"""The local Neo4j: start, status, stop, and the one-line causes of failed starts."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from conftest import ROOT, free_port
from graph.errors import SetupError
from graph.local_server import LocalServer
from graph.neo4j_install import server_lib
from graph.settings import Settings


def _server_sharing_jars(tmp_path, neo4j_settings, **overrides) -> LocalServer:
    """A second instance in its own home, reusing the jars the session server installed."""
    lib = server_lib(neo4j_settings.home.resolve())
    if not lib.exists():
        pytest.skip("needs the project's local server (NEO4J_URI is set)")
    home = tmp_path / "home"
    (home / "neo4j").mkdir(parents=True)
    (home / "neo4j" / "lib").symlink_to(lib)
    settings = Settings(**{"home": home, "heap": "256m", "pagecache": "64m", **overrides})
    return LocalServer(settings)


def test_start_status_stop_cycle(tmp_path, neo4j_settings):
    server = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=free_port())
    status = server.start()
    try:
        assert status.running and status.version.startswith("5.26")
        assert status.edition == "community"
        assert server.password_file.stat().st_mode & 0o777 == 0o600
        conf = (server.conf_dir / "neo4j.conf").read_text()
        assert "server.http.enabled=false" in conf
        assert f"server.bolt.listen_address=127.0.0.1:{server.settings.bolt_port}" in conf
        assert server.start().pid == status.pid, "a second start reuses the running server"
        assert "server.memory.heap.max_size=256m" in conf
        assert "server.memory.pagecache.size=64m" in conf
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("NEO4J_", "LIANJIAN_"))}
        shown = subprocess.run(
            [sys.executable, "-m", "lianjian.cli", "db", "status"], cwd=ROOT, text=True,
            capture_output=True, timeout=120,
            env={**clean, "LIANJIAN_HOME": str(server.home),
                 "LIANJIAN_BOLT_PORT": str(server.settings.bolt_port)})
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.splitlines()[-1] == ("memory: heap 256m, page cache 64m (set by "
                                                 "LIANJIAN_HEAP and LIANJIAN_PAGECACHE)")
    finally:
        message = server.stop()
    assert message.startswith("stopped")
    assert not server.status().running


def test_start_with_port_taken_names_the_port(tmp_path, neo4j_settings):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=port)
        with pytest.raises(SetupError, match=f"port {port} on 127.0.0.1 is already in use"):
            server.start()


def test_cli_port_taken_prints_one_line_and_fails(tmp_path, neo4j_settings):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=port)
        result = subprocess.run(
            [sys.executable, "-m", "lianjian.cli", "db", "start"], cwd=ROOT,
            capture_output=True, text=True, timeout=120,
            env={"PATH": "/usr/bin:/bin", "LIANJIAN_HOME": str(server.home),
                 "LIANJIAN_BOLT_PORT": str(port)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: port {port} on 127.0.0.1 is already in use: "
                     "stop the other process or set LIANJIAN_BOLT_PORT"]


def test_missing_java_is_reported(tmp_path, neo4j_settings):
    server = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=free_port(),
                                  java_home=tmp_path / "no-jdk")
    with pytest.raises(SetupError, match="Java 17 or 21 not found at LIANJIAN_JAVA_HOME"):
        server.start()


def test_wrong_java_version_is_reported(tmp_path, neo4j_settings):
    jdk25 = "/usr/lib/jvm/temurin-25-jdk-amd64"
    from pathlib import Path

    if not Path(jdk25).exists():
        pytest.skip("no second JDK on this machine")
    server = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=free_port(),
                                  java_home=Path(jdk25))
    with pytest.raises(SetupError, match=r"\(Java 25\)"):
        server.start()


def test_not_enough_memory_is_reported(tmp_path, neo4j_settings):
    server = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=free_port(),
                                  heap="4000g")
    with pytest.raises(SetupError, match="not enough memory"):
        server.start()


def test_locked_data_directory_is_reported(tmp_path, neo4j_settings):
    """A second process on the session server's data directory must fail with the cause."""
    if not server_lib(neo4j_settings.home.resolve()).exists():
        pytest.skip("needs the project's local server")
    running = LocalServer(neo4j_settings)
    intruder = _server_sharing_jars(tmp_path, neo4j_settings, bolt_port=free_port())
    intruder.data = running.data  # same data directory, other home and port
    intruder.password_file.parent.mkdir(parents=True, exist_ok=True)
    intruder.password_file.write_text(running.password())
    with pytest.raises(SetupError, match="locked by another Neo4j process"):
        intruder.start()
