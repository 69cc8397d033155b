"""The integrity profile (廉政档案) of one official, with a risk score that explains itself.

A discipline inspector preparing a talk with an official (谈话函询) or a promotion check
(党风廉政意见回复) wants one page: the posts held, the family (亲属), the companies the
family holds (亲属经商办企业), the contracts and money that reached them, the household's
subsidies, and the alerts raised with what became of them. ``integrity_profile`` returns
these as DataFrames, each row with the source file and row that recorded it.

The risk score is a list of items, each ``{points, source, reason}``: an alert (its id) or a
named signal (a fact no alert covers yet). The total is the sum of that list, so no point
is unexplained; a dismissed alert stays in the list with 0 points, saying why.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd

from analytics import queries as q
from analytics.queries import EntityNotFound, as_date, native

__all__ = [
    "SEVERITY_POINTS",
    "SIGNALS",
    "DISMISSED_STATUSES",
    "EXCLUDING_PROGRAMS",
    "integrity_profile",
    "relation_through",
    "alert_points",
    "risk_items",
]

SEVERITY_POINTS = {"high": 30.0, "medium": 20.0, "low": 10.0}
DISMISSED_STATUSES = frozenset({"dismissed", "false_positive", "unfounded", "rejected",
                                "closed_unfounded"})
# Programmes an official's household may not draw (rules.md, subsidy_ineligible).
EXCLUDING_PROGRAMS = frozenset({"subsistence_allowance", "rain_dew", "high_school_grant",
                                "winter_relief", "startup_loan", "migrant_transport",
                                "housing_renovation"})
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

    The rule's own ``score`` (risk points) when set, else its severity's points; half of
    that once the alert no longer matches the data (the facts changed since); nothing once
    investigators found it unfounded (a status in ``DISMISSED_STATUSES``). Alerts moving
    through the workflow (new 预警, assigned 分办, verifying 核查, disposed 处置) keep
    their points.

    >>> alert_points({"rule_id": "kickback_flow", "severity": "high", "status": "new"})
    (30.0, 'kickback_flow alert, severity high (status new)')
    >>> alert_points({"rule_id": "shell_company", "score": 25, "status": "verifying",
    ...               "matching": False})
    (12.5, 'shell_company alert, rule score 25 (status verifying), no longer matching: half')
    >>> alert_points({"rule_id": "kickback_flow", "severity": "high", "status": "dismissed"})
    (0.0, 'kickback_flow alert dismissed after verification: no points')
    """
    status = alert.get("status") or "new"
    rule = alert.get("rule_id")
    if status in DISMISSED_STATUSES:
        return 0.0, f"{rule} alert {status} after verification: no points"
    score = alert.get("score")
    if score is not None and not pd.isna(score):
        points, reason = float(score), f"{rule} alert, rule score {score:g} (status {status})"
    else:
        severity = alert.get("severity") or "low"
        points = SEVERITY_POINTS.get(severity, SEVERITY_POINTS["low"])
        reason = f"{rule} alert, severity {severity} (status {status})"
    if alert.get("matching") is False:
        return points / 2, f"{reason}, no longer matching: half"
    return points, reason


def risk_items(alerts: Iterable[dict], signals: Iterable[tuple[str, str, str]]) -> dict:
    """The risk score as traced items; ``total`` is their sum.

    ``signals`` are ``(signal name, evidence key, detail)``; a signal whose evidence key is
    among some alert's ``entity_ids`` is already counted by that alert and adds nothing.

    >>> risk = risk_items([{"alert_id": "A1", "rule_id": "self_approval", "severity": "low",
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


def _frame(rows: list[dict], columns: Sequence[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame([native(row) for row in rows])
    if columns is not None:
        frame = frame.reindex(columns=list(columns))
    return frame


def _family(rows: list[dict]) -> pd.DataFrame:
    """One row per relative, by the shortest tie (a direct tie wins over a two-hop one)."""
    family: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: len(r["hops"])):
        if row["id_number"] in family:
            continue
        english, chinese = relation_through([(h["relation"], h["forward"]) for h in row["hops"]])
        family[row["id_number"]] = {
            "id_number": row["id_number"], "name": row["name"], "relation": english,
            "relation_zh": chinese, "degree": len(row["hops"]),
            "via": row["hops"][0]["via"] if len(row["hops"]) > 1 else None,
            "household_id": row["household_id"], "src_file": row["hops"][-1]["src_file"],
            "src_row": row["hops"][-1]["src_row"]}
    return _frame(list(family.values()), q.FAMILY_COLUMNS)


def _within(date: dt.date | None, start, end) -> bool:
    start, end = as_date(start), as_date(end)
    return date is not None and (start is None or start <= date) and (end is None or date <= end)


def _in_post(date, positions: pd.DataFrame) -> bool:
    return any(_within(as_date(date), row.start_date, row.end_date)
               for row in positions.itertuples())


def _signals(person: dict, positions, companies, contracts, payments, subsidies) -> list:
    signals = []
    for row in contracts.itertuples():
        if row.during_tenure and row.held_at_signing:
            signals.append(("family_company_contract", row.contract_id,
                            f"{row.contract_id} {row.supplier_name} ({row.signed_date})"))
    for row in payments.itertuples():
        if row.payer_supplies_units:
            signals.append(("payment_from_supplier", row.txn_id,
                            f"{row.txn_id} {row.amount:,.0f} from {row.payer_name} to "
                            f"{row.payee_name} ({row.date})"))
    for row in subsidies.itertuples():
        if row.program in EXCLUDING_PROGRAMS and _in_post(row.date, positions):
            signals.append(("household_subsidy", row.payment_id,
                            f"{row.payment_id} {row.program} to {row.recipient_name} ({row.date})"))
    own = companies[companies["holder_id_number"] == person["id_number"]]
    for row in own.itertuples():
        overlaps = any(_overlap(row.start_date, row.end_date, post.start_date, post.end_date)
                       for post in positions.itertuples())
        if row.role in BUSINESS_ROLES and len(row.chain) == 1 and overlaps:
            signals.append(("business_role_in_office", row.credit_code,
                            f"{row.role} of {row.company_name} from {row.start_date}"))
    return signals


def _overlap(start_a, end_a, start_b, end_b) -> bool:
    start_a, end_a, start_b, end_b = map(as_date, (start_a, end_a, start_b, end_b))
    return ((end_b is None or start_a is None or start_a <= end_b)
            and (end_a is None or start_b is None or start_b <= end_a))


def integrity_profile(connection, id_number: str, as_of: dt.date | None = None,
                      limit: int = 500) -> dict:
    """Build the integrity profile (廉政档案) of one person.

    Parameters
    ----------
    connection : graph.connection.Connection
    id_number : str
        The person's resident identity number (身份证号).
    as_of : date, optional
        Show the record as it stood on that date: later posts, roles, contracts, transfers,
        subsidies and alerts are left out, and ``current`` marks the posts held that day.
    limit : int
        Most rows per table.

    Returns
    -------
    dict
        ``person`` (dict); DataFrames ``positions`` (任职), ``family`` (亲属: relation in
        English and Chinese, degree, in_household), ``companies`` (own and family companies,
        with holder, role and shareholding chain), ``contracts`` (of his units with those
        companies; during_tenure, approved_by_him), ``payments`` (transfers into his and his
        relatives' accounts; payer_supplies_units), ``subsidies`` (惠民资金 of the
        household), ``alerts`` (预警 naming him, with status) and ``related_alerts``
        (naming a relative or family company only); ``risk``: ``{"total", "items"}``.

    Raises
    ------
    analytics.queries.EntityNotFound
        When no person has that id_number.
    """
    as_of = as_date(as_of)
    found = connection.read(q.PERSON, id_number=id_number)
    if not found:
        raise EntityNotFound(f"no person with id_number {id_number!r}: check the number "
                             "(18 characters, last may be X) or load persons.csv")
    person = native(found[0]["person"])
    common = {"id_number": id_number, "as_of": as_of, "limit": int(limit)}
    positions = _frame(connection.read(q.POSITIONS, **common), q.POSITION_COLUMNS)
    positions["current"] = [_within(as_of or dt.date.today(), row.start_date, row.end_date)
                            for row in positions.itertuples()]
    family = _family(connection.read(q.RELATIVES, **common))
    household_ids = set(family.loc[family["relation"].isin(["spouse", "child"]), "id_number"])
    if person.get("household_id"):
        household_ids |= set(family.loc[family["household_id"] == person["household_id"],
                                        "id_number"])
    family["in_household"] = family["id_number"].isin(household_ids)
    relation_of = dict(zip(family["id_number"], family["relation"]))
    relation_of[id_number] = "self"
    holders = [id_number, *family["id_number"]]
    companies = _frame(connection.read(q.COMPANIES, holders=holders, **common),
                       q.COMPANY_COLUMNS)
    companies["holder_relation"] = companies["holder_id_number"].map(relation_of)
    contracts = _frame(connection.read(q.CONTRACTS, credit_codes=sorted(
        set(companies["credit_code"])), **common), q.CONTRACT_COLUMNS)
    contracts["held_at_signing"] = [
        any(_within(as_date(contract.signed_date), role.start_date, role.end_date)
            for role in companies[companies["credit_code"] == contract.supplier_credit_code]
            .itertuples())
        for contract in contracts.itertuples()]
    payments = _frame(connection.read(q.PAYMENTS, persons=holders, **common), q.PAYMENT_COLUMNS)
    payments["payee_relation"] = payments["payee_id_number"].map(relation_of)
    subsidies = _frame(connection.read(
        q.SUBSIDIES, household=[id_number, *sorted(household_ids)],
        household_id=person.get("household_id"), **common), q.SUBSIDY_COLUMNS)
    subsidies["recipient_relation"] = subsidies["recipient_id_number"].map(relation_of)
    alerts = _frame(connection.read(q.ALERTS, **common), q.ALERT_COLUMNS)
    related = _frame(connection.read(q.RELATED_ALERTS, keys=[*holders[1:], *set(
        companies["credit_code"])], **common), q.ALERT_COLUMNS)
    related = related[~related["alert_id"].isin(alerts["alert_id"])].reset_index(drop=True)
    signals = _signals(person, positions, companies, contracts, payments, subsidies)
    return {
        "person": person, "as_of": as_of, "positions": positions, "family": family,
        "companies": companies, "contracts": contracts, "payments": payments,
        "subsidies": subsidies, "alerts": alerts, "related_alerts": related,
        "risk": risk_items(alerts.to_dict("records"), signals),
    }
