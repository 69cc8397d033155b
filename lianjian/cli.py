"""The ``lianjian`` command: the composition root that wires ingest, graph and analytics.

Each command group lives in its own module under ``lianjian/commands``; this file only
assembles them and turns Lianjian's errors into one line on stderr and exit status 1.
"""
from __future__ import annotations

import sys

import typer

from graph.errors import LianjianError
from lianjian.commands import analytics, db, explore, ingest

app = typer.Typer(
    help="Lianjian 廉鉴 — investigation workbench for the supervision of public power.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.command()(ingest.load)
app.add_typer(ingest.map_app, name="map")
app.command("import")(ingest.import_data)
app.command("datasets")(ingest.datasets)
app.command("generate")(ingest.generate_dataset)
app.command()(analytics.scan)
app.add_typer(analytics.rules_app, name="rules")
app.add_typer(analytics.alerts_app, name="alerts")
app.command()(analytics.evaluate)
app.command()(analytics.schedule)
for command in (explore.paths, explore.profile, explore.portrait, explore.timeline):
    app.command()(command)


def main() -> None:
    """Entry point: run the app, reporting known failures as one line."""
    try:
        app()
    except LianjianError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(1)


if __name__ == "__main__":
    main()
