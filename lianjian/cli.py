"""The ``lianjian`` command: the composition root that wires ingest, graph and analytics.

Each command group lives in its own module under ``lianjian/commands``; this file only
assembles them and turns Lianjian's errors into one line on stderr and exit status 1.
Command modules import the driver, pandas, networkx and scikit-learn inside the commands
that need them, so ``lianjian --help`` answers at once (tests/test_cli.py checks it).
"""
from __future__ import annotations

import sys

import typer
from typer.exceptions import TyperException

from graph.errors import LianjianError
from lianjian.commands import (analytics, audit, db, explore, generate, ingest, report, serve,
                               users)

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
app.command("generate")(generate.generate_dataset)
app.command()(analytics.scan)
app.add_typer(analytics.rules_app, name="rules")
app.add_typer(analytics.alerts_app, name="alerts")
app.command()(analytics.evaluate)
app.command()(analytics.schedule)
app.add_typer(users.app, name="users")
app.command("demo-users")(users.demo_users)
app.command()(serve.serve)
app.add_typer(audit.app, name="audit")
app.add_typer(report.app, name="report")
for command in (explore.paths, explore.profile, explore.portrait, explore.timeline):
    app.command()(command)


def main() -> None:
    """Entry point: run the app, reporting known failures and usage mistakes as one line."""
    try:
        code = app(standalone_mode=False)
    except LianjianError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(1)
    except TyperException as error:  # an unknown option, a bad value, a missing argument
        context = getattr(error, "ctx", None)
        if type(error).__name__ == "NoArgsIsHelpError" and context is not None:
            typer.echo(context.get_help())
            sys.exit(0)
        command = context.command_path if context is not None else "lianjian"
        message = " ".join(error.format_message().split())
        typer.secho(f"error: {message} (see `{command} --help`)", err=True, fg=typer.colors.RED)
        sys.exit(1)
    except typer.Abort:
        typer.secho("error: aborted", err=True, fg=typer.colors.RED)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
