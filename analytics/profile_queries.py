"""The Cypher of the integrity profile (analytics.profiles), one query per table.

Every table query is wrapped by ``_table``: its inner query returns one ``row`` map, whether
the row's fact is ``visible`` in the reader's scope, and a ``sort_key``; the wrapper returns
the visible rows in order (at most ``$limit``), how many there are in all (``total``: the
table is cut when it exceeds ``$limit``, and says so) and how many were withheld (a count,
never a name). Counterparts inside a visible row are shown with ``access.shown``: named
when in scope, ``withheld`` when not. Each query takes ``$id_number`` (the stored key),
``$as_of`` (null = no cut-off), ``$limit`` and ``$scope_units``.
"""
from __future__ import annotations

from analytics.access import in_scope, shown
from analytics.queries import valid_at

__all__ = ["PERSON", "POSITIONS", "RELATIVES", "COMPANIES", "CONTRACTS", "PAYMENTS",
           "SUBSIDIES", "ALERTS", "RELATED_ALERTS"]


def _table(inner: str) -> str:
    return f"""
CALL {{
{inner}
}}
WITH row, visible, sort_key ORDER BY sort_key
WITH collect(CASE WHEN visible THEN row END) AS rows,
     count(CASE WHEN NOT visible THEN 1 END) AS withheld
RETURN rows[..$limit] AS rows, size(rows) AS total, withheld
"""


PERSON = f"""
MATCH (p:Person) WHERE p.id_number IN $keys AND {in_scope('Person', 'p')}
RETURN properties(p) AS person
LIMIT 1
"""

# A post is a fact of the person (always shown); a unit outside the scope is withheld.
POSITIONS = _table(f"""
MATCH (:Person {{id_number: $id_number}})-[post:HOLDS_POSITION]->(unit:Unit)
WHERE $as_of IS NULL OR post.start_date IS NULL OR post.start_date <= $as_of
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN {{unit: {shown('unit', 'Unit')}, parent: {shown('parent', 'Unit')},
        title: post.title, rank: post.rank, start_date: post.start_date,
        end_date: post.end_date, duties: post.duties, src_file: post.src_file,
        src_row: post.src_row}} AS row,
       true AS visible, [post.start_date, unit.unit_id] AS sort_key
""")

# Relatives (rules.md, kinship_hops=2): a direct tie either way, or two hops one of which is
# a spouse tie, one row per relative by the shortest tie. Each hop says whether the row was
# recorded from the official's side.
RELATIVES = _table(f"""
MATCH (p:Person {{id_number: $id_number}})
MATCH path = (p)-[ties:HAS_RELATIVE*1..2]-(relative:Person)
WHERE relative <> p AND (size(ties) = 1 OR any(tie IN ties WHERE tie.relation = 'spouse'))
WITH relative, path ORDER BY length(path)
WITH relative, collect(path)[0] AS path
WITH relative, path, relationships(path) AS ties
RETURN {{id_number: relative.id_number, name: relative.name,
        household_id: relative.household_id,
        hops: [i IN range(0, size(ties) - 1) | {{
          relation: ties[i].relation, forward: startNode(ties[i]) = nodes(path)[i],
          via: nodes(path)[i + 1].name, src_file: ties[i].src_file, src_row: ties[i].src_row
        }}]}} AS row,
       {in_scope('Person', 'relative')} AS visible,
       [size(ties), relative.id_number] AS sort_key
""")

# Companies a holder runs or owns, and those owned through up to two more shareholder links.
COMPANIES = _table(f"""
UNWIND $holders AS holder
MATCH (h:Person {{id_number: holder}})-[role:HOLDS_ROLE]->(first:Company)
WHERE $as_of IS NULL OR role.start_date IS NULL OR role.start_date <= $as_of
MATCH chain = (first)-[links:HOLDS_ROLE*0..2]->(company:Company)
WHERE all(link IN links WHERE link.role = 'shareholder')
RETURN {{holder_id_number: h.id_number, holder: {shown('h', 'Person')}, role: role.role,
        share_pct: role.share_pct, start_date: role.start_date, end_date: role.end_date,
        derived: coalesce(role.derived, false), credit_code: company.credit_code,
        company_name: company.name, established_date: company.established_date,
        chain: [n IN nodes(chain) | {shown('n', 'Company')}],
        src_file: role.src_file, src_row: role.src_row}} AS row,
       {in_scope('Company', 'company')} AS visible,
       [holder, company.credit_code, role.start_date] AS sort_key
""")

# Contracts with the given companies, bought by a unit he served or approved by him.
CONTRACTS = _table(f"""
MATCH (p:Person {{id_number: $id_number}})
MATCH (contract:Contract)-[:SUPPLIER]->(company:Company)
WHERE company.credit_code IN $credit_codes
  AND ($as_of IS NULL OR contract.signed_date <= $as_of)
MATCH (contract)-[:BUYER]->(unit:Unit)
OPTIONAL MATCH (contract)-[:APPROVED_BY]->(approver:Person)
OPTIONAL MATCH (p)-[post:HOLDS_POSITION]->(unit)
WITH p, contract, company, unit, approver, collect(post) AS posts
WHERE size(posts) > 0 OR approver = p
RETURN {{contract_id: contract.contract_id, title: contract.title,
        signed_date: contract.signed_date, amount: contract.amount,
        method: contract.method, category: contract.category,
        buyer: {shown('unit', 'Unit')}, supplier: {shown('company', 'Company')},
        supplier_credit_code: company.credit_code, approver: {shown('approver', 'Person')},
        approved_by_him: approver = p,
        during_tenure: any(post IN posts WHERE {valid_at('post', 'contract.signed_date')}),
        src_file: contract.src_file, src_row: contract.src_row}} AS row,
       {in_scope('Contract', 'contract')} AS visible,
       [contract.signed_date, contract.contract_id] AS sort_key
""")

# Transfers into accounts of the given persons; flags payers that supplied a unit where he
# served, or hold (any role) a company that did.
PAYMENTS = _table(f"""
UNWIND $persons AS person
MATCH (payee:Person {{id_number: person}})<-[:HELD_BY]-(to:Account)<-[:PAID_TO]-
      (txn:Transaction)<-[:PAID]-(from:Account)
WHERE $as_of IS NULL OR txn.date <= $as_of
OPTIONAL MATCH (from)-[:HELD_BY]->(payer)
RETURN {{txn_id: txn.txn_id, date: txn.date, amount: txn.amount, memo: txn.memo,
        from_account: {shown('from', 'Account')},
        payer: {shown('payer', ('Person', 'Company', 'Unit'))},
        to_account: {shown('to', 'Account')}, payee_id_number: payee.id_number,
        payee: {shown('payee', 'Person')},
        payer_supplies_units: payer IS NOT NULL AND EXISTS {{
          MATCH (payer)-[:HOLDS_ROLE*0..1]->(:Company)<-[:SUPPLIER]-(:Contract)-[:BUYER]->
                (:Unit)<-[:HOLDS_POSITION]-(:Person {{id_number: $id_number}})
        }},
        src_file: txn.src_file, src_row: txn.src_row}} AS row,
       {in_scope('Transaction', 'txn')} AS visible, [txn.date, txn.txn_id] AS sort_key
""")

# Subsidies paid to the household: the given persons, or anyone under $household_id.
SUBSIDIES = _table(f"""
MATCH (payment:SubsidyPayment)-[:RECIPIENT]->(recipient:Person)
WHERE (recipient.id_number IN $household
       OR ($household_id IS NOT NULL AND recipient.household_id = $household_id))
  AND ($as_of IS NULL OR payment.date <= $as_of)
OPTIONAL MATCH (payment)-[:ISSUED_BY]->(unit:Unit)
OPTIONAL MATCH (payment)-[:APPROVED_BY]->(approver:Person)
OPTIONAL MATCH (payment)-[:INTO_ACCOUNT]->(account:Account)
RETURN {{payment_id: payment.payment_id, program: payment.program, amount: payment.amount,
        date: payment.date, recipient_id_number: recipient.id_number,
        recipient: {shown('recipient', 'Person')},
        household_id: coalesce(payment.household_id, recipient.household_id),
        issuing_unit: {shown('unit', 'Unit')}, approver: {shown('approver', 'Person')},
        account: {shown('account', 'Account')},
        src_file: payment.src_file, src_row: payment.src_row}} AS row,
       {in_scope('SubsidyPayment', 'payment')} AS visible,
       [payment.date, payment.payment_id] AS sort_key
""")

_ALERT_FIELDS = """alert_id: alert.alert_id, rule_id: alert.rule_id, severity: alert.severity,
        score: alert.score, status: alert.status, outcome: alert.outcome,
        outcome_reason: alert.outcome_reason, decided_at: alert.decided_at,
        matching: alert.matching, first_seen: alert.first_seen,
        summary_zh: alert.summary_zh, summary_en: alert.summary_en,
        entity_ids: alert.entity_ids"""

# One row per alert, however many roles the person plays in its evidence.
ALERTS = _table(f"""
MATCH (alert:Alert)-[evidence:EVIDENCE]->(p:Person {{id_number: $id_number}})
WHERE $as_of IS NULL OR alert.first_seen IS NULL OR date(alert.first_seen) <= $as_of
WITH alert, collect(DISTINCT coalesce(evidence.role, '')) AS roles
RETURN {{{_ALERT_FIELDS}, roles: roles}} AS row,
       {in_scope('Alert', 'alert')} AS visible, [alert.first_seen, alert.alert_id] AS sort_key
""")

# Alerts naming a relative or a family company (listed beside the profile, not scored).
RELATED_ALERTS = _table(f"""
MATCH (alert:Alert)-[evidence:EVIDENCE]->(n)
WHERE (n.id_number IN $keys OR n.credit_code IN $keys)
  AND NOT EXISTS {{ (alert)-[:EVIDENCE]->(:Person {{id_number: $id_number}}) }}
  AND ($as_of IS NULL OR alert.first_seen IS NULL OR date(alert.first_seen) <= $as_of)
WITH alert, collect(DISTINCT coalesce(evidence.role, '')) AS roles, collect(n)[0] AS named
RETURN {{{_ALERT_FIELDS}, roles: roles, subject: {shown('named', ('Person', 'Company'))}}} AS row,
       {in_scope('Alert', 'alert')} AS visible, [alert.first_seen, alert.alert_id] AS sort_key
""")
