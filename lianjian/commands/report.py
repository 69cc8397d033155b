"""``lianjian report export|verify``: evidence reports of a case or an alert, and the check
that a file is exactly one Lianjian exported.

``export`` writes the report (HTML or PDF, from the same template as the workbench's) to a
file and records its SHA-256 in the audit trail (``report.export``); ``verify`` recomputes a
file's SHA-256 and finds its export in the trail, or says it is not one (exit 1). Both act
``--as USER`` (default: the OS user) and are audited.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from lianjian.commands import connect
from lianjian.commands.audit import acting, as_option

app = typer.Typer(help="Evidence reports (证据报告): export a case or an alert as HTML or PDF; "
                       "verify that a file is one Lianjian exported.", no_args_is_help=True)


@app.command("export")
def export(
    case: Optional[str] = typer.Option(None, "--case", help="Case number (AJ-2026-0001)"),
    alert: Optional[str] = typer.Option(None, "--alert", help="Alert id"),
    format: str = typer.Option("pdf", "--format", "-f", help="html or pdf"),
    lang: str = typer.Option("zh", "--lang", help="zh or en"),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="File to write (default: named after the case "
                                            "or alert, in the current folder)"),
    actor: Optional[str] = as_option(),
) -> None:
    """Export the evidence report of a case or an alert; prints its SHA-256 and seconds."""
    from analytics.accounts import get_user
    from analytics.reports import ReportError
    from analytics.scope import Scope
    from graph.errors import LianjianError
    from graph.settings import get_settings
    from web.reports import export_report, report_filename

    if (case is None) == (alert is None):
        raise ReportError("give --case NUMBER or --alert ID (one of them)")
    if format not in ("html", "pdf"):
        raise ReportError(f"--format {format!r}: use html or pdf")
    who = acting(actor)
    began = time.monotonic()
    with connect() as connection:
        user = get_user(connection, who)
        exporter = {"username": who, "display_name": user.display_name if user else who}
        exported = export_report(connection, scope=Scope.everything(), exporter=exporter,
                                 format=format, case_id=case, alert_id=alert, lang=lang,
                                 timezone=get_settings().timezone, origin={"via": "cli"})
    if exported is None:
        raise LianjianError(f"no {'case' if case else 'alert'} {case or alert!r}")
    data, record, report = exported
    target = out or Path(report_filename(report, format))
    target.write_bytes(data)
    typer.echo(f"{target}  {len(data):,} bytes  sha256 {record['sha256']}  audit seq "
               f"{record['audit_seq']}  {len(report['alerts'])} alert(s)  "
               f"{time.monotonic() - began:.2f} s")


@app.command("verify")
def verify(
    file: Path = typer.Argument(..., help="The report file (PDF or HTML)"),
    actor: Optional[str] = as_option(),
) -> None:
    """Say whether FILE is exactly a report Lianjian exported (by whom, when), or not."""
    from analytics.reports import ReportError, verify_report

    if not file.is_file():
        raise ReportError(f"no file {file}")
    with connect() as connection:
        result = verify_report(connection, file.read_bytes(), actor=acting(actor),
                               filename=file.name, origin={"via": "cli"})
    if not result["ok"]:
        raise ReportError(f"{file}: {result['problem']} (sha256 {result['sha256']})")
    typer.echo(f"{file}: exported by {result['exported_by']} at {result['exported_at']} "
               f"({result['subject']}, {result['format']}, audit seq {result['audit_seq']}); "
               f"unchanged since (sha256 {result['sha256']})")
