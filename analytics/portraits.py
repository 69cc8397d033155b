"""Unit and region portraits (政治生态画像): how clean the environment of a body looks.

A discipline inspection office evaluating the political ecology (政治生态) of a bureau or a
county wants, in one place: alerts by rule and by status and outcome (what was raised and
what became of it), the officials carrying the most risk, the trend by month, how
contracts were awarded (share of each procurement method, by count and by amount), and
whether a few suppliers take most of the money (HHI and top-5 share). Figures of a unit
include its subunits (rolled up the unit tree through PART_OF); a region is every unit
whose ``region_code`` falls under the given GB/T 2260 code.

Every figure is exact: counted and summed in Cypher over all rows (analytics.portrait_queries),
never over a sample. Contracts without an amount are counted and said so.
"""
from __future__ import annotations

from collections import Counter

from analytics import portrait_queries as q
from analytics.plain import plain
from analytics.profiles import alert_points
from analytics.queries import EntityNotFound
from analytics.rule_facts import rule_names
from analytics.scope import Scope

__all__ = [
    "unit_portrait",
    "region_portrait",
    "region_prefix",
    "method_shares",
    "supplier_concentration",
    "roll_up",
]


def region_prefix(region_code: str) -> str:
    """The significant digits of a GB/T 2260 code: province, city or county.

    >>> region_prefix("110000"), region_prefix("110100"), region_prefix("110105")
    ('11', '1101', '110105')
    """
    code = str(region_code).strip()
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"region code {region_code!r} is not 6 digits (GB/T 2260, e.g. 110105)")
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def method_shares(rows: list[dict]) -> list[dict]:
    """Contracts by procurement method: count, amount and their shares of the total.

    >>> [(r["method"], r["count"], r["amount_share"]) for r in method_shares([
    ...     {"method": "direct", "count": 2, "amount": 100.0},
    ...     {"method": "public_tender", "count": 1, "amount": 300.0}])]
    [('public_tender', 1, 0.75), ('direct', 2, 0.25)]
    """
    count = sum(row["count"] for row in rows)
    amount = sum(row["amount"] for row in rows)
    shares = [{**row, "count_share": row["count"] / count if count else 0.0,
               "amount_share": row["amount"] / amount if amount else 0.0} for row in rows]
    return sorted(shares, key=lambda row: (-row["amount"], -row["count"], row["method"]))


def supplier_concentration(rows: list[dict], top: int = 5) -> dict:
    """Concentration of the money among suppliers, from every supplier's total.

    ``hhi`` is the Herfindahl–Hirschman index on amount shares in percent (0–10,000; above
    2,500 is usually called highly concentrated); ``top_share`` is the share of the ``top``
    largest suppliers; ``suppliers`` lists them. Rows without a supplier (contracts that
    name none) are counted in ``contracts_without_supplier``, not in the index.

    >>> result = supplier_concentration([
    ...     {"credit_code": "A", "name": "甲公司", "contracts": 2, "amount": 80.0},
    ...     {"credit_code": "B", "name": "乙公司", "contracts": 1, "amount": 20.0}])
    >>> result["hhi"], result["top_share"], result["supplier_count"]
    (6800.0, 1.0, 2)
    """
    named = [row for row in rows if row["credit_code"] is not None]
    total = float(sum(row["amount"] for row in named))
    ranked = sorted(named, key=lambda row: (-row["amount"], row["credit_code"]))
    suppliers = [{**row, "share": row["amount"] / total if total else 0.0} for row in ranked]
    hhi = sum((row["share"] * 100) ** 2 for row in suppliers) if total else 0.0
    return {"hhi": round(hhi, 1), "top_share": sum(row["share"] for row in suppliers[:top]),
            "supplier_count": len(suppliers), "total_amount": total,
            "contracts_without_supplier": sum(row["contracts"] for row in rows
                                              if row["credit_code"] is None),
            "suppliers": suppliers[:top]}


def roll_up(values: dict, parents: dict[str, str | None], start=0) -> dict:
    """Add every unit's value to all its ancestors (the unit tree through PART_OF).

    >>> roll_up({"village": 2, "town": 1}, {"village": "town", "town": "county", "county": None})
    {'village': 2, 'town': 3, 'county': 3}
    """
    totals = {unit: start for unit in parents}
    for unit, value in values.items():
        seen, current = set(), unit
        while current is not None and current in totals and current not in seen:
            totals[current] = totals[current] + value
            seen.add(current)
            current = parents.get(current)
    return totals


def _top_risks(rows: list[dict], top: int) -> list[dict]:
    records = []
    for row in rows:
        scored = [(alert, *alert_points(alert)) for alert in row["alerts"]]
        records.append({
            "id_number": row["id_number"], "name": row["name"],
            "posts": "; ".join(f"{p['unit_name']} {p.get('title') or ''}".strip()
                               for p in row["posts"]),
            "risk": float(sum(points for _, points, _ in scored)),
            "alerts": len(row["alerts"]),
            "explanation": [{"points": points, "source": alert["alert_id"], "reason": reason}
                            for alert, points, reason in scored]})
    records.sort(key=lambda r: (-r["risk"], -r["alerts"], r["id_number"]))
    return records[:top]


def _alert_tables(figures: list[dict]) -> dict:
    by_rule: dict[str, Counter] = {}
    by_status, by_outcome = Counter(), Counter()
    first, evidence = Counter(), Counter()
    for row in figures:
        outcome = row["outcome"] or "pending"
        counts = by_rule.setdefault(row["rule_id"], Counter())
        counts["total"] += row["alerts"]
        counts[row["status"]] += row["alerts"]
        counts[f"outcome:{outcome}"] += row["alerts"]
        by_status[row["status"]] += row["alerts"]
        by_outcome[outcome] += row["alerts"]
        if row["first_month"]:
            first[row["first_month"]] += row["alerts"]
        if row["evidence_month"]:
            evidence[row["evidence_month"]] += row["alerts"]
    rules = []
    for rule_id, counts in sorted(by_rule.items(), key=lambda item: (-item[1]["total"], item[0])):
        name_zh, name_en = rule_names(rule_id)
        rules.append({"rule_id": rule_id, "name_zh": name_zh, "name_en": name_en,
                      "total": counts.pop("total"),
                      "by_status": {k: v for k, v in counts.items() if ":" not in k},
                      "by_outcome": {k.split(":", 1)[1]: v for k, v in counts.items()
                                     if k.startswith("outcome:")}})
    return {
        "alerts_total": sum(by_status.values()),
        "alerts_by_rule": rules,
        "alerts_by_status": [{"status": k, "count": v} for k, v in by_status.most_common()],
        "alerts_by_outcome": [{"outcome": k, "count": v} for k, v in by_outcome.most_common()],
        "trend": [{"month": month, "alerts_first_seen": first[month],
                   "alerts_by_evidence_date": evidence[month]}
                  for month in sorted(set(first) | set(evidence))],
    }


def _portrait(connection, units: list[dict], root: dict, top: int, scope: Scope) -> dict:
    unit_ids = sorted(unit["unit_id"] for unit in units)
    parameters = {"unit_ids": unit_ids, **scope.parameters()}
    # Eight independent reads over the same units: one transaction (graph.connection).
    (own_rows, official_rows, alert_rows, figures, suppliers, methods, official_total,
     top_risks) = connection.read_many([(query, parameters) for query in (
        q.OWN_CONTRACTS, q.ROLLED_OFFICIALS, q.ROLLED_ALERTS, q.ALERT_FIGURES, q.SUPPLIERS,
        q.METHODS, q.OFFICIALS, q.TOP_RISKS)])
    own = {row["unit_id"]: row for row in own_rows}
    officials = {row["unit_id"]: row["officials"] for row in official_rows}
    alerts = {row["unit_id"]: row["alerts"] for row in alert_rows}
    parents = {unit["unit_id"]: unit["parent_unit_id"] if unit["parent_unit_id"] in unit_ids
               else None for unit in units}
    contracts = roll_up({u: row["contracts"] for u, row in own.items()}, parents)
    amounts = roll_up({u: row["amount"] for u, row in own.items()}, parents, 0.0)
    rows = [{**unit, "own_contracts": own.get(unit["unit_id"], {}).get("contracts", 0),
             "own_contract_amount": own.get(unit["unit_id"], {}).get("amount", 0.0),
             "alerts": alerts.get(unit["unit_id"], 0), "contracts": contracts[unit["unit_id"]],
             "contract_amount": amounts[unit["unit_id"]],
             "officials": officials.get(unit["unit_id"], 0)} for unit in units]
    rows.sort(key=lambda row: (-row["alerts"], -row["contract_amount"], row["unit_id"]))
    tables = _alert_tables(figures)
    officials_total = official_total[0]["officials"]
    return plain({
        "unit": root,
        "totals": {"units": len(units), "contracts": sum(r["count"] for r in methods),
                   "contract_amount": float(sum(r["amount"] for r in methods)),
                   "contracts_without_amount": sum(r["without_amount"] for r in methods),
                   "officials": officials_total, "alerts": tables["alerts_total"]},
        "units": rows,
        **tables,
        "top_risks": _top_risks(plain(top_risks), top),
        "contracts_by_method": method_shares(methods),
        "supplier_concentration": supplier_concentration(suppliers),
    })


def unit_portrait(connection, unit_id: str, *, scope: Scope, include_subunits: bool = True,
                  top: int = 10) -> dict:
    """Build the portrait (政治生态画像) of a unit, with its subunits rolled up.

    Parameters
    ----------
    connection : graph.connection.Connection
    unit_id : str
    scope : analytics.scope.Scope
        The reader's jurisdiction: the unit must be in it.
    include_subunits : bool
        Count units below it (through PART_OF) as part of it.
    top : int
        Officials listed in ``top_risks``.

    Returns
    -------
    dict
        ``unit``; ``totals`` (units, contracts, contract_amount, contracts_without_amount,
        officials, alerts — over every row); ``units`` (each unit with its own contracts and
        amount, and alerts, contracts, contract_amount and officials rolled up its subtree,
        an alert or official shared by two subunits counted once above them);
        ``alerts_total``; ``alerts_by_rule`` (per rule: total, by_status, by_outcome);
        ``alerts_by_status``; ``alerts_by_outcome`` (``pending`` until disposed);
        ``top_risks`` (officials by risk points, each with the alerts explaining them);
        ``trend`` (alerts per month by first_seen and by the date of the evidence contract,
        transfer or payment); ``contracts_by_method`` (count, amount and shares);
        ``supplier_concentration`` (hhi, top_share, supplier_count, total_amount,
        contracts_without_supplier, suppliers).

    Raises
    ------
    analytics.queries.EntityNotFound
        When no unit in scope has that unit_id.
    """
    units = connection.read(q.UNIT_TREE, unit_id=unit_id, include_subunits=bool(include_subunits),
                            **scope.parameters())
    if not units:
        raise EntityNotFound(f"no unit you may see has unit_id {unit_id!r}: check it or load "
                             "units.csv")
    root = next(unit for unit in units if unit["unit_id"] == unit_id)
    return _portrait(connection, units, {**root, "subunit_count": len(units) - 1}, top, scope)


def region_portrait(connection, region_code: str, *, scope: Scope, top: int = 10) -> dict:
    """The portrait of every unit under a region code (province, city or county) that the
    reader may see.

    Same result as ``unit_portrait``; ``unit`` describes the region (code, prefix, number
    of units).

    Raises
    ------
    analytics.queries.EntityNotFound
        When no unit in scope is coded under that region.
    ValueError
        When the code is not 6 digits.
    """
    prefix = region_prefix(region_code)
    units = connection.read(q.REGION_UNITS, prefix=prefix, **scope.parameters())
    if not units:
        raise EntityNotFound(f"no unit you may see has a region_code under {region_code!r}: "
                             "check the code or the region_code column of units.csv")
    root = {"region_code": region_code, "prefix": prefix, "unit_count": len(units)}
    return _portrait(connection, units, root, top, scope)
