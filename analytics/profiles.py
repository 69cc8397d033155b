"""The integrity profile (廉政档案) of one official, with a risk score that explains itself.

A discipline inspector preparing a talk with an official (谈话函询) or a promotion check
(党风廉政意见回复) wants one page: the posts held, the family (亲属), the companies the
family holds (亲属经商办企业), the contracts and money that reached them, the household's
subsidies, and the alerts raised with what became of them. ``integrity_profile`` returns
these as lists of plain rows, each with the source file and row that recorded it, within
the reader's scope: rows outside it are counted (``withheld``), never named, and a table
cut at ``limit`` says so (``truncated``, ``totals``).

The risk score is a list of items, each ``{points, source, reason}``: an alert (its id) or a
named signal (a fact no alert covers yet). The total is the sum of that list, so no point
is unexplained; an alert found unfounded (``outcome = 'unfounded'``) stays in the list with
0 points, saying why.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from analytics import profile_queries as q
from analytics.days import local_today
from analytics.plain import plain
from analytics.queries import EntityNotFound, as_date, candidate_keys
from analytics.rule_facts import excluded_programs, rule_points
from analytics.rules.rule import SEVERITIES
from analytics.scope import Scope

__all__ = [
    "SEVERITY_POINTS",
    "SIGNALS",
    "UNFOUNDED",
    "integrity_profile",
    "relation_through",
    "alert_points",
    "risk_items",
]

# Points of an alert whose rule no file defines any more (a rule's own risk_points first).
SEVERITY_POINTS = {"low": 10.0, "medium": 20.0, "high": 30.0, "critical": 50.0}
assert set(SEVERITY_POINTS) == set(SEVERITIES), "one points value per rule severity"
UNFOUNDED = "unfounded"  # the investigation outcome (查否) that takes an alert's points away
BUSINESS_ROLES = frozenset({"shareholder", "legal_rep", "director", "manager"})

# Signals: facts that score only while no alert (whatever its status) covers them.
SIGNALS = {
    "family_company_contract": (
        10.0, "contract of a unit where he served, signed during his tenure, with a company "
              "that he or a relative held at the signing date"),
    "payment_from_supplier": (
        10.0, "transfer into his or a relative's account from a supplier of his units or "
              "from a holder of such a supplier"),
    "household_subsidy": (
        5.0, "household member drew an excluding subsidy programme while he was in post"),
    "business_role_in_office": (
        10.0, "held a business role (shareholder, legal representative, director, manager) "
              "in a company while in post"),
}

INVERSE_RELATION = {
    "spouse": "spouse", "parent": "child", "child": "parent", "sibling": "sibling",
    "parent_in_law": "child_in_law", "child_in_law": "parent_in_law",
    "sibling_in_law": "sibling_in_law", "grandparent": "grandchild",
    "grandchild": "grandparent", "other": "other",
}
RELATION_ZH = {
    "self": "本人", "spouse": "配偶", "parent": "父母", "child": "子女",
    "sibling": "兄弟姐妹", "parent_in_law": "岳父母/公婆", "child_in_law": "女婿/儿媳",
    "sibling_in_law": "姻亲兄弟姐妹", "grandparent": "祖父母/外祖父母",
    "grandchild": "孙子女/外孙子女", "other": "其他亲属",
}


def relation_through(hops: Sequence[tuple[str, bool]]) -> tuple[str, str]:
    """What a relative is to the official, in English and Chinese, from the ties walked.

    Each hop is ``(relation, forward)``: ``forward`` when the kinship row was recorded from
    the official's side ("relative is the <relation> of id_number"); a tie recorded from
    the other side reads inverted (the official is the ``parent`` of X: X is his child).

    >>> relation_through([("parent", False)])
    ('child', '子女')
    >>> relation_through([("spouse", True), ("sibling", True)])
    ("spouse's sibling", '配偶的兄弟姐妹')
    """
    english, chinese = [], []
    for relation, forward in hops:
        relation = relation or "other"
        seen = relation if forward else INVERSE_RELATION.get(relation, relation)
        english.append(seen)
        chinese.append(RELATION_ZH.get(seen, seen))
    return "'s ".join(english), "的".join(chinese)


def alert_points(alert: dict) -> tuple[float, str]:
    """Points an alert adds to its subjects' risk, and why.

    The alert's own ``score`` (its rule's risk points when it was raised), else the rule
    file's risk points, else its severity's points (``SEVERITY_POINTS``); half of that once
    the alert no longer matches the data (the facts changed since); nothing once the
    investigation found it unfounded (``outcome`` ``unfounded``). Alerts moving through the
    workflow, and those with any other outcome, keep their points.

    >>> alert_points({"rule_id": "kickback_flow", "severity": "critical", "status": "new"})
    (50.0, 'kickback_flow alert, rule score 50 (status new)')
    >>> alert_points({"rule_id": "analyst_rule", "severity": "critical", "status": "new"})
    (50.0, 'analyst_rule alert, severity critical (status new)')
    >>> alert_points({"rule_id": "shell_company", "score": 25, "status": "verifying",
    ...               "matching": False})
    (12.5, 'shell_company alert, rule score 25 (status verifying), no longer matching: half')
    >>> alert_points({"rule_id": "kickback_flow", "severity": "critical",
    ...               "status": "disposed", "outcome": "unfounded"})
    (0.0, 'kickback_flow alert found unfounded (查否): no points')
    """
    status = alert.get("status") or "new"
    rule = alert.get("rule_id")
    if alert.get("outcome") == UNFOUNDED:
        return 0.0, f"{rule} alert found unfounded (查否): no points"
    score = alert.get("score")
    if score is None:
        score = rule_points(rule)
    if score is not None:
        points, reason = float(score), f"{rule} alert, rule score {score:g} (status {status})"
    else:
        severity = alert.get("severity")
        if severity not in SEVERITY_POINTS:
            return 0.0, (f"{rule} alert of unknown severity {severity!r} and no rule file: "
                         "not scored, check the rule")
        points = SEVERITY_POINTS[severity]
        reason = f"{rule} alert, severity {severity} (status {status})"
    if alert.get("outcome"):
        reason = reason[:-1] + f", outcome {alert['outcome']})"
    if alert.get("matching") is False:
        return points / 2, f"{reason}, no longer matching: half"
    return points, reason


def risk_items(alerts: Iterable[dict], signals: Iterable[tuple[str, str, str]]) -> dict:
    """The risk score as traced items; ``total`` is their sum.

    ``signals`` are ``(signal name, evidence key, detail)``; a signal whose evidence key is
    among some alert's ``entity_ids`` is already counted by that alert and adds nothing.

    >>> risk = risk_items([{"alert_id": "A1", "rule_id": "self_approval", "score": 10,
    ...                     "status": "new", "entity_ids": ["K1"]}],
    ...                   [("family_company_contract", "K1", "K1"),
    ...                    ("family_company_contract", "K2", "K2 (2021-03-01)")])
    >>> [(item["points"], item["source"]) for item in risk["items"]], risk["total"]
    ([(10.0, 'A1'), (10.0, 'family_company_contract')], 20.0)
    """
    items, covered = [], set()
    for alert in alerts:
        points, reason = alert_points(alert)
        items.append({"points": points, "source": alert["alert_id"], "reason": reason})
        covered.update(alert.get("entity_ids") or [])
    for name, key, detail in signals:
        if key in covered:
            continue
        points, reason = SIGNALS[name]
        items.append({"points": points, "source": name, "reason": f"{reason}: {detail}"})
    return {"total": float(sum(item["points"] for item in items)), "items": items}


def _flatten(row: dict, *counterparts: str) -> dict:
    """``{buyer: {key, name, withheld}}`` → ``buyer_key``, ``buyer_name``, ``buyer_withheld``."""
    for field in counterparts:
        shown = row.pop(field, None) or {}
        row[f"{field}_key"] = shown.get("key")
        row[f"{field}_name"] = shown.get("name")
        row[f"{field}_withheld"] = bool(shown.get("withheld"))
    return row


def _family(rows: list[dict]) -> list[dict]:
    """One row per relative (the query keeps the shortest tie to each), said from his side."""
    family: dict[str, dict] = {}
    for row in rows:
        english, chinese = relation_through([(h["relation"], h["forward"]) for h in row["hops"]])
        family[row["id_number"]] = {
            "id_number": row["id_number"], "name": row["name"], "relation": english,
            "relation_zh": chinese, "degree": len(row["hops"]),
            "via": row["hops"][0]["via"] if len(row["hops"]) > 1 else None,
            "household_id": row["household_id"], "src_file": row["hops"][-1]["src_file"],
            "src_row": row["hops"][-1]["src_row"]}
    return list(family.values())


def _within(date, start, end) -> bool:
    date, start, end = as_date(date), as_date(start), as_date(end)
    return date is not None and (start is None or start <= date) and (end is None or date <= end)


def _overlap(start_a, end_a, start_b, end_b) -> bool:
    start_a, end_a, start_b, end_b = map(as_date, (start_a, end_a, start_b, end_b))
    return ((end_b is None or start_a is None or start_a <= end_b)
            and (end_a is None or start_b is None or start_b <= end_a))


def _signals(id_number: str, tables: dict) -> list[tuple[str, str, str]]:
    positions, signals = tables["positions"], []
    for row in tables["contracts"]:
        if row["during_tenure"] and row["held_at_signing"]:
            signals.append(("family_company_contract", row["contract_id"],
                            f"{row['contract_id']} {row['supplier_name'] or '(withheld)'} "
                            f"({row['signed_date']})"))
    for row in tables["payments"]:
        if row["payer_supplies_units"]:
            signals.append(("payment_from_supplier", row["txn_id"],
                            f"{row['txn_id']} {row['amount']:,.0f} from "
                            f"{row['payer_name'] or '(withheld)'} to {row['payee_name']} "
                            f"({row['date']})"))
    excluded = excluded_programs()
    for row in tables["subsidies"]:
        if row["program"] in excluded and any(
                _within(row["date"], post["start_date"], post["end_date"]) for post in positions):
            signals.append(("household_subsidy", row["payment_id"],
                            f"{row['payment_id']} {row['program']} to {row['recipient_name']} "
                            f"({row['date']})"))
    for row in tables["companies"]:
        overlaps = any(_overlap(row["start_date"], row["end_date"], post["start_date"],
                                post["end_date"]) for post in positions)
        if (row["holder_relation"] == "self" and row["role"] in BUSINESS_ROLES
                and len(row["chain"]) == 1 and overlaps):
            signals.append(("business_role_in_office", row["credit_code"],
                            f"{row['role']} of {row['company_name']} from {row['start_date']}"))
    return signals


class _Reader:
    """Runs the table queries of one profile and keeps their totals and withheld counts."""

    def __init__(self, connection, common: dict):
        self.connection, self.common = connection, common
        self.totals: dict[str, int] = {}
        self.withheld: dict[str, int] = {}

    def tables(self, *asked: tuple[str, str, dict]) -> list[list]:
        """The rows of each ``(name, query, parameters)``, read in one transaction (the
        tables that do not depend on each other's rows are asked together)."""
        answers = self.connection.read_many([(query, {**self.common, **parameters})
                                             for _, query, parameters in asked])
        found = []
        for (name, _, _), [row] in zip(asked, answers):
            self.totals[name], self.withheld[name] = row["total"], row["withheld"]
            found.append(plain(row["rows"]))
        return found


def integrity_profile(connection, id_number: str, *, scope: Scope,
                      as_of: dt.date | str | None = None, limit: int = 500) -> dict:
    """Build the integrity profile (廉政档案) of one person.

    Parameters
    ----------
    connection : graph.connection.Connection
    id_number : str
        The person's resident identity number (身份证号), in any spelling the importer
        accepts (15 or 18 digits, lower-case x, full-width, spaced).
    scope : analytics.scope.Scope
        The reader's jurisdiction: the person must be in it; rows outside it are withheld.
    as_of : date or ISO text, optional
        The record as it stood that day: later posts, roles, contracts, transfers,
        subsidies and alerts are left out, and ``current`` marks the posts held that day.
    limit : int
        Most rows per table (``truncated`` and ``totals`` say when a table was cut).

    Returns
    -------
    dict
        ``person`` (properties); lists of rows ``positions`` (任职), ``family`` (亲属:
        relation in English and Chinese, degree, in_household), ``companies`` (own and
        family companies, holder, role, shareholding ``chain``), ``contracts`` (of his units
        with those companies; during_tenure, approved_by_him, held_at_signing),
        ``payments`` (into his and his relatives' accounts; payer_supplies_units),
        ``subsidies`` (惠民资金 of the household), ``alerts`` (naming him, with status and
        outcome) and ``related_alerts`` (naming a relative or family company only);
        ``risk`` ``{"total", "items"}``; ``totals``, ``truncated`` and ``withheld`` per
        table. Counterparts appear as ``<field>_key``, ``<field>_name`` and
        ``<field>_withheld``. Dates are ISO text.

    Raises
    ------
    analytics.queries.EntityNotFound
        When no person in scope has that id_number (missing and out of scope read alike).
    """
    as_of = as_date(as_of)
    found = connection.read(q.PERSON, keys=candidate_keys(id_number), **scope.parameters())
    if not found:
        raise EntityNotFound(f"no person you may see has id_number {id_number!r}: check the "
                             "number (18 characters, last may be X) or load persons.csv")
    person = plain(found[0]["person"])
    id_number = person["id_number"]
    # Always a date (the last day when none is given): one plan per query, not one per
    # parameter type (Neo4j caches plans by the types of the parameters).
    reader = _Reader(connection, {"id_number": id_number, "as_of": as_of or dt.date.max,
                                  "limit": int(limit), **scope.parameters()})
    # Three rounds, each one transaction: what the person alone decides; what the family
    # decides; what the family's companies decide.
    positions, family, alerts = reader.tables(("positions", q.POSITIONS, {}),
                                              ("family", q.RELATIVES, {}),
                                              ("alerts", q.ALERTS, {}))
    positions = [_flatten(row, "unit", "parent") for row in positions]
    today = as_of or local_today()
    for row in positions:
        row["current"] = _within(today, row["start_date"], row["end_date"])
    family = _family(family)
    household = {row["id_number"] for row in family if row["relation"] in ("spouse", "child")}
    if person.get("household_id"):
        household |= {row["id_number"] for row in family
                      if row["household_id"] == person["household_id"]}
    for row in family:
        row["in_household"] = row["id_number"] in household
    relation_of = {row["id_number"]: row["relation"] for row in family} | {id_number: "self"}
    holders = [id_number, *relation_of.keys() - {id_number}]
    companies, payments, subsidies = reader.tables(
        ("companies", q.COMPANIES, {"holders": sorted(holders)}),
        ("payments", q.PAYMENTS, {"persons": sorted(holders)}),
        ("subsidies", q.SUBSIDIES, {"household": [id_number, *sorted(household)],
                                    "household_id": person.get("household_id")}))
    for row in companies:
        row["holder_relation"] = relation_of.get(row.pop("holder_id_number"))
        row["chain"] = [link["name"] for link in row["chain"]]
        _flatten(row, "holder")
    roles_of: dict[str, list[dict]] = {}
    for row in companies:
        roles_of.setdefault(row["credit_code"], []).append(row)
    for row in payments:
        row["payee_relation"] = relation_of.get(row.pop("payee_id_number"))
        _flatten(row, "from_account", "payer", "to_account", "payee")
    for row in subsidies:
        row["recipient_relation"] = relation_of.get(row.pop("recipient_id_number"))
        _flatten(row, "recipient", "issuing_unit", "approver", "account")
    contracts, related = reader.tables(
        ("contracts", q.CONTRACTS, {"credit_codes": sorted(roles_of)}),
        ("related_alerts", q.RELATED_ALERTS, {"keys": [*holders[1:], *roles_of]}))
    contracts = [_flatten(row, "buyer", "supplier", "approver") for row in contracts]
    for row in contracts:
        row["held_at_signing"] = any(_within(row["signed_date"], role["start_date"],
                                             role["end_date"])
                                     for role in roles_of.get(row.pop("supplier_credit_code"), []))
    related = [_flatten(row, "subject") for row in related]
    tables = {"positions": positions, "family": family,
              "companies": companies, "contracts": contracts, "payments": payments,
              "subsidies": subsidies, "alerts": alerts, "related_alerts": related}
    signals = _signals(id_number, tables)
    return {
        "person": person, "as_of": plain(as_of), **tables,
        "risk": risk_items(alerts, signals),
        "totals": reader.totals,
        "truncated": {name: reader.totals[name] > len(rows) for name, rows in tables.items()},
        "withheld": reader.withheld,
    }

