"""``lianjian alerts …``: list, show, export, and move alerts through 预警 → 分办 → 核查 → 处置.

Thin commands over ``analytics.alerts`` and ``analytics.workflow``. Every one acts as
``--as USER`` (default: the OS user); showing, listing and exporting alerts and every
workflow action are recorded in the audit trail.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from lianjian.commands import connect
from lianjian.commands.audit import acting, as_option, audited

console = Console(stderr=True)
out = Console()

alerts_app = typer.Typer(help="Alerts (预警): list, show, export, and move them through "
                              "预警 → 分办 → 核查 → 处置.", no_args_is_help=True)

EXPECT_HELP = "Refuse unless the alert is in this status now (what you saw)"
# GB18030 encodes every Unicode character, so no name is lost for older Excel and WPS.
EXPORT_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")


def _split(values: list[str] | None) -> list[str] | None:
    found = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    return found or None


@alerts_app.command("list")
def list_command(
    status: list[str] = typer.Option(None, "--status", "-s",
                                     help="new, assigned, verifying, disposed (repeatable)"),
    rule: list[str] = typer.Option(None, "--rule", "-r", help="Rule ids"),
    unit: list[str] = typer.Option(None, "--unit", "-u",
                                   help="Unit codes (with their sub-units)"),
    severity: list[str] = typer.Option(None, "--severity", help="low, medium, high, critical"),
    outcome: list[str] = typer.Option(None, "--outcome", help="Outcomes of disposed alerts"),
    assignee: Optional[str] = typer.Option(None, "--assignee", help="Handler"),
    overdue: bool = typer.Option(False, "--overdue", help="Only alerts past their deadline"),
    since: Optional[str] = typer.Option(None, "--since", help="First seen on or after (date)"),
    sort: str = typer.Option("-last_seen", "--sort", help="Sort key, '-' for descending"),
    page: int = typer.Option(1, "--page", min=1),
    page_size: int = typer.Option(50, "--page-size", min=1, max=500),
    current: bool = typer.Option(False, "--current", help="Only alerts still matching"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """List alerts with their status, handler, deadline and outcome."""
    from analytics.alerts import list_alerts
    from analytics.scope import Scope, units_with_subunits

    with connect() as connection:
        units = units_with_subunits(connection, _split(unit)) if _split(unit) else None
        result = list_alerts(connection, Scope.everything(), statuses=_split(status),
                             rule_ids=_split(rule), unit_ids=units, severities=_split(severity),
                             outcomes=_split(outcome), assignee=assignee, overdue=overdue,
                             since=since, sort=sort, page=page, page_size=page_size,
                             matching=True if current else None)
        audited(connection, actor, "alerts.list", [item["alert_id"] for item in result["items"]],
                {"status": _split(status), "rule": _split(rule), "unit": _split(unit),
                 "overdue": overdue or None, "page": page})
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    pages = max(1, -(-result["total"] // page_size))
    typer.echo(f"{result['total']} alert(s), page {page} of {pages}")
    for item in result["items"]:
        deadline = (f"  deadline {item['deadline']}" if item["deadline"] else "") + (
            " 逾期 overdue" if item["overdue"] else "")
        typer.echo(f"{item['alert_id']}  {item['severity']}  {item['status']} "
                   f"{item['status_zh']}"
                   + (f"  handler {item['assignee']}" if item["assignee"] else "") + deadline
                   + (f"  {item['outcome']} {item['outcome_zh']}" if item["outcome"] else "")
                   + ("" if item["matching"] else "  (no longer matching 不再命中)"))
        typer.echo(f"    {item['summary_zh'] or ''}")


@alerts_app.command("show")
def show(alert_id: str, as_json: bool = typer.Option(False, "--json", help="Print JSON"),
         actor: Optional[str] = as_option()) -> None:
    """One alert: evidence with its sources, decisions, evidence changes, predecessors."""
    from analytics.alerts import get_alert
    from analytics.scope import Scope
    from analytics.workflow import AlertNotFound

    with connect() as connection:
        found = get_alert(connection, alert_id, Scope.everything())
        if found is None:
            raise AlertNotFound(f"no alert {alert_id!r}: list alerts with "
                                "`lianjian alerts list`")
        audited(connection, actor, "alert.read",
                [found["alert"]["alert_id"], *found["alert"].get("entity_ids", [])])
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2, default=str))
        return
    _print_alert(found)


def _print_alert(found: dict) -> None:
    alert = found["alert"]
    echo = typer.echo
    typer.secho(f"{alert['alert_id']}  {alert['rule_id']}  {alert['severity']}  "
                f"{alert['status']} {alert['status_zh']}"
                + ("" if alert.get("matching") else "  (no longer matching 不再命中)"), bold=True)
    echo(f"  {alert.get('summary_zh') or ''}\n  {alert.get('summary_en') or ''}")
    echo(f"  anchor 锚点: {'; '.join(alert.get('anchor') or []) or '-'}"
         + (f"   former ids: {', '.join(alert['former_ids'])}" if alert.get("former_ids")
            else ""))
    echo(f"  units 单位: {', '.join(alert.get('unit_ids') or []) or '-'}   first seen "
         f"{alert.get('first_seen')}, last seen {alert.get('last_seen')}")
    if alert.get("assignee"):
        echo(f"  handler 承办人: {alert['assignee']}, deadline 期限 {alert.get('deadline')}"
             + (" — overdue 逾期" if alert.get("overdue") else ""))
    if alert.get("outcome"):
        echo(f"  outcome 处置结果: {alert['outcome']} {alert['outcome_zh']}"
             + "".join(f", {name} {alert[name]}" for name in
                       ("outcome_reason", "referred_to", "merged_into") if alert.get(name))
             + f" — {alert.get('decided_by')}, {alert.get('decided_at')}")
    typer.secho(f"\nEvidence 证据 ({len(found['evidence'])})", bold=True)
    for item in found["evidence"]:
        where = f"{item.get('src_dataset') or ''}/{item.get('src_file') or ''}:" \
                f"{item.get('src_row') or ''}".strip("/:")
        what = (f"{item.get('label')} {item.get('id')} {item.get('name') or ''}"
                if "type" not in item else
                f"{item['type']} {item.get('from')} → {item.get('to')} "
                f"{item.get('start_date') or ''}..{item.get('end_date') or ''}")
        echo(f"  {item.get('role'):<20} {what.strip()}" + (f"  <{where}>" if where else ""))
    typer.secho(f"\nHistory 办理记录 ({len(found['history'])})", bold=True)
    for event in found["history"]:
        details = ", ".join(f"{name} {event[name]}" for name in
                            ("assignee", "deadline", "outcome", "reason", "referred_to",
                             "merged_into", "note") if event.get(name))
        echo(f"  {event.get('at')}  {event.get('actor')}  {event.get('action')}: "
             f"{event.get('from_status')} → {event.get('to_status')}"
             + (f"  ({details})" if details else ""))
    for line in found["legacy_log"]:
        echo(f"  (before events) {line}")
    typer.secho(f"\nScans 扫描记录 ({len(found['evidence_changes'])})", bold=True)
    for event in found["evidence_changes"]:
        change = "".join(f"  {sign}{key}" for sign, keys in (("+", event.get("added")),
                                                             ("-", event.get("dropped")))
                         for key in keys or [])
        echo(f"  {event.get('at')}  {event.get('action')}  scan {event.get('scan_id')}"
             + (f"  {event['note']}" if event.get("note") else "") + change)
    for title, rows in (("Predecessors 前序预警", found["predecessors"]),
                        ("Successors 后续预警", found["successors"]),
                        ("Seen before 同类既往", found["seen_before"])):
        if rows:
            typer.secho(f"\n{title} ({len(rows)})", bold=True)
        for row in rows:
            echo(f"  {row['alert_id']}  {row.get('status')}  {row.get('outcome') or ''}  "
                 f"shared {';'.join(row.get('shared') or [])}  {row.get('summary_zh') or ''}")


@alerts_app.command("assign")
def assign_command(
    alert_ids: list[str] = typer.Argument(..., help="Alert id(s)"),
    to: str = typer.Option(..., "--to", help="Handler 承办人"),
    deadline: Optional[str] = typer.Option(None, "--deadline",
                                           help="YYYY-MM-DD (default: by severity)"),
    note: Optional[str] = typer.Option(None, "--note"),
    expect: Optional[str] = typer.Option(None, "--expect", help=EXPECT_HELP),
    actor: Optional[str] = as_option(),
) -> None:
    """分办: assign alerts to a handler with a deadline (each alert on its own)."""
    from analytics.workflow import assign, assign_many, status_label

    with connect() as connection:
        if len(alert_ids) == 1:
            event = assign(connection, alert_ids[0], actor=acting(actor), assignee=to,
                           deadline=deadline, note=note, expected_status=expect)
            out.print(f"{event['alert_id']}: {status_label(event['from_status'])} → "
                      f"{status_label(event['to_status'])}, {to} by {event['deadline']}")
            return
        if expect:
            raise typer.BadParameter("--expect applies to one alert at a time")
        result = assign_many(connection, alert_ids, actor=acting(actor), assignee=to,
                             deadline=deadline, note=note)
    out.print(f"assigned {len(result['assigned'])} alert(s) to {to}")
    for alert_id, reason in result["refused"].items():
        console.print(f"refused {alert_id}: {reason}", highlight=False)
    if result["refused"]:
        raise typer.Exit(1)


@alerts_app.command("verify")
def verify_command(alert_id: str, note: Optional[str] = typer.Option(None, "--note"),
                   expect: Optional[str] = typer.Option(None, "--expect", help=EXPECT_HELP),
                   actor: Optional[str] = as_option()) -> None:
    """核查: start verifying an assigned alert."""
    from analytics.workflow import start_verification

    with connect() as connection:
        _moved(start_verification(connection, alert_id, actor=acting(actor), note=note,
                                  expected_status=expect))


@alerts_app.command("dispose")
def dispose_command(
    alert_id: str,
    outcome: str = typer.Option(..., "--outcome", help="confirmed 属实 | partly_confirmed "
                                "部分属实 | unfounded 不属实 | referred 移送 | merged 并案"),
    reason: Optional[str] = typer.Option(None, "--reason", help="Why (required: unfounded)"),
    referred_to: Optional[str] = typer.Option(None, "--referred-to",
                                              help="To whom (required: referred)"),
    merged_into: Optional[str] = typer.Option(None, "--merged-into",
                                              help="Alert id or case number (required: merged)"),
    note: Optional[str] = typer.Option(None, "--note"),
    expect: Optional[str] = typer.Option(None, "--expect", help=EXPECT_HELP),
    actor: Optional[str] = as_option(),
) -> None:
    """处置: decide a verified alert with its outcome."""
    from analytics.workflow import dispose

    with connect() as connection:
        _moved(dispose(connection, alert_id, actor=acting(actor), outcome=outcome,
                       reason=reason, referred_to=referred_to, merged_into=merged_into,
                       note=note, expected_status=expect))


@alerts_app.command("reopen")
def reopen_command(alert_id: str,
                   reason: str = typer.Option(..., "--reason", help="Why it is reopened"),
                   note: Optional[str] = typer.Option(None, "--note"),
                   expect: Optional[str] = typer.Option(None, "--expect", help=EXPECT_HELP),
                   actor: Optional[str] = as_option()) -> None:
    """Reopen a disposed alert: it is verified again; its old decision stays in its history."""
    from analytics.workflow import reopen

    with connect() as connection:
        _moved(reopen(connection, alert_id, actor=acting(actor), reason=reason, note=note,
                      expected_status=expect))


@alerts_app.command("note")
def note_command(alert_id: str, text: str = typer.Argument(..., help="The note"),
                 actor: Optional[str] = as_option()) -> None:
    """Add a note to an alert's history (any status)."""
    from analytics.workflow import add_note

    with connect() as connection:
        event = add_note(connection, alert_id, actor=acting(actor), note=text)
    out.print(f"{event['alert_id']}: note added (audit event {event['audit_seq']})")


def _moved(event: dict) -> None:
    from analytics.workflow import outcome_label, status_label

    out.print(f"{event['alert_id']}: {status_label(event['from_status'])} → "
              f"{status_label(event['to_status'])}"
              + (f", {outcome_label(event['outcome'])}" if event.get("outcome") else "")
              + f" (audit event {event['audit_seq']})")


@alerts_app.command("export")
def export(
    format: str = typer.Option("csv", "--format", "-f", help="csv or json"),
    output: Path = typer.Option(None, "--out", "-o", help="File to write (default stdout)"),
    include_all: bool = typer.Option(False, "--all",
                                     help="Include alerts that no longer match"),
    rule: list[str] = typer.Option(None, "--rule", "-r", help="Only these rules"),
    excel: bool = typer.Option(False, "--excel", help="CSV for Excel on Chinese Windows: "
                               "UTF-8 with a byte-order mark (same as --encoding utf-8-sig)"),
    encoding: str = typer.Option("utf-8", "--encoding", help="utf-8, utf-8-sig or gb18030 "
                                 "(older Excel and WPS)"),
    actor: Optional[str] = as_option(),
) -> None:
    """Write alerts as CSV or JSON: alert_id,rule_id,severity,status,entity_ids,summary,
    outcome,assignee,deadline, …"""
    from analytics.alerts import export_alerts, read_alerts

    if format not in ("csv", "json"):
        raise typer.BadParameter("use --format csv or --format json")
    if excel and format != "csv":
        raise typer.BadParameter("--excel writes CSV: use it with --format csv")
    encoding = "utf-8-sig" if excel else encoding.lower()
    if encoding not in EXPORT_ENCODINGS:
        raise typer.BadParameter(f"use --encoding {', '.join(EXPORT_ENCODINGS)}")
    with connect() as connection:
        rows = read_alerts(connection, include_all, _split(rule))
        text = export_alerts(rows, format)
        event = audited(connection, actor, "alerts.export", [row["alert_id"] for row in rows],
                        {"format": format, "all": include_all or None, "rule": _split(rule),
                         "alerts": len(rows), "out": str(output) if output else None,
                         "encoding": encoding})
    if output:
        output.write_bytes(text.encode(encoding))
        console.print(f"wrote {output} ({len(rows)} alerts, {encoding}; audit event "
                      f"{event['seq']} {event['hash'][:16]})")
    else:
        typer.echo(text.encode(encoding), nl=False)
