"""The timeline (时间线) of one entity: its ties and flows in date order, a page at a time.

Patterns of abuse are sequences: a post begins, a relative founds a company, the company wins
a contract the official approves, money moves a month later, the official leaves and joins
the company. ``entity_timeline`` lays one person's, company's, unit's or account's record
out in that order so such a sequence can be read off, each event with its source row.

The date window and the kinds are applied inside the query, before ordering and paging, so a
busy account's page of March holds March's transfers, not the first N rows of its history
cut afterwards. Events whose fact lies outside the reader's scope (a contract of another
jurisdiction's unit) are counted as ``withheld``; counterparts outside it are shown without
key or name.
"""
from __future__ import annotations

import datetime as dt
import math

from analytics.access import in_scope
from analytics.plain import plain
from analytics.profiles import relation_through
from analytics.queries import as_date, counterparts, resolve_entity
from analytics.scope import Scope

__all__ = ["TIMELINE", "EVENT_KINDS", "EVENT_FIELDS", "entity_timeline"]

EVENT_KINDS = ("position_start", "position_end", "role_start", "role_end", "kinship",
               "contract", "transfer", "subsidy", "bid", "complaint", "alert")
EVENT_FIELDS = ("date", "kind", "role", "counterpart_label", "counterpart_key",
                "counterpart_name", "counterpart_withheld", "detail", "amount", "src_file",
                "src_row")

# One branch per kind of event, each with whether its fact is in scope (a post, a role, a
# kinship tie, a transfer through the entity's own accounts and a complaint about it are
# facts of the entity itself); dates are dates (alert datetimes are cut to the day).
TIMELINE = f"""
MATCH (n) WHERE elementId(n) = $element_id
CALL {{
  WITH n MATCH (n)-[r:HOLDS_POSITION|HOLDS_ROLE]-(other)
  WITH n, r, other, CASE type(r) WHEN 'HOLDS_POSITION' THEN 'position' ELSE 'role' END AS tie
  UNWIND [[tie + '_start', r.start_date], [tie + '_end', r.end_date]] AS event
  WITH n, r, other, tie, event WHERE event[0] ENDS WITH '_start' OR event[1] IS NOT NULL
  RETURN event[0] AS kind, CASE WHEN startNode(r) = n THEN 'holder'
                                WHEN tie = 'position' THEN 'unit' ELSE 'held' END AS role,
         event[1] AS date, other,
         CASE tie WHEN 'position' THEN r.title
              ELSE r.role + coalesce(' ' + toString(r.share_pct) + '%', '') END AS detail,
         null AS amount, r.src_file AS src_file, r.src_row AS src_row, true AS visible
  UNION ALL
  WITH n MATCH (n)-[r:HAS_RELATIVE]-(other)
  RETURN 'kinship' AS kind,
         CASE WHEN startNode(r) = n THEN 'recorded' ELSE 'named' END AS role,
         null AS date, other, r.relation AS detail, null AS amount,
         r.src_file AS src_file, r.src_row AS src_row, true AS visible
  UNION ALL
  WITH n MATCH (other:Contract)-[r:BUYER|SUPPLIER|APPROVED_BY]->(n)
  RETURN 'contract' AS kind, toLower(type(r)) AS role, other.signed_date AS date, other,
         coalesce(other.method, '') + ' ' + coalesce(other.title, '') AS detail,
         other.amount AS amount, other.src_file AS src_file, other.src_row AS src_row,
         {in_scope('Contract', 'other')} AS visible
  UNION ALL
  WITH n MATCH (n)<-[:HELD_BY*0..1]-(account:Account)-[:PAID]->(txn:Transaction)
              -[:PAID_TO]->(to:Account)
  OPTIONAL MATCH (to)-[:HELD_BY]->(holder)
  RETURN 'transfer' AS kind, 'payer' AS role, txn.date AS date,
         coalesce(holder, to) AS other, coalesce(txn.memo, '') AS detail, txn.amount AS amount,
         txn.src_file AS src_file, txn.src_row AS src_row, true AS visible
  UNION ALL
  WITH n MATCH (n)<-[:HELD_BY*0..1]-(account:Account)<-[:PAID_TO]-(txn:Transaction)
              <-[:PAID]-(from:Account)
  OPTIONAL MATCH (from)-[:HELD_BY]->(holder)
  RETURN 'transfer' AS kind, 'payee' AS role, txn.date AS date,
         coalesce(holder, from) AS other, coalesce(txn.memo, '') AS detail,
         txn.amount AS amount, txn.src_file AS src_file, txn.src_row AS src_row,
         true AS visible
  UNION ALL
  WITH n MATCH (other:SubsidyPayment)-[r:RECIPIENT|APPROVED_BY|ISSUED_BY|INTO_ACCOUNT]->(n)
  RETURN 'subsidy' AS kind, toLower(type(r)) AS role, other.date AS date, other,
         other.program AS detail, other.amount AS amount, other.src_file AS src_file,
         other.src_row AS src_row, {in_scope('SubsidyPayment', 'other')} AS visible
  UNION ALL
  WITH n MATCH (bid:Bid)-[:BIDDER]->(n) MATCH (bid)-[:FOR_TENDER]->(other:Tender)
  RETURN 'bid' AS kind, CASE WHEN bid.won THEN 'won' ELSE 'bidder' END AS role,
         bid.submitted_date AS date, other, '' AS detail, bid.bid_amount AS amount,
         bid.src_file AS src_file, bid.src_row AS src_row, {in_scope('Bid', 'bid')} AS visible
  UNION ALL
  WITH n MATCH (other:Complaint)-[:ABOUT]->(n)
  RETURN 'complaint' AS kind, 'subject' AS role, other.date AS date, other,
         coalesce(other.category, '') AS detail, null AS amount,
         other.src_file AS src_file, other.src_row AS src_row, true AS visible
  UNION ALL
  WITH n MATCH (other:Alert)-[e:EVIDENCE]->(n)
  WITH other, collect(DISTINCT coalesce(e.role, 'evidence')) AS roles
  RETURN 'alert' AS kind, reduce(text = head(roles), role IN tail(roles) | text + ';' + role)
         AS role, date(other.first_seen) AS date, other,
         other.rule_id + ' (' + coalesce(other.status, 'new')
           + coalesce(', ' + other.outcome, '') + ')' AS detail,
         other.score AS amount, null AS src_file, null AS src_row,
         {in_scope('Alert', 'other')} AS visible
}}
WITH kind, role, date, other, detail, amount, src_file, src_row, visible
WHERE kind IN $kinds AND (date IS NULL OR ($start <= date AND date <= $end))
  AND (date IS NOT NULL OR $undated)
WITH kind, role, date, other, detail, amount, src_file, src_row, visible
ORDER BY date IS NULL, date, kind, src_file, src_row
WITH collect(CASE WHEN visible THEN {{kind: kind, role: role, date: date, detail: detail,
                                      amount: amount, src_file: src_file, src_row: src_row,
                                      other: elementId(other), other_label: head(labels(other))
                                     }} END) AS events,
     count(CASE WHEN NOT visible THEN 1 END) AS withheld
RETURN size(events) AS total, withheld, events[$skip..$skip + $page_size] AS events
"""


def _event(row: dict, other: dict) -> dict:
    detail = (row["detail"] or "").strip()
    if row["kind"] == "kinship":
        # Said from this entity's side: "spouse" means the counterpart is its spouse.
        detail = relation_through([(row["detail"], row["role"] == "recorded")])[0]
    return {"date": plain(row["date"]), "kind": row["kind"], "role": row["role"],
            "counterpart_label": other.get("label"), "counterpart_key": other.get("key"),
            "counterpart_name": other.get("name"),
            "counterpart_withheld": bool(other.get("withheld")), "detail": detail,
            "amount": plain(row["amount"]), "src_file": row["src_file"],
            "src_row": row["src_row"]}


def entity_timeline(connection, key: str, *, scope: Scope, start: dt.date | str | None = None,
                    end: dt.date | str | None = None, kinds=None, undated: bool = True,
                    page: int = 1, page_size: int = 100) -> dict:
    """One page of the timeline of the entity whose key is ``key`` (any label).

    Parameters
    ----------
    connection : graph.connection.Connection
    key : str
        id_number, credit_code, unit_id, account_no... in any accepted spelling.
    scope : analytics.scope.Scope
        The reader's jurisdiction; the entity must be in it.
    start, end : date or ISO text, optional
        Dated events within these bounds, applied in the query before paging.
    kinds : iterable of str, optional
        Only these kinds of event (``EVENT_KINDS``).
    undated : bool
        Keep undated events (kinship ties, posts without a start date); they come last.
    page, page_size : int
        Which page (from 1) of how many events.

    Returns
    -------
    dict
        ``entity`` (label, key, name), ``events`` (each with ``EVENT_FIELDS``: the date, the
        kind of event, the entity's role in it — buyer, supplier, approved_by, payer,
        payee, recipient… —, the counterpart, a detail, the amount and the source row),
        ``total`` (events in the window, all pages), ``withheld`` (events outside the
        scope, counted only), ``page``, ``page_size``, ``pages``, ``start``, ``end``.

    Raises
    ------
    analytics.queries.EntityNotFound
        When no entity in scope has that key.
    ValueError
        For an unknown kind, a page below 1 or an empty window (start after end).
    """
    kinds = None if kinds is None else list(kinds)
    unknown = sorted(set(kinds or ()) - set(EVENT_KINDS))
    if unknown:
        raise ValueError(f"unknown event kinds {unknown}; choose among {', '.join(EVENT_KINDS)}")
    start, end = as_date(start), as_date(end)
    if start and end and start > end:
        raise ValueError(f"the window starts ({start}) after it ends ({end})")
    if int(page) < 1 or int(page_size) < 1:
        raise ValueError("page and page_size start at 1")
    entity = resolve_entity(connection, key, scope=scope)
    # Bounds and kinds always typed alike (the whole range, every kind, when not given):
    # Neo4j plans a query once per combination of parameter types.
    [found] = connection.read(TIMELINE, element_id=entity["element_id"],
                              start=start or dt.date.min, end=end or dt.date.max,
                              kinds=list(EVENT_KINDS) if kinds is None else kinds,
                              undated=bool(undated),
                              skip=(int(page) - 1) * int(page_size), page_size=int(page_size),
                              **scope.parameters())
    others = counterparts(connection, [(e["other"], e["other_label"]) for e in found["events"]],
                          scope=scope)
    return {
        "entity": {k: entity[k] for k in ("label", "key", "name")},
        "events": [_event(row, others.get(row["other"], {})) for row in found["events"]],
        "total": found["total"], "withheld": found["withheld"], "page": int(page),
        "page_size": int(page_size), "pages": max(1, math.ceil(found["total"] / int(page_size))),
        "start": plain(start), "end": plain(end),
    }
