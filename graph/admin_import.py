"""``neo4j-admin database import full`` against the project's local server.

The import tool ships in the jars the project installs (``graph.neo4j_install``); it writes
a new store offline, so the server is stopped for it and started again afterwards (with
whatever store the import left, or the empty one it had when the import failed). The
schema is not the tool's business: ``graph.migrate`` creates it on the started server.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from graph.errors import LianjianError
from graph.local_server import LocalServer
from graph.neo4j_install import find_java, server_lib
from graph.settings import Settings

__all__ = ["AdminImportFailed", "import_command", "import_tool_present", "import_offline"]

IMPORT_TOOL_JAR = "neo4j-import-tool-{version}.jar"


class AdminImportFailed(LianjianError):
    """The import tool is missing, or refused or failed on the files it was given."""


def import_tool_present(home: Path) -> bool:
    """Whether the server's jars under ``home`` include the import tool."""
    from graph.settings import NEO4J_VERSION

    return (server_lib(home) / IMPORT_TOOL_JAR.format(version=NEO4J_VERSION)).exists()


def import_command(home: Path, arguments: list[str], database: str = "neo4j",
                   java: Path | None = None, options: tuple[str, ...] = (
                       "--id-type=string", "--ignore-empty-strings=true")) -> list[str]:
    """``neo4j-admin database import full`` from the jars the project installs.

    ``--overwrite-destination``: the caller has made sure the database holds nothing
    worth keeping. The tool's report goes to ``home/import.report``.
    """
    java = java or find_java()
    return [str(java), "-cp", f"{server_lib(home)}/*", "org.neo4j.cli.AdminTool",
            "database", "import", "full", database, "--overwrite-destination=true",
            *options, f"--report-file={home / 'import.report'}", *arguments]


def _cause(text: str, home: Path) -> str:
    """The tool's own words for why it failed (``--verbose`` prints them): the bad field's
    file, line, column and error when it names one, else the root exception, else the
    last line that says error."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = {}
    for line in lines:
        for name in ("data source:", "in field:", "original error:"):
            if line.startswith(name) and name not in found:
                found[name] = line
    if "original error:" in found:
        cause = "; ".join(found.values())
    else:
        roots = [line.split(": ", 1)[-1] for line in lines if line.startswith("Caused by:")]
        errors = [line for line in lines if "rror" in line or "ailed" in line]
        cause = (roots[-1:] or errors[-1:] or ["no output"])[0]
    return f"{cause[:300]} (see {home / 'import.log'})"


def import_offline(server: LocalServer, arguments: list[str], settings: Settings
                   ) -> dict[str, float]:
    """Stop the local server, import, start it again; returns each step's wall seconds.

    The server is started again whatever happens, so a failed import leaves the server up
    with an empty database (without schema) and one line saying why.
    """
    import time

    if not import_tool_present(server.home):
        raise AdminImportFailed(f"the import tool (neo4j-import-tool) is not among the "
                                f"server's jars in {server_lib(server.home)}: reinstall the "
                                "server (`lianjian db start` installs it) or load without --bulk")
    java = find_java(settings.java_home)
    command = import_command(server.home, arguments, settings.neo4j_database, java,
                             options=("--verbose",))  # the cause of a failure, in import.log
    env = {**os.environ, "NEO4J_HOME": str(server.root), "NEO4J_CONF": str(server.conf_dir)}
    began = time.perf_counter()
    server.stop()
    seconds = {"stop": time.perf_counter() - began}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              cwd=server.root)
        (server.home / "import.log").write_text(done.stdout + done.stderr)
        seconds["import"] = time.perf_counter() - began - seconds["stop"]
        if done.returncode != 0:
            # The tool leaves a half-written store that the server cannot open; the caller
            # imports only into an empty database, so the store goes and a new one is made.
            _remove_store(server, settings.neo4j_database)
            raise AdminImportFailed("neo4j-admin database import failed, the database is "
                                    "empty again: " + _cause(done.stdout + done.stderr,
                                                             server.home))
    finally:
        restarted = time.perf_counter()
        server.start()
        seconds["start"] = time.perf_counter() - restarted
    return seconds


def _remove_store(server: LocalServer, database: str) -> None:
    for folder in (server.data / "databases" / database, server.data / "transactions" / database):
        shutil.rmtree(folder, ignore_errors=True)
