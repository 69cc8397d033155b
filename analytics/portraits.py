"""Unit and region portraits (政治生态画像): how clean the environment of a body looks.

A discipline inspection office evaluating the political ecology (政治生态) of a bureau or a
county wants, in one place: alerts by rule and by status (what was raised and what became
of it), the officials carrying the most risk, the trend by month, how contracts were
awarded (share of each procurement method, by count and by amount), and whether a few
suppliers take most of the money (HHI and top-5 share). Figures of a unit include its
subunits (rolled up the unit tree through PART_OF); a region is every unit whose
``region_code`` falls under the given GB/T 2260 code.
"""
from __future__ import annotations

import pandas as pd

from analytics.profiles import alert_points
from analytics.queries import EntityNotFound, native

__all__ = [
    "unit_portrait",
    "region_portrait",
    "region_prefix",
    "method_shares",
    "supplier_concentration",
    "roll_up",
    "UNIT_SCOPE",
    "REGION_SCOPE",
    "SCOPE_ALERTS",
    "SCOPE_OFFICIALS",
    "SCOPE_CONTRACTS",
]

# The unit and (optionally) every unit below it, at most 8 levels down.
UNIT_SCOPE = """
MATCH (root:Unit {unit_id: $unit_id})
OPTIONAL MATCH (sub:Unit)-[:PART_OF*1..8]->(root) WHERE $include_subunits
WITH root, collect(DISTINCT sub)[..$limit] AS subs
UNWIND [root] + subs AS unit
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN unit.unit_id AS unit_id, unit.name AS name, unit.level AS level,
       unit.kind AS kind, unit.region_code AS region_code, parent.unit_id AS parent_unit_id
"""

# Units coded under a region, and their subunits (villages often carry no code of their own).
REGION_SCOPE = """
MATCH (top:Unit) WHERE top.region_code STARTS WITH $prefix
OPTIONAL MATCH (sub:Unit)-[:PART_OF*1..8]->(top)
WITH collect(DISTINCT top) + collect(DISTINCT sub) AS units
UNWIND units AS unit
WITH DISTINCT unit LIMIT $limit
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN unit.unit_id AS unit_id, unit.name AS name, unit.level AS level,
       unit.kind AS kind, unit.region_code AS region_code, parent.unit_id AS parent_unit_id
"""

# Alerts about the units: naming a unit, a contract it bought, a subsidy it issued, or
# (for alerts naming no unit) one of its officials.
SCOPE_ALERTS = """
MATCH (unit:Unit) WHERE unit.unit_id IN $unit_ids
CALL {
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(unit) RETURN alert
  UNION
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(:Contract)-[:BUYER]->(unit) RETURN alert
  UNION
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(:SubsidyPayment)-[:ISSUED_BY]->(unit) RETURN alert
  UNION
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(:Person)-[:HOLDS_POSITION]->(unit)
  WHERE NOT EXISTS { (alert)-[:EVIDENCE]->(:Unit) } RETURN alert
}
WITH alert, collect(DISTINCT unit.unit_id) AS unit_ids
LIMIT $limit
OPTIONAL MATCH (alert)-[:EVIDENCE]->(fact)
WHERE fact:Contract OR fact:Transaction OR fact:SubsidyPayment
WITH alert, unit_ids, min(coalesce(fact.signed_date, fact.date)) AS evidence_date
RETURN alert.alert_id AS alert_id, alert.rule_id AS rule_id, alert.severity AS severity,
       alert.score AS score, alert.status AS status, alert.first_seen AS first_seen,
       evidence_date, unit_ids
"""

# Officials who held a post in the units, with every alert naming them.
SCOPE_OFFICIALS = """
MATCH (person:Person)-[post:HOLDS_POSITION]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
WITH person, collect(post {unit_id: unit.unit_id, unit_name: unit.name, .title,
                           .start_date, .end_date}) AS posts
LIMIT $limit
OPTIONAL MATCH (alert:Alert)-[:EVIDENCE]->(person)
RETURN person.id_number AS id_number, person.name AS name, posts,
       collect(DISTINCT alert {.alert_id, .rule_id, .severity, .score, .status, .matching})
         AS alerts
"""

SCOPE_CONTRACTS = """
MATCH (contract:Contract)-[:BUYER]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
OPTIONAL MATCH (contract)-[:SUPPLIER]->(supplier:Company)
RETURN contract.contract_id AS contract_id, contract.method AS method,
       contract.category AS category, contract.amount AS amount,
       contract.signed_date AS signed_date, unit.unit_id AS unit_id,
       supplier.credit_code AS supplier_credit_code, supplier.name AS supplier_name
LIMIT $limit
"""


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


def method_shares(contracts: pd.DataFrame) -> pd.DataFrame:
    """Contracts by procurement method: count, amount and their shares of the total.

    >>> frame = pd.DataFrame({"method": ["public_tender", "direct", "direct"],
    ...                       "amount": [300.0, 50.0, 50.0]})
    >>> method_shares(frame)[["method", "count", "amount", "amount_share"]]
              method  count  amount  amount_share
    0  public_tender      1   300.0          0.75
    1         direct      2   100.0          0.25
    """
    if contracts.empty:
        return pd.DataFrame(columns=["method", "count", "amount", "count_share", "amount_share"])
    frame = contracts.assign(method=contracts["method"].fillna("unknown"),
                             amount=contracts["amount"].fillna(0.0))
    table = frame.groupby("method").agg(count=("method", "size"), amount=("amount", "sum"))
    table["count_share"] = table["count"] / table["count"].sum()
    total = table["amount"].sum()
    table["amount_share"] = table["amount"] / total if total else 0.0
    return table.sort_values("amount", ascending=False).reset_index()


def supplier_concentration(contracts: pd.DataFrame, top: int = 5) -> dict:
    """Concentration of the money among suppliers.

    ``hhi`` is the Herfindahl–Hirschman index on amount shares in percent (0–10,000; above
    2,500 is usually called highly concentrated); ``top_share`` is the share of the ``top``
    largest suppliers; ``suppliers`` lists them.

    >>> frame = pd.DataFrame({"supplier_credit_code": ["A", "A", "B"],
    ...                       "supplier_name": ["甲公司", "甲公司", "乙公司"],
    ...                       "amount": [60.0, 20.0, 20.0]})
    >>> result = supplier_concentration(frame)
    >>> result["hhi"], result["top_share"], result["supplier_count"]
    (6800.0, 1.0, 2)
    """
    frame = contracts.dropna(subset=["supplier_credit_code"])
    frame = frame.assign(amount=frame["amount"].fillna(0.0))
    total = float(frame["amount"].sum())
    by_supplier = (frame.groupby(["supplier_credit_code", "supplier_name"], dropna=False)
                   .agg(contracts=("amount", "size"), amount=("amount", "sum"))
                   .sort_values("amount", ascending=False).reset_index())
    by_supplier["share"] = by_supplier["amount"] / total if total else 0.0
    hhi = float(((by_supplier["share"] * 100) ** 2).sum()) if total else 0.0
    return {"hhi": round(hhi, 1), "top_share": float(by_supplier["share"].head(top).sum()),
            "supplier_count": int(len(by_supplier)), "total_amount": total,
            "suppliers": by_supplier.head(top)}


def roll_up(values: dict, parents: dict[str, str | None], start=0) -> dict:
    """Add every unit's value to all its ancestors (the unit tree through PART_OF).

    Numbers are summed from ``start`` (0); with ``start=frozenset()`` values are sets (of
    alerts, of officials) and are united, so what two subunits share counts once above.

    >>> roll_up({"village": 2, "town": 1}, {"village": "town", "town": "county", "county": None})
    {'village': 2, 'town': 3, 'county': 3}
    >>> shared = roll_up({"a": {"P1"}, "b": {"P1", "P2"}}, {"a": "top", "b": "top", "top": None},
    ...                  start=frozenset())
    >>> sorted(shared["top"])
    ['P1', 'P2']
    """
    sets = isinstance(start, (set, frozenset))
    totals = {unit: start for unit in parents}
    for unit, value in values.items():
        seen, current = set(), unit
        while current is not None and current in totals and current not in seen:
            totals[current] = totals[current] | value if sets else totals[current] + value
            seen.add(current)
            current = parents.get(current)
    return totals


def _month(value) -> str | None:
    value = native(value)
    return None if value is None or pd.isna(value) else f"{value.year:04d}-{value.month:02d}"


def _trend(alerts: pd.DataFrame) -> pd.DataFrame:
    if alerts.empty:
        return pd.DataFrame(columns=["month", "alerts_first_seen", "alerts_by_evidence_date"])
    first = alerts["first_seen"].map(_month).value_counts().rename("alerts_first_seen")
    evidence = alerts["evidence_date"].map(_month).value_counts().rename("alerts_by_evidence_date")
    trend = pd.concat([first, evidence], axis=1).fillna(0).astype(int)
    return trend.rename_axis("month").sort_index().reset_index()


def _top_risks(rows: list[dict], top: int) -> pd.DataFrame:
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
    frame = pd.DataFrame(records, columns=["id_number", "name", "posts", "risk", "alerts",
                                           "explanation"])
    return frame.sort_values(["risk", "alerts"], ascending=False).head(top).reset_index(drop=True)


def _portrait(connection, units: pd.DataFrame, root: dict, limit: int, top: int) -> dict:
    unit_ids = list(units["unit_id"])
    alerts = pd.DataFrame(native(connection.read(SCOPE_ALERTS, unit_ids=unit_ids, limit=limit)),
                          columns=["alert_id", "rule_id", "severity", "score", "status",
                                   "first_seen", "evidence_date", "unit_ids"])
    contracts = pd.DataFrame(native(connection.read(SCOPE_CONTRACTS, unit_ids=unit_ids,
                                                    limit=limit)),
                             columns=["contract_id", "method", "category", "amount",
                                      "signed_date", "unit_id", "supplier_credit_code",
                                      "supplier_name"])
    officials = native(connection.read(SCOPE_OFFICIALS, unit_ids=unit_ids, limit=limit))
    by_rule = (alerts.pivot_table(index="rule_id", columns="status", values="alert_id",
                                  aggfunc="count", fill_value=0)
               if not alerts.empty else pd.DataFrame())
    if not by_rule.empty:
        by_rule["total"] = by_rule.sum(axis=1)
        by_rule = by_rule.sort_values("total", ascending=False)
        by_rule.columns.name = None
    parents = dict(zip(units["unit_id"], units["parent_unit_id"].where(
        units["parent_unit_id"].isin(unit_ids), None)))
    own_alerts: dict[str, set] = {}
    for alert in alerts.itertuples():
        for unit_id in alert.unit_ids:
            own_alerts.setdefault(unit_id, set()).add(alert.alert_id)
    own_officials: dict[str, set] = {}
    for official in officials:
        for post in official["posts"]:
            own_officials.setdefault(post["unit_id"], set()).add(official["id_number"])
    own_contracts = contracts.groupby("unit_id")["amount"].agg(["size", "sum"])
    by_unit = units[["unit_id", "name", "level", "parent_unit_id"]].copy()
    rolled = {
        "alerts": {k: len(v) for k, v in roll_up(own_alerts, parents, frozenset()).items()},
        "contracts": roll_up(own_contracts["size"].to_dict(), parents),
        "contract_amount": roll_up(own_contracts["sum"].fillna(0).to_dict(), parents),
        "officials": {k: len(v)
                      for k, v in roll_up(own_officials, parents, frozenset()).items()},
    }
    for column, totals in rolled.items():
        by_unit[column] = by_unit["unit_id"].map(totals).fillna(0)
    return {
        "unit": root,
        "units": by_unit.sort_values("alerts", ascending=False).reset_index(drop=True),
        "alerts": alerts,
        "alerts_by_rule": by_rule,
        "alerts_by_status": alerts["status"].value_counts().rename_axis("status")
        .reset_index(name="count"),
        "top_risks": _top_risks(officials, top),
        "trend": _trend(alerts),
        "contracts_by_method": method_shares(contracts),
        "supplier_concentration": supplier_concentration(contracts),
    }


def unit_portrait(connection, unit_id: str, include_subunits: bool = True, limit: int = 5000,
                  top: int = 10) -> dict:
    """Build the portrait (政治生态画像) of a unit, with its subunits rolled up.

    Parameters
    ----------
    connection : graph.connection.Connection
    unit_id : str
    include_subunits : bool
        Count units below it (through PART_OF, up to 8 levels) as part of it.
    limit : int
        Most units, alerts, officials and contracts read.
    top : int
        Officials listed in ``top_risks``.

    Returns
    -------
    dict
        ``unit`` (dict); ``units`` (each unit of the scope with alerts, contracts,
        contract_amount and officials rolled up its subtree); ``alerts`` (one row per
        alert); ``alerts_by_rule`` (rule × status counts with a total); ``alerts_by_status``;
        ``top_risks`` (officials by risk points, each with the alerts explaining them);
        ``trend`` (alerts per month by first_seen and by the date of the evidence contract,
        transfer or payment); ``contracts_by_method`` (count, amount and shares);
        ``supplier_concentration`` (hhi, top_share, supplier_count, total_amount,
        suppliers).

    Raises
    ------
    analytics.queries.EntityNotFound
        When no unit has that unit_id.
    """
    units = pd.DataFrame(connection.read(UNIT_SCOPE, unit_id=unit_id,
                                         include_subunits=include_subunits, limit=limit))
    if units.empty:
        raise EntityNotFound(f"no unit with unit_id {unit_id!r}: check it or load units.csv")
    root = units.iloc[0].to_dict()
    root["subunit_count"] = len(units) - 1
    return _portrait(connection, units, root, limit, top)


def region_portrait(connection, region_code: str, limit: int = 5000, top: int = 10) -> dict:
    """The portrait of every unit under a region code (province, city or county).

    Same result as ``unit_portrait``; ``unit`` describes the region (code, prefix, number
    of units).

    Raises
    ------
    analytics.queries.EntityNotFound
        When no unit is coded under that region.
    """
    prefix = region_prefix(region_code)
    units = pd.DataFrame(connection.read(REGION_SCOPE, prefix=prefix, limit=limit))
    if units.empty:
        raise EntityNotFound(f"no unit has a region_code under {region_code!r}: check the "
                             "code or the region_code column of units.csv")
    root = {"region_code": region_code, "prefix": prefix, "unit_count": len(units)}
    return _portrait(connection, units, root, limit, top)
