"""``lianjian paths``, ``profile``, ``portrait`` and ``timeline``: exploring the graph.

Thin commands over ``analytics.api``: they parse arguments, call one function with the
command line's scope (everything: the command line is an administrator's tool) and print
its plain result as text, or as JSON (``--json``) for other tools. Every path step and
profile row prints the source file and row it rests on. Tables print through
``lianjian.printing``; the analytics modules are imported inside the commands, and every
read is recorded in the audit trail with the actor of ``--as`` (or the OS user).
"""
from __future__ import annotations

import datetime as dt
import json
from contextlib import closing
from typing import Any, Optional

import typer

from lianjian.commands import connect
from lianjian.commands.audit import as_option, audited
from lianjian.printing import cell, yuan_short
from lianjian.printing import print_table as _table

__all__ = ["paths", "profile", "portrait", "timeline"]

def _date(text: str | None, option: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD",
                                 param_hint=option) from None


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def paths(
    a: str = typer.Argument(..., help="Key of the first entity (id_number, credit_code, "
                                      "unit_id, contract_id, account_no...)"),
    b: str = typer.Argument(..., help="Key of the second entity"),
    max_hops: int = typer.Option(4, "--max-hops", min=1, help="Longest path (at most 6)"),
    at: Optional[str] = typer.Option(None, "--at", help="Only ties valid on this date "
                                                         "(YYYY-MM-DD)"),
    every: bool = typer.Option(False, "--all", help="Every simple path up to --max-hops, "
                                                    "not only the shortest"),
    types: Optional[list[str]] = typer.Option(None, "--type", help="Relationship type to walk "
                                              "(repeatable; default: all but PART_OF)"),
    limit: int = typer.Option(20, "--limit", min=1, help="Most paths"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """Hidden relationships (隐性关联): how two entities are connected, step by step."""
    from analytics.api import Scope, all_short_paths, shortest_paths

    search = all_short_paths if every else shortest_paths
    try:
        with closing(connect()) as connection:
            found = search(connection, a, b, scope=Scope.everything(), max_hops=max_hops,
                           at=_date(at, "--at"), types=types or None, limit=limit)
            audited(connection, actor, "paths.read", [a, b], {"max_hops": max_hops, "at": at})
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if as_json:
        _echo_json(found)
        return
    if not found:
        typer.echo(f"no path of at most {max_hops} hops between {a} and {b}"
                   + (f" valid on {at}" if at else ""))
        return
    for number, steps in enumerate(found, 1):
        typer.secho(f"path {number} ({len(steps)} hops)", bold=True)
        for step in steps:
            detail = ", ".join(f"{k}={cell(v, k)}" for k, v in step["properties"].items()
                               if v not in (None, "", []))
            arrow = (f"-{step['type']}->" if step["direction"] == "->"
                     else f"<-{step['type']}-")
            source = step["provenance"]
            where = f"{source.get('src_file') or ''}:{source.get('src_row') or ''}".strip(":")
            typer.echo(f"  {step['from']['name'] or ''} [{step['from']['label']} "
                       f"{step['from']['key']}] {arrow} {step['to']['name'] or ''} "
                       f"[{step['to']['label']} {step['to']['key']}]"
                       + (f"  ({detail})" if detail else "") + (f"  <{where}>" if where else ""))


def profile(
    id_number: str = typer.Argument(..., help="The person's id_number (身份证号), any spelling"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="The record as it stood on "
                                                               "this date (YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """Integrity profile (廉政档案) of one official, with a risk score traced item by item."""
    from analytics.api import Scope, integrity_profile

    with closing(connect()) as connection:
        result = integrity_profile(connection, id_number, scope=Scope.everything(),
                                   as_of=_date(as_of, "--as-of"))
        audited(connection, actor, "profile.read", [id_number], {"as_of": as_of})
    if as_json:
        _echo_json(result)
        return
    person, totals, withheld = result["person"], result["totals"], result["withheld"]
    typer.secho(f"{person.get('name')} {person.get('id_number')}  household "
                f"{person.get('household_id') or '-'}", bold=True)
    tables = [
        ("positions", "Positions 任职", ["unit_name", "title", "rank", "start_date", "end_date",
                                        "current", "src_row"]),
        ("family", "Family 亲属", ["name", "id_number", "relation", "relation_zh",
                                   "in_household", "src_row"]),
        ("companies", "Companies 本人及亲属经商办企业", [
            "company_name", "credit_code", "holder_name", "holder_relation", "role",
            "share_pct", "start_date", "end_date"]),
        ("contracts", "Contracts 关联合同", ["contract_id", "signed_date", "amount", "method",
                                           "buyer_name", "supplier_name", "approved_by_him",
                                           "during_tenure"]),
        ("payments", "Payments 资金往来", ["txn_id", "date", "amount", "payer_name",
                                         "payee_name", "payee_relation",
                                         "payer_supplies_units"]),
        ("subsidies", "Subsidies 惠民资金", ["payment_id", "date", "program", "amount",
                                          "recipient_name", "recipient_relation"]),
        ("alerts", "Alerts 预警", ["alert_id", "rule_id", "severity", "status", "outcome",
                                   "matching", "first_seen"]),
    ]
    for name, title, columns in tables:
        _table(title, result[name], columns, totals.get(name), withheld.get(name, 0))
    risk = result["risk"]
    typer.secho(f"\nRisk 风险分 {risk['total']:g}", bold=True)
    for item in risk["items"]:
        typer.echo(f"  {item['points']:>5g}  {item['source']}: {item['reason']}")


def portrait(
    unit_id: str = typer.Argument(..., help="unit_id, or a region code with --region"),
    region: bool = typer.Option(False, "--region", help="Treat the argument as a GB/T 2260 "
                                                         "region code"),
    no_subunits: bool = typer.Option(False, "--no-subunits", help="Only the unit itself"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """Unit portrait (政治生态画像): alerts, top risks, trend, methods, supplier concentration."""
    from analytics.api import Scope, region_portrait, unit_portrait

    try:
        with closing(connect()) as connection:
            result = (region_portrait(connection, unit_id, scope=Scope.everything())
                      if region else
                      unit_portrait(connection, unit_id, scope=Scope.everything(),
                                    include_subunits=not no_subunits))
            audited(connection, actor, "portrait.read", [unit_id],
                    {"region": region, "no_subunits": no_subunits})
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if as_json:
        _echo_json(result)
        return
    unit, totals = result["unit"], result["totals"]
    typer.secho(" ".join(str(unit.get(k)) for k in ("unit_id", "name", "region_code")
                         if unit.get(k) is not None), bold=True)
    typer.echo(f"{totals['units']} units, {totals['contracts']:,} contracts worth "
               f"{yuan_short(totals['contract_amount'])}"
               + (f" ({totals['contracts_without_amount']} without an amount)"
                  if totals["contracts_without_amount"] else "")
               + f", {totals['officials']:,} officials, {totals['alerts']} alerts")
    _table("Units 单位", result["units"],
           ["unit_id", "name", "level", "alerts", "contracts", "contract_amount", "officials"])
    by_rule = [{"rule_id": row["rule_id"], "name_zh": row["name_zh"], "total": row["total"],
                **row["by_status"], **{f"outcome {k}": v for k, v in row["by_outcome"].items()}}
               for row in result["alerts_by_rule"]]
    columns = list(dict.fromkeys(column for row in by_rule for column in row))
    _table("Alerts by rule 预警（按规则）", by_rule, columns)
    _table("Top risks 风险人员", result["top_risks"],
           ["name", "id_number", "posts", "risk", "alerts"])
    _table("Trend 趋势", result["trend"], ["month", "alerts_first_seen",
                                          "alerts_by_evidence_date"])
    _table("Contracts by method 采购方式", result["contracts_by_method"],
           ["method", "count", "amount", "count_share", "amount_share"])
    concentration = result["supplier_concentration"]
    typer.secho(f"\nSupplier concentration 供应商集中度: HHI {concentration['hhi']:g}, "
                f"top-5 share {concentration['top_share']:.1%}, "
                f"{concentration['supplier_count']} suppliers, "
                f"total 合同总额 {yuan_short(concentration.get('total_amount'))}", bold=True)
    _table("Top suppliers", concentration["suppliers"],
           ["credit_code", "name", "contracts", "amount", "share"])


def timeline(
    key: str = typer.Argument(..., help="Key of any entity"),
    start: Optional[str] = typer.Option(None, "--from", help="First date (YYYY-MM-DD)"),
    end: Optional[str] = typer.Option(None, "--to", help="Last date (YYYY-MM-DD)"),
    kinds: Optional[list[str]] = typer.Option(None, "--kind", help="Only this kind of event "
                                              "(repeatable: contract, transfer, alert...)"),
    page: int = typer.Option(1, "--page", min=1, help="Page of events"),
    page_size: int = typer.Option(200, "--page-size", min=1, help="Events per page"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """Timeline (时间线) of an entity's ties and flows, in date order."""
    from analytics.api import Scope, entity_timeline

    try:
        with closing(connect()) as connection:
            result = entity_timeline(connection, key, scope=Scope.everything(),
                                     start=_date(start, "--from"), end=_date(end, "--to"),
                                     kinds=kinds or None, page=page, page_size=page_size)
            audited(connection, actor, "timeline.read", [key], {"from": start, "to": end})
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if as_json:
        _echo_json(result)
        return
    entity = result["entity"]
    _table(f"Timeline of {entity['name'] or ''} [{entity['label']} {entity['key']}], "
           f"page {result['page']} of {result['pages']}", result["events"],
           ["date", "kind", "role", "counterpart_name", "counterpart_key", "detail", "amount",
            "src_file", "src_row"], result["total"], result["withheld"])
