"""``lianjian db``: the local Neo4j (start, stop, status, wipe) and the schema (migrate).

The server, the driver and the settings are imported inside the commands (see
``lianjian.commands``): ``--help`` needs none of them.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import typer

from graph.errors import SetupError
from lianjian.commands import connect

if TYPE_CHECKING:
    from graph.local_server import LocalServer

app = typer.Typer(help="Manage the database: the local Neo4j and its schema.",
                  no_args_is_help=True)


def _local() -> LocalServer:
    from graph.local_server import LocalServer
    from graph.settings import get_settings

    settings = get_settings()
    if settings.uses_remote_server:
        raise SetupError(f"NEO4J_URI is set ({settings.neo4j_uri}): this command manages "
                         "only the local server; unset NEO4J_URI to use it")
    return LocalServer(settings)


@app.command()
def start() -> None:
    """Start the local Neo4j (installing it on first use) and wait until it answers."""
    began = time.monotonic()
    status = _local().start()
    typer.echo(f"Neo4j {status.version} {status.edition} up at {status.uri} "
               f"(pid {status.pid}, {time.monotonic() - began:.1f} s)")


@app.command()
def stop() -> None:
    """Stop the local Neo4j cleanly (SIGTERM, wait, then report)."""
    typer.echo(_local().stop())


@app.command()
def status() -> None:
    """Report whether the database answers, its version and memory; exit 1 when it is down."""
    from graph.connection import probe
    from graph.local_server import LocalServer
    from graph.settings import get_settings

    settings = get_settings()
    server = None
    if settings.uses_remote_server:
        state = probe(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password,
                      settings.neo4j_database)
    else:
        server = LocalServer(settings)
        state = server.status()
    if state.running:
        pid = f", pid {state.pid}" if state.pid else ""
        typer.echo(f"up: Neo4j {state.version} {state.edition} at {state.uri}{pid}")
        memory = server.running_memory() if server else None
        if memory:
            typer.echo(f"memory: heap {memory.heap}, page cache {memory.pagecache} "
                       f"({memory.reason})")
        return
    typer.echo(f"down: {state.uri} ({state.detail})")
    if server:
        memory = server.memory
        typer.echo(f"memory at next start: heap {memory.heap}, page cache {memory.pagecache} "
                   f"({memory.reason})")
    raise typer.Exit(1)


@app.command()
def wipe(yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation")) -> None:
    """Stop the local Neo4j and delete its data."""
    server = _local()
    if not yes:
        typer.confirm(f"Delete every node in {server.data}?", abort=True)
    typer.echo(server.wipe())


@app.command()
def migrate() -> None:
    """Create the model's constraints and indexes (idempotent) and record the version."""
    from graph.migrate import migrate as apply_schema

    with connect() as connection:
        result = apply_schema(connection)
    changed = "recorded" if result["version_changed"] else "unchanged"
    typer.echo(f"schema v{result['version']} ({result['digest']}) {changed}; "
               f"{len(result['created'])} constraints/indexes created")


@app.command("model-doc")
def model_doc() -> None:
    """Print docs/model.md: the graph model with its Mermaid diagram."""
    from graph.model_doc import render_markdown

    typer.echo(render_markdown(), nl=False)
