"""The timeline (时间线) of one entity: its ties and flows in date order.

Patterns of abuse are sequences: a post begins, a relative founds a company, the company wins
a contract the official approves, money moves a month later, the official leaves and joins
the company. ``entity_timeline`` lays one person's, company's, unit's or account's record
out in that order so such a sequence can be read off, each event with its source row.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from analytics.profiles import relation_through
from analytics.queries import as_date, native, node_summary, resolve_entity

__all__ = ["TIMELINE", "TIMELINE_COLUMNS", "entity_timeline", "timeline_frame"]

TIMELINE_COLUMNS = ("date", "kind", "role", "counterpart_label", "counterpart_key",
                    "counterpart_name", "detail", "amount", "src_file", "src_row")

# One branch per kind of event; dates are dates (alert datetimes are cut to the day).
TIMELINE = """
MATCH (n) WHERE elementId(n) = $element_id
CALL {
  WITH n MATCH (n)-[r:HOLDS_POSITION]-(other)
  RETURN 'position' AS kind, CASE WHEN startNode(r) = n THEN 'holder' ELSE 'unit' END AS role,
         r.start_date AS date, r.end_date AS end_date, other, r.title AS detail,
         null AS amount, r.src_file AS src_file, r.src_row AS src_row
  UNION ALL
  WITH n MATCH (n)-[r:HOLDS_ROLE]-(other)
  RETURN 'role' AS kind, CASE WHEN startNode(r) = n THEN 'holder' ELSE 'held' END AS role,
         r.start_date AS date, r.end_date AS end_date, other,
         r.role + coalesce(' ' + toString(r.share_pct) + '%', '') AS detail,
         null AS amount, r.src_file AS src_file, r.src_row AS src_row
  UNION ALL
  WITH n MATCH (n)-[r:HAS_RELATIVE]-(other)
  RETURN 'kinship' AS kind,
         CASE WHEN startNode(r) = n THEN 'recorded' ELSE 'named' END AS role,
         null AS date, null AS end_date, other, r.relation AS detail, null AS amount,
         r.src_file AS src_file, r.src_row AS src_row
  UNION ALL
  WITH n MATCH (other:Contract)-[r:BUYER|SUPPLIER|APPROVED_BY]->(n)
  RETURN 'contract' AS kind, toLower(type(r)) AS role, other.signed_date AS date,
         null AS end_date, other, coalesce(other.method, '') + ' ' + coalesce(other.title, '')
         AS detail, other.amount AS amount, other.src_file AS src_file, other.src_row AS src_row
  UNION ALL
  WITH n MATCH (n)<-[:HELD_BY*0..1]-(:Account)-[:PAID]->(txn:Transaction)-[:PAID_TO]->(to:Account)
  OPTIONAL MATCH (to)-[:HELD_BY]->(holder)
  RETURN 'transfer' AS kind, 'payer' AS role, txn.date AS date, null AS end_date,
         coalesce(holder, to) AS other, coalesce(txn.memo, '') AS detail, txn.amount AS amount,
         txn.src_file AS src_file, txn.src_row AS src_row
  UNION ALL
  WITH n MATCH (n)<-[:HELD_BY*0..1]-(:Account)<-[:PAID_TO]-(txn:Transaction)<-[:PAID]-(from:Account)
  OPTIONAL MATCH (from)-[:HELD_BY]->(holder)
  RETURN 'transfer' AS kind, 'payee' AS role, txn.date AS date, null AS end_date,
         coalesce(holder, from) AS other, coalesce(txn.memo, '') AS detail,
         txn.amount AS amount, txn.src_file AS src_file, txn.src_row AS src_row
  UNION ALL
  WITH n MATCH (other:SubsidyPayment)-[r:RECIPIENT|APPROVED_BY|ISSUED_BY|INTO_ACCOUNT]->(n)
  RETURN 'subsidy' AS kind, toLower(type(r)) AS role, other.date AS date, null AS end_date,
         other, other.program AS detail, other.amount AS amount,
         other.src_file AS src_file, other.src_row AS src_row
  UNION ALL
  WITH n MATCH (bid:Bid)-[:BIDDER]->(n) MATCH (bid)-[:FOR_TENDER]->(other:Tender)
  RETURN 'bid' AS kind, CASE WHEN bid.won THEN 'won' ELSE 'bidder' END AS role,
         bid.submitted_date AS date, null AS end_date, other, '' AS detail,
         bid.bid_amount AS amount, bid.src_file AS src_file, bid.src_row AS src_row
  UNION ALL
  WITH n MATCH (other:Complaint)-[:ABOUT]->(n)
  RETURN 'complaint' AS kind, 'subject' AS role, other.date AS date, null AS end_date, other,
         coalesce(other.category, '') AS detail, null AS amount,
         other.src_file AS src_file, other.src_row AS src_row
  UNION ALL
  WITH n MATCH (other:Alert)-[e:EVIDENCE]->(n)
  WITH other, collect(DISTINCT coalesce(e.role, 'evidence')) AS roles
  RETURN 'alert' AS kind, reduce(text = head(roles), role IN tail(roles) | text + ';' + role)
         AS role,
         date(other.first_seen) AS date, null AS end_date, other,
         other.rule_id + ' (' + coalesce(other.status, 'new') + ')' AS detail,
         other.score AS amount, null AS src_file, null AS src_row
}
RETURN kind, role, date, end_date, labels(other) AS labels, properties(other) AS properties,
       detail, amount, src_file, src_row
ORDER BY date
LIMIT $limit
"""


def timeline_frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Events in date order (undated ones, such as kinship, last); tenures end in a row of
    their own (``position_end``, ``role_end``).

    >>> rows = [{"kind": "position", "role": "holder", "date": dt.date(2018, 1, 1),
    ...          "end_date": dt.date(2021, 6, 30), "labels": ["Unit"],
    ...          "properties": {"unit_id": "U1", "name": "交通局"}, "detail": "局长",
    ...          "amount": None, "src_file": "positions.csv", "src_row": 2},
    ...         {"kind": "kinship", "role": "recorded", "date": None, "end_date": None,
    ...          "labels": ["Person"], "properties": {"id_number": "P2", "name": "乙"},
    ...          "detail": "spouse", "amount": None, "src_file": "kinship.csv", "src_row": 2}]
    >>> frame = timeline_frame(rows)
    >>> frame[["date", "kind", "counterpart_name"]].values.tolist()
    [[datetime.date(2018, 1, 1), 'position_start', '交通局'], \
[datetime.date(2021, 6, 30), 'position_end', '交通局'], [None, 'kinship', '乙']]
    """
    events = []
    for row in rows:
        other = node_summary(row["labels"], row["properties"])
        base = {"role": row["role"], "counterpart_label": other["label"],
                "counterpart_key": other["key"], "counterpart_name": other["name"],
                "detail": (row["detail"] or "").strip(), "amount": native(row["amount"]),
                "src_file": row["src_file"], "src_row": row["src_row"]}
        if row["kind"] in ("position", "role"):
            events.append({**base, "date": as_date(row["date"]), "kind": f"{row['kind']}_start"})
            if row["end_date"] is not None:
                events.append({**base, "date": as_date(row["end_date"]),
                               "kind": f"{row['kind']}_end"})
        elif row["kind"] == "kinship":
            # Said from this entity's side: "spouse" means the counterpart is its spouse.
            base["detail"] = relation_through([(row["detail"], row["role"] == "recorded")])[0]
            events.append({**base, "date": None, "kind": "kinship"})
        else:
            events.append({**base, "date": as_date(row["date"]), "kind": row["kind"]})
    events.sort(key=lambda event: (event["date"] is None, event["date"] or dt.date.min))
    frame = pd.DataFrame(events, columns=list(TIMELINE_COLUMNS))
    frame["src_row"] = frame["src_row"].astype("Int64")
    return frame


def entity_timeline(connection, key: str, start: dt.date | None = None,
                    end: dt.date | None = None, limit: int = 500) -> pd.DataFrame:
    """The timeline of the entity whose key is ``key`` (any label).

    Parameters
    ----------
    connection : graph.connection.Connection
    key : str
        id_number, credit_code, unit_id, account_no...
    start, end : date, optional
        Keep dated events within these bounds (undated kinship ties are always kept).
    limit : int
        Most events read.

    Returns
    -------
    pandas.DataFrame
        Columns ``TIMELINE_COLUMNS``: the date, the kind of event (position_start,
        position_end, role_start, role_end, kinship, contract, transfer, subsidy, bid,
        complaint, alert), the entity's role in it (buyer, supplier, approved_by, payer,
        payee, recipient...), the counterpart, a detail (title, role and share, relation,
        method and title, memo, programme, rule and status), the amount and the source row.
    """
    entity = resolve_entity(connection, key)
    frame = timeline_frame(connection.read(TIMELINE, element_id=entity["element_id"],
                                           limit=int(limit)))
    start, end = as_date(start), as_date(end)
    dated = frame["date"].notna()
    keep = ~dated | ((frame["date"] >= start) if start else True) & (
        (frame["date"] <= end) if end else True)
    return frame[keep].reset_index(drop=True)
