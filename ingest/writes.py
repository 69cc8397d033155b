"""Cypher that writes each canonical table into the graph model, one ``UNWIND`` per batch.

Every query receives ``$rows``: dicts with ``key`` (the row's identity), ``props`` (typed
values plus provenance), the referenced identifiers, and ``rel_key`` for ties. Nodes that a
row only references are merged as stubs carrying just their key, so a contract may load
before its supplier does; the supplier's own row fills the stub in later.
"""
from __future__ import annotations

# Flag FOREACH idiom: run the inner MERGE only when the referenced identifier is present.
# (FOREACH (_ IN CASE WHEN x IS NULL THEN [] ELSE [1] END | ...))

UPSERT_UNITS = """
UNWIND $rows AS row
MERGE (u:Unit {unit_id: row.key})
SET u += row.props
WITH u, row
OPTIONAL MATCH (u)-[old:PART_OF]->(parent:Unit)
  WHERE parent.unit_id <> coalesce(row.parent_unit_id, '')
DELETE old
WITH u, row
FOREACH (_ IN CASE WHEN row.parent_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (p:Unit {unit_id: row.parent_unit_id})
  MERGE (u)-[r:PART_OF]->(p)
  SET r += row.rel_props)
"""

UPSERT_PERSONS = """
UNWIND $rows AS row
MERGE (p:Person {id_number: row.key})
SET p += row.props
"""

UPSERT_COMPANIES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.key})
SET c += row.props
WITH c, row
OPTIONAL MATCH (:Person)-[old:HOLDS_ROLE {derived: true}]->(c)
  WHERE old.rel_key <> coalesce(row.rel_key, '')
DELETE old
WITH c, row
FOREACH (_ IN CASE WHEN row.legal_rep IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.legal_rep})
  MERGE (p)-[r:HOLDS_ROLE {rel_key: row.rel_key}]->(c)
  SET r += row.rel_props)
"""

UPSERT_POSITIONS = """
UNWIND $rows AS row
MERGE (p:Person {id_number: row.id_number})
MERGE (u:Unit {unit_id: row.unit_id})
MERGE (p)-[r:HOLDS_POSITION {rel_key: row.key}]->(u)
SET r += row.props
"""

UPSERT_KINSHIP = """
UNWIND $rows AS row
MERGE (p:Person {id_number: row.id_number})
MERGE (q:Person {id_number: row.relative_id_number})
SET q += row.relative_props
MERGE (p)-[r:HAS_RELATIVE {rel_key: row.key}]->(q)
SET r += row.props
"""

UPSERT_PERSON_ROLES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.credit_code})
MERGE (h:Person {id_number: row.holder_id_number})
MERGE (h)-[r:HOLDS_ROLE {rel_key: row.key}]->(c)
SET r += row.props
"""

UPSERT_COMPANY_ROLES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.credit_code})
MERGE (h:Company {credit_code: row.holder_credit_code})
MERGE (h)-[r:HOLDS_ROLE {rel_key: row.key}]->(c)
SET r += row.props
"""

# A dated legal_rep row in company_roles replaces the open-ended one derived from
# companies.csv (rules.md: "unless company_roles dates it").
DROP_SUPERSEDED_LEGAL_REPS = """
MATCH (p:Person)-[derived:HOLDS_ROLE {derived: true}]->(c:Company)
WHERE EXISTS {
  MATCH (p)-[dated:HOLDS_ROLE {role: 'legal_rep'}]->(c) WHERE dated.derived IS NULL
}
DELETE derived
"""

UPSERT_CONTRACTS = """
UNWIND $rows AS row
MERGE (k:Contract {contract_id: row.key})
SET k += row.props
WITH k, row
OPTIONAL MATCH (k)-[old:BUYER|SUPPLIER|APPROVED_BY|FOR_TENDER]->()
DELETE old
WITH k, row
FOREACH (_ IN CASE WHEN row.buyer_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.buyer_unit_id}) MERGE (k)-[r:BUYER]->(u) SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.supplier_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (c:Company {credit_code: row.supplier_credit_code})
  MERGE (k)-[r:SUPPLIER]->(c) SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  MERGE (k)-[r:APPROVED_BY]->(p) SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.tender_id IS NULL THEN [] ELSE [1] END |
  MERGE (t:Tender {tender_id: row.tender_id})
  MERGE (k)-[r:FOR_TENDER]->(t) SET r += row.rel_props)
"""

UPSERT_BIDS = """
UNWIND $rows AS row
MERGE (b:Bid {bid_id: row.key})
SET b += row.props
MERGE (t:Tender {tender_id: row.tender_id})
MERGE (c:Company {credit_code: row.bidder_credit_code})
SET c += row.bidder_props
MERGE (b)-[r1:FOR_TENDER]->(t) SET r1 += row.rel_props
MERGE (b)-[r2:BIDDER]->(c) SET r2 += row.rel_props
"""

UPSERT_ACCOUNTS = """
UNWIND $rows AS row
MERGE (a:Account {account_no: row.key})
SET a += row.props
WITH a, row
OPTIONAL MATCH (a)-[old:HELD_BY]->()
DELETE old
WITH a, row
FOREACH (_ IN CASE WHEN row.holder_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (h:Person {id_number: row.holder_id_number}) MERGE (a)-[r:HELD_BY]->(h)
  SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.holder_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (h:Company {credit_code: row.holder_credit_code}) MERGE (a)-[r:HELD_BY]->(h)
  SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.holder_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (h:Unit {unit_id: row.holder_unit_id}) MERGE (a)-[r:HELD_BY]->(h)
  SET r += row.rel_props)
"""

UPSERT_TRANSACTIONS = """
UNWIND $rows AS row
MERGE (t:Transaction {txn_id: row.key})
SET t += row.props
WITH t, row
OPTIONAL MATCH (t)-[old_to:PAID_TO]->()
OPTIONAL MATCH ()-[old_from:PAID]->(t)
DELETE old_to, old_from
WITH t, row
MERGE (a:Account {account_no: row.from_account})
MERGE (b:Account {account_no: row.to_account})
MERGE (a)-[r1:PAID]->(t) SET r1 += row.rel_props
MERGE (t)-[r2:PAID_TO]->(b) SET r2 += row.rel_props
"""

UPSERT_SUBSIDIES = """
UNWIND $rows AS row
MERGE (s:SubsidyPayment {payment_id: row.key})
SET s += row.props
WITH s, row
OPTIONAL MATCH (s)-[old:RECIPIENT|ISSUED_BY|APPROVED_BY|INTO_ACCOUNT]->()
DELETE old
WITH s, row
FOREACH (_ IN CASE WHEN row.recipient_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.recipient_id_number})
  MERGE (s)-[r:RECIPIENT]->(p) SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.unit_id}) MERGE (s)-[r:ISSUED_BY]->(u) SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  MERGE (s)-[r:APPROVED_BY]->(p) SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.account_no IS NULL THEN [] ELSE [1] END |
  MERGE (a:Account {account_no: row.account_no})
  MERGE (s)-[r:INTO_ACCOUNT]->(a) SET r += row.rel_props)
"""

UPSERT_COMPLAINTS = """
UNWIND $rows AS row
MERGE (c:Complaint {complaint_id: row.key})
SET c += row.props
WITH c, row
OPTIONAL MATCH (c)-[old:ABOUT]->()
DELETE old
WITH c, row
FOREACH (_ IN CASE WHEN row.subject_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.subject_id_number}) MERGE (c)-[r:ABOUT]->(p)
  SET r += row.rel_props)
FOREACH (_ IN CASE WHEN row.subject_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.subject_unit_id}) MERGE (c)-[r:ABOUT]->(u)
  SET r += row.rel_props)
"""

# What is stored for a batch's keys: absent keys are new rows (written with the cheaper
# CREATE queries below), equal hashes are unchanged rows (skipped). One record per batch,
# since fetching a record per key costs more than the MERGE itself.
STORED_NODE_HASHES = """
UNWIND $keys AS key
MATCH (n:{label} {{{key}: key}})
RETURN collect([key, n.src_hash]) AS stored
"""

STORED_TIE_HASHES = """
UNWIND $keys AS key
MATCH ()-[r:{rel_type} {{rel_key: key}}]->()
RETURN collect([key, r.src_hash]) AS stored
"""

# Rows whose node does not exist yet: CREATE the node and its relationships outright
# (nothing to match or replace), for the tables with most rows.
CREATE_TRANSACTIONS = """
UNWIND $rows AS row
CREATE (t:Transaction)
SET t = row.props
MERGE (a:Account {account_no: row.from_account})
MERGE (b:Account {account_no: row.to_account})
CREATE (a)-[r1:PAID]->(t) SET r1 = row.rel_props
CREATE (t)-[r2:PAID_TO]->(b) SET r2 = row.rel_props
"""

CREATE_SUBSIDIES = """
UNWIND $rows AS row
CREATE (s:SubsidyPayment)
SET s = row.props
FOREACH (_ IN CASE WHEN row.recipient_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.recipient_id_number})
  CREATE (s)-[r:RECIPIENT]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.unit_id}) CREATE (s)-[r:ISSUED_BY]->(u) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  CREATE (s)-[r:APPROVED_BY]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.account_no IS NULL THEN [] ELSE [1] END |
  MERGE (a:Account {account_no: row.account_no})
  CREATE (s)-[r:INTO_ACCOUNT]->(a) SET r = row.rel_props)
"""

CREATE_CONTRACTS = """
UNWIND $rows AS row
CREATE (k:Contract)
SET k = row.props
FOREACH (_ IN CASE WHEN row.buyer_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.buyer_unit_id}) CREATE (k)-[r:BUYER]->(u) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.supplier_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (c:Company {credit_code: row.supplier_credit_code})
  CREATE (k)-[r:SUPPLIER]->(c) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  CREATE (k)-[r:APPROVED_BY]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.tender_id IS NULL THEN [] ELSE [1] END |
  MERGE (t:Tender {tender_id: row.tender_id})
  CREATE (k)-[r:FOR_TENDER]->(t) SET r = row.rel_props)
"""

# Ties of a dataset that a newer extract no longer has are closed, not deleted.
OPEN_TIES_OF_DATASET = """
MATCH ()-[r:{rel_type}]->()
WHERE r.src_dataset = $dataset AND r.closed_date IS NULL AND r.rel_key IS NOT NULL
  AND r.derived IS NULL
RETURN r.rel_key AS key
"""

CLOSE_TIES = """
UNWIND $keys AS key
MATCH ()-[r:{rel_type} {{rel_key: key}}]->()
SET r.closed_date = $as_of, r.closed_run = $run_id,
    r.end_date = CASE WHEN $dated AND r.end_date IS NULL THEN $as_of ELSE r.end_date END
"""
