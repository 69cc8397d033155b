"""``lianjian audit verify|log|head``: the audit trail, and the ``--as`` option of every
command that reads a person or changes an alert.

The command line acts as ``--as USER`` or, without it, as the OS user; each read of a
profile, timeline, path or portrait, each alert shown, listed, exported or moved is
appended to the hash-chained trail (``analytics.audit``, docs/audit.md).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from lianjian.commands import connect

if TYPE_CHECKING:
    from graph.connection import Connection

__all__ = ["app", "AS_HELP", "as_option", "acting", "audited"]

out = Console()
AS_HELP = "Who acts, as recorded in the audit trail (default: the OS user)"

app = typer.Typer(help="Audit trail (审计日志): verify the hash chain, read the log.",
                  no_args_is_help=True)


def as_option() -> Any:
    """The ``--as USER`` option (a fresh one per command)."""
    return typer.Option(None, "--as", help=AS_HELP, show_default=False)


def acting(actor: str | None) -> str:
    """``--as`` when given, else the OS user."""
    from analytics.audit import default_actor

    return (actor or "").strip() or default_actor()


def audited(connection: Connection, actor: str | None, action: str, targets=(),
            parameters: dict | None = None) -> dict:
    """Append the command's own read or export to the trail; returns ``{seq, hash, at}``."""
    from analytics.audit import record

    return record(connection, actor=acting(actor), action=action, targets=targets,
                  parameters={key: value for key, value in (parameters or {}).items()
                              if value not in (None, [], "")})


@app.command("verify")
def verify() -> None:
    """Recompute the chain from the first event; name the first broken or missing one."""
    from analytics.audit import AuditError, verify_chain

    with connect() as connection:
        result = verify_chain(connection)
    if not result["ok"]:
        raise AuditError(f"audit trail broken at event {result['first_bad_seq']}: "
                         f"{result['problem']}")
    out.print(f"audit trail intact: {result['events']} event(s), head seq "
              f"{result['head']['seq']} hash {result['head']['hash']}", highlight=False)


@app.command("head")
def show_head() -> None:
    """Print the last seq and hash (what an exported report carries)."""
    from analytics.audit import head

    with connect() as connection:
        last = head(connection)
    typer.echo(f"{last['seq']} {last['hash']}")


@app.command("log")
def log(
    actor: Optional[str] = typer.Option(None, "--actor", help="Only this actor"),
    target: Optional[str] = typer.Option(None, "--target",
                                         help="Only events naming this key (an ID number, "
                                              "unit code, alert id …)"),
    since: Optional[str] = typer.Option(None, "--since", help="From this date or time"),
    action: Optional[str] = typer.Option(None, "--action", help="Only this action"),
    page: int = typer.Option(1, "--page", min=1),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    reader: Optional[str] = as_option(),
) -> None:
    """Read the audit log, newest first (reading it is itself recorded)."""
    from analytics.audit import read_log

    with connect() as connection:
        result = read_log(connection, actor=actor, target=target, since=since, action=action,
                          page=page, limit=limit)
        audited(connection, reader, "audit.read", [value for value in (actor, target)
                                                   if value],
                {"actor": actor, "target": target, "since": since, "action": action})
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"audit log: {result['total']} event(s), page {page}")
    for column in ("seq", "at", "actor", "action", "targets", "parameters"):
        table.add_column(column, overflow="fold")
    for item in result["items"]:
        table.add_row(str(item["seq"]), item["at"], item["actor"], item["action"],
                      ";".join(item["targets"]),
                      json.dumps(item["parameters"], ensure_ascii=False))
    out.print(table)
