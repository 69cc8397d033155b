"""``lianjian paths``, ``profile``, ``portrait`` and ``timeline``: exploring the graph.

Thin commands over ``analytics``: they parse arguments, call one function and print its
result as text (or ``--json`` for other tools). Every path step and profile row prints the
source file and row it rests on. Tables print through ``lianjian.printing``; the analytics
modules (pandas, networkx) are imported inside the commands.
"""
from __future__ import annotations

import datetime as dt
import json
from contextlib import closing
from typing import Any, Optional

import typer

from lianjian.commands import connect
from lianjian.printing import cell, yuan_short
from lianjian.printing import print_table as _table
from lianjian.commands.audit import as_option, audited

__all__ = ["paths", "profile", "portrait", "timeline"]


def _date(text: str | None, option: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD",
                                 param_hint=option) from None


def _jsonable(value: Any) -> Any:
    import pandas as pd   # loaded already by the analytics call that made ``value``

    if isinstance(value, pd.DataFrame):
        return [_jsonable(row) for row in value.to_dict("records")]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(_jsonable(value), ensure_ascii=False, indent=2))


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
    from analytics.paths import DEFAULT_PATH_TYPES, all_short_paths, shortest_paths

    search = all_short_paths if every else shortest_paths
    try:
        with closing(connect()) as connection:
            found = search(connection, a, b, max_hops=max_hops, at=_date(at, "--at"),
                           types=types or list(DEFAULT_PATH_TYPES), limit=limit)
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
    id_number: str = typer.Argument(..., help="The person's id_number (身份证号)"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="The record as it stood on "
                                                               "this date (YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """Integrity profile (廉政档案) of one official, with a risk score traced item by item."""
    from analytics.profiles import integrity_profile

    with closing(connect()) as connection:
        result = integrity_profile(connection, id_number, as_of=_date(as_of, "--as-of"))
        audited(connection, actor, "profile.read", [id_number], {"as_of": as_of})
    if as_json:
        _echo_json(result)
        return
    person = result["person"]
    typer.secho(f"{person.get('name')} {person.get('id_number')}  household "
                f"{person.get('household_id') or '-'}", bold=True)
    _table("Positions 任职", result["positions"],
           ["unit_name", "title", "rank", "start_date", "end_date", "current", "src_row"])
    _table("Family 亲属", result["family"],
           ["name", "id_number", "relation", "relation_zh", "in_household", "src_row"])
    _table("Companies 本人及亲属经商办企业", result["companies"],
           ["company_name", "credit_code", "holder_name", "holder_relation", "role",
            "share_pct", "start_date", "end_date"])
    _table("Contracts 关联合同", result["contracts"],
           ["contract_id", "signed_date", "amount", "method", "buyer_name", "supplier_name",
            "approved_by_him", "during_tenure"])
    _table("Payments 资金往来", result["payments"],
           ["txn_id", "date", "amount", "payer_name", "payee_name", "payee_relation",
            "payer_supplies_units"])
    _table("Subsidies 惠民资金", result["subsidies"],
           ["payment_id", "date", "program", "amount", "recipient_name", "recipient_relation"])
    _table("Alerts 预警", result["alerts"],
           ["alert_id", "rule_id", "severity", "status", "matching", "first_seen"])
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
    from analytics.portraits import region_portrait, unit_portrait

    try:
        with closing(connect()) as connection:
            result = (region_portrait(connection, unit_id) if region else
                      unit_portrait(connection, unit_id, include_subunits=not no_subunits))
            audited(connection, actor, "portrait.read", [unit_id],
                    {"region": region, "no_subunits": no_subunits})
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if as_json:
        _echo_json(result)
        return
    unit = result["unit"]
    typer.secho(" ".join(str(unit.get(k)) for k in ("unit_id", "name", "region_code")
                         if unit.get(k) is not None), bold=True)
    _table("Units 单位", result["units"],
           ["unit_id", "name", "level", "alerts", "contracts", "contract_amount", "officials"])
    by_rule = result["alerts_by_rule"]
    by_rule = by_rule.reset_index() if not by_rule.empty else []
    _table("Alerts by rule 预警（按规则）", by_rule, None)
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
    _table("Suppliers 供应商", concentration["suppliers"], None)


def timeline(
    key: str = typer.Argument(..., help="Key of any entity"),
    start: Optional[str] = typer.Option(None, "--from", help="First date (YYYY-MM-DD)"),
    end: Optional[str] = typer.Option(None, "--to", help="Last date (YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    actor: Optional[str] = as_option(),
) -> None:
    """Timeline (时间线) of an entity's ties and flows, in date order."""
    from analytics.timeline import entity_timeline

    with closing(connect()) as connection:
        frame = entity_timeline(connection, key, start=_date(start, "--from"),
                                end=_date(end, "--to"))
        audited(connection, actor, "timeline.read", [key], {"from": start, "to": end})
    if as_json:
        _echo_json(frame)
        return
    _table(f"Timeline of {key}", frame, ["date", "kind", "role", "counterpart_name",
                                         "counterpart_key", "detail", "amount", "src_file",
                                         "src_row"])
