"""Cypher that writes each canonical table into the graph model, one ``UNWIND`` per batch.

Every query receives ``$rows``: dicts with ``key`` (the row's identity), ``props`` (typed
values plus provenance), the referenced identifiers, and ``rel_props`` (the row's
provenance) for the relationships it writes. A referenced node that does not
exist yet is created as a *stub*: its key, ``stub = true``, ``stub_column`` and the
provenance of the row that named it (``ON CREATE``), so a contract may load before its
supplier, and a mistyped unit code is visibly "known only from contracts.csv row 5". The
node's own row, when it comes, fills the node in and removes the flag.

A row that another source also gives arrives with ``ref_src``: the provenance of the source
whose reference was chosen, per reference column (``ingest.sources``).
"""
from __future__ import annotations

# Flag FOREACH idiom: run the inner MERGE only when the referenced identifier is present.
# (FOREACH (_ IN CASE WHEN x IS NULL THEN [] ELSE [1] END | ...))

UPSERT_UNITS = """
UNWIND $rows AS row
MERGE (u:Unit {unit_id: row.key})
SET u += row.props
REMOVE u.stub, u.stub_column
WITH u, row
OPTIONAL MATCH (u)-[old:PART_OF]->(parent:Unit)
  WHERE parent.unit_id <> coalesce(row.parent_unit_id, '')
DELETE old
WITH u, row
FOREACH (_ IN CASE WHEN row.parent_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (p:Unit {unit_id: row.parent_unit_id})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'parent_unit_id'
  MERGE (u)-[r:PART_OF]->(p)
  SET r += coalesce(row.ref_src.parent_unit_id, row.rel_props))
"""

UPSERT_PERSONS = """
UNWIND $rows AS row
MERGE (p:Person {id_number: row.key})
SET p += row.props
REMOVE p.stub, p.stub_column
"""

# A new person (the table's label had no such node): no lookup, nothing to remove.
CREATE_PERSONS = """
UNWIND $rows AS row
CREATE (p:Person)
SET p = row.props
"""

CREATE_COMPANIES = """
UNWIND $rows AS row
CREATE (c:Company)
SET c = row.props
WITH c, row
FOREACH (_ IN CASE WHEN row.legal_rep IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.legal_rep})
  ON CREATE SET p += row.stub_props, p.stub = true, p.stub_column = 'legal_rep_id_number'
  CREATE (p)-[r:HOLDS_ROLE]->(c) SET r = row.rel_props)
"""

UPSERT_COMPANIES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.key})
SET c += row.props
REMOVE c.stub, c.stub_column
WITH c, row
OPTIONAL MATCH (:Person)-[old:HOLDS_ROLE {derived: true}]->(c)
  WHERE old.rel_key <> coalesce(row.rel_key, '')
DELETE old
WITH c, row
FOREACH (_ IN CASE WHEN row.legal_rep IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.legal_rep})
  ON CREATE SET p += row.stub_props, p.stub = true, p.stub_column = 'legal_rep_id_number'
  MERGE (p)-[r:HOLDS_ROLE {rel_key: row.rel_key}]->(c)
  SET r += row.rel_props)
"""

UPSERT_POSITIONS = """
UNWIND $rows AS row
MERGE (p:Person {id_number: row.id_number})
ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'id_number'
MERGE (u:Unit {unit_id: row.unit_id})
ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'unit_id'
MERGE (p)-[r:HOLDS_POSITION {rel_key: row.key}]->(u)
SET r += row.props
REMOVE r.unreported_since, r.unreported_run
"""

UPSERT_KINSHIP = """
UNWIND $rows AS row
MERGE (p:Person {id_number: row.id_number})
ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'id_number'
MERGE (q:Person {id_number: row.relative_id_number})
ON CREATE SET q += row.rel_props, q.stub = true, q.stub_column = 'relative_id_number'
SET q += row.relative_props
MERGE (p)-[r:HAS_RELATIVE {rel_key: row.key}]->(q)
SET r += row.props
REMOVE r.unreported_since, r.unreported_run
"""

UPSERT_PERSON_ROLES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.credit_code})
ON CREATE SET c += row.rel_props, c.stub = true, c.stub_column = 'credit_code'
MERGE (h:Person {id_number: row.holder_id_number})
ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_id_number'
MERGE (h)-[r:HOLDS_ROLE {rel_key: row.key}]->(c)
SET r += row.props
REMOVE r.unreported_since, r.unreported_run
"""

UPSERT_COMPANY_ROLES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.credit_code})
ON CREATE SET c += row.rel_props, c.stub = true, c.stub_column = 'credit_code'
MERGE (h:Company {credit_code: row.holder_credit_code})
ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_credit_code'
MERGE (h)-[r:HOLDS_ROLE {rel_key: row.key}]->(c)
SET r += row.props
REMOVE r.unreported_since, r.unreported_run
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
  MERGE (u:Unit {unit_id: row.buyer_unit_id})
  ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'buyer_unit_id'
  MERGE (k)-[r:BUYER]->(u) SET r += coalesce(row.ref_src.buyer_unit_id, row.rel_props))
FOREACH (_ IN CASE WHEN row.supplier_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (c:Company {credit_code: row.supplier_credit_code})
  ON CREATE SET c += row.rel_props, c.stub = true, c.stub_column = 'supplier_credit_code'
  MERGE (k)-[r:SUPPLIER]->(c) SET r += coalesce(row.ref_src.supplier_credit_code, row.rel_props))
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'approver_id_number'
  MERGE (k)-[r:APPROVED_BY]->(p) SET r += coalesce(row.ref_src.approver_id_number, row.rel_props))
FOREACH (_ IN CASE WHEN row.tender_id IS NULL THEN [] ELSE [1] END |
  MERGE (t:Tender {tender_id: row.tender_id}) ON CREATE SET t += row.rel_props
  MERGE (k)-[r:FOR_TENDER]->(t) SET r += coalesce(row.ref_src.tender_id, row.rel_props))
"""

UPSERT_BIDS = """
UNWIND $rows AS row
MERGE (b:Bid {bid_id: row.key})
SET b += row.props
MERGE (t:Tender {tender_id: row.tender_id})
ON CREATE SET t += row.rel_props
MERGE (c:Company {credit_code: row.bidder_credit_code})
ON CREATE SET c += row.rel_props, c.stub = true, c.stub_column = 'bidder_credit_code'
SET c += row.bidder_props
MERGE (b)-[r1:FOR_TENDER]->(t) SET r1 += row.rel_props
MERGE (b)-[r2:BIDDER]->(c) SET r2 += row.rel_props
"""

CREATE_BIDS = """
UNWIND $rows AS row
CREATE (b:Bid)
SET b = row.props, b.bid_id = row.key
MERGE (t:Tender {tender_id: row.tender_id})
ON CREATE SET t += row.rel_props
MERGE (c:Company {credit_code: row.bidder_credit_code})
ON CREATE SET c += row.rel_props, c.stub = true, c.stub_column = 'bidder_credit_code'
SET c += row.bidder_props
CREATE (b)-[r1:FOR_TENDER]->(t) SET r1 = row.rel_props
CREATE (b)-[r2:BIDDER]->(c) SET r2 = row.rel_props
"""

UPSERT_ACCOUNTS = """
UNWIND $rows AS row
MERGE (a:Account {account_no: row.key})
SET a += row.props
REMOVE a.stub, a.stub_column
WITH a, row
OPTIONAL MATCH (a)-[old:HELD_BY]->()
DELETE old
WITH a, row
FOREACH (_ IN CASE WHEN row.holder_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (h:Person {id_number: row.holder_id_number})
  ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_id_number'
  MERGE (a)-[r:HELD_BY]->(h) SET r += coalesce(row.ref_src.holder_id_number, row.rel_props))
FOREACH (_ IN CASE WHEN row.holder_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (h:Company {credit_code: row.holder_credit_code})
  ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_credit_code'
  MERGE (a)-[r:HELD_BY]->(h) SET r += coalesce(row.ref_src.holder_credit_code, row.rel_props))
FOREACH (_ IN CASE WHEN row.holder_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (h:Unit {unit_id: row.holder_unit_id})
  ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_unit_id'
  MERGE (a)-[r:HELD_BY]->(h) SET r += coalesce(row.ref_src.holder_unit_id, row.rel_props))
"""

CREATE_ACCOUNTS = """
UNWIND $rows AS row
CREATE (a:Account)
SET a = row.props
FOREACH (_ IN CASE WHEN row.holder_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (h:Person {id_number: row.holder_id_number})
  ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_id_number'
  CREATE (a)-[r:HELD_BY]->(h) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.holder_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (h:Company {credit_code: row.holder_credit_code})
  ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_credit_code'
  CREATE (a)-[r:HELD_BY]->(h) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.holder_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (h:Unit {unit_id: row.holder_unit_id})
  ON CREATE SET h += row.rel_props, h.stub = true, h.stub_column = 'holder_unit_id'
  CREATE (a)-[r:HELD_BY]->(h) SET r = row.rel_props)
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
ON CREATE SET a += row.rel_props, a.stub = true, a.stub_column = 'from_account'
MERGE (b:Account {account_no: row.to_account})
ON CREATE SET b += row.rel_props, b.stub = true, b.stub_column = 'to_account'
MERGE (a)-[r1:PAID]->(t) SET r1 += coalesce(row.ref_src.from_account, row.rel_props)
MERGE (t)-[r2:PAID_TO]->(b) SET r2 += coalesce(row.ref_src.to_account, row.rel_props)
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
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'recipient_id_number'
  MERGE (s)-[r:RECIPIENT]->(p)
  SET r += coalesce(row.ref_src.recipient_id_number, row.rel_props))
FOREACH (_ IN CASE WHEN row.unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.unit_id})
  ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'unit_id'
  MERGE (s)-[r:ISSUED_BY]->(u) SET r += coalesce(row.ref_src.unit_id, row.rel_props))
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'approver_id_number'
  MERGE (s)-[r:APPROVED_BY]->(p)
  SET r += coalesce(row.ref_src.approver_id_number, row.rel_props))
FOREACH (_ IN CASE WHEN row.account_no IS NULL THEN [] ELSE [1] END |
  MERGE (a:Account {account_no: row.account_no})
  ON CREATE SET a += row.rel_props, a.stub = true, a.stub_column = 'account_no'
  MERGE (s)-[r:INTO_ACCOUNT]->(a) SET r += coalesce(row.ref_src.account_no, row.rel_props))
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
  MERGE (p:Person {id_number: row.subject_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'subject_id_number'
  MERGE (c)-[r:ABOUT]->(p) SET r += coalesce(row.ref_src.subject_id_number, row.rel_props))
FOREACH (_ IN CASE WHEN row.subject_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.subject_unit_id})
  ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'subject_unit_id'
  MERGE (c)-[r:ABOUT]->(u) SET r += coalesce(row.ref_src.subject_unit_id, row.rel_props))
"""

CREATE_COMPLAINTS = """
UNWIND $rows AS row
CREATE (c:Complaint)
SET c = row.props
FOREACH (_ IN CASE WHEN row.subject_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.subject_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'subject_id_number'
  CREATE (c)-[r:ABOUT]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.subject_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.subject_unit_id})
  ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'subject_unit_id'
  CREATE (c)-[r:ABOUT]->(u) SET r = row.rel_props)
"""

# What is stored for a batch's keys, one record per batch (a record per key costs more than
# the MERGE itself): [key, hash, dataset, stub, several sources, this dataset's claim hash].
# Absent keys are new rows (the cheaper CREATE queries below); a row is unchanged when the
# hash its dataset last wrote is its own. A tie no longer reported counts as changed, so a
# newer extract that reports it again clears the mark.
STORED_NODE_HASHES = """
UNWIND $keys AS key
MATCH (n:{label} {{{key}: key}})
OPTIONAL MATCH (c:Claim {{claim_id: $claim_prefix + key + '|' + $dataset}})
RETURN collect([key, n.src_hash, n.src_dataset, n.stub, n.src_sources, c.src_hash]) AS stored
"""

STORED_TIE_HASHES = """
UNWIND $keys AS key
MATCH ()-[r:{rel_type} {{rel_key: key}}]->()
OPTIONAL MATCH (c:Claim {{claim_id: $claim_prefix + key + '|' + $dataset}})
RETURN collect([key, CASE WHEN r.unreported_since IS NULL THEN r.src_hash END, r.src_dataset,
                null, r.src_sources,
                CASE WHEN c.unreported_since IS NULL THEN c.src_hash END]) AS stored
"""

# Rows whose node does not exist yet: CREATE the node and its relationships outright
# (nothing to match or replace); the uniqueness constraint refuses a key stored meanwhile.
CREATE_TRANSACTIONS = """
UNWIND $rows AS row
CREATE (t:Transaction)
SET t = row.props
MERGE (a:Account {account_no: row.from_account})
ON CREATE SET a += row.rel_props, a.stub = true, a.stub_column = 'from_account'
MERGE (b:Account {account_no: row.to_account})
ON CREATE SET b += row.rel_props, b.stub = true, b.stub_column = 'to_account'
CREATE (a)-[r1:PAID]->(t) SET r1 = row.rel_props
CREATE (t)-[r2:PAID_TO]->(b) SET r2 = row.rel_props
"""

CREATE_SUBSIDIES = """
UNWIND $rows AS row
CREATE (s:SubsidyPayment)
SET s = row.props
FOREACH (_ IN CASE WHEN row.recipient_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.recipient_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'recipient_id_number'
  CREATE (s)-[r:RECIPIENT]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.unit_id})
  ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'unit_id'
  CREATE (s)-[r:ISSUED_BY]->(u) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'approver_id_number'
  CREATE (s)-[r:APPROVED_BY]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.account_no IS NULL THEN [] ELSE [1] END |
  MERGE (a:Account {account_no: row.account_no})
  ON CREATE SET a += row.rel_props, a.stub = true, a.stub_column = 'account_no'
  CREATE (s)-[r:INTO_ACCOUNT]->(a) SET r = row.rel_props)
"""

CREATE_CONTRACTS = """
UNWIND $rows AS row
CREATE (k:Contract)
SET k = row.props
FOREACH (_ IN CASE WHEN row.buyer_unit_id IS NULL THEN [] ELSE [1] END |
  MERGE (u:Unit {unit_id: row.buyer_unit_id})
  ON CREATE SET u += row.rel_props, u.stub = true, u.stub_column = 'buyer_unit_id'
  CREATE (k)-[r:BUYER]->(u) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.supplier_credit_code IS NULL THEN [] ELSE [1] END |
  MERGE (c:Company {credit_code: row.supplier_credit_code})
  ON CREATE SET c += row.rel_props, c.stub = true, c.stub_column = 'supplier_credit_code'
  CREATE (k)-[r:SUPPLIER]->(c) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.approver_id_number IS NULL THEN [] ELSE [1] END |
  MERGE (p:Person {id_number: row.approver_id_number})
  ON CREATE SET p += row.rel_props, p.stub = true, p.stub_column = 'approver_id_number'
  CREATE (k)-[r:APPROVED_BY]->(p) SET r = row.rel_props)
FOREACH (_ IN CASE WHEN row.tender_id IS NULL THEN [] ELSE [1] END |
  MERGE (t:Tender {tender_id: row.tender_id}) ON CREATE SET t += row.rel_props
  CREATE (k)-[r:FOR_TENDER]->(t) SET r = row.rel_props)
"""

# Ties of a dataset that a newer extract no longer has are marked, never closed with a date
# no source gave and never deleted: ``unreported_since`` is the extract's date. A tie that
# several sources give is marked only when none of them reports it any longer.
REPORTED_TIES_OF_DATASET = """
MATCH ()-[r:{rel_type}]->()
WHERE r.src_dataset = $dataset AND r.src_sources IS NULL AND r.unreported_since IS NULL
  AND r.rel_key IS NOT NULL AND r.derived IS NULL
RETURN r.rel_key AS key
UNION
MATCH (c:Claim)
WHERE c.src_dataset = $dataset AND c.subject = $subject AND c.unreported_since IS NULL
RETURN c.subject_key AS key
"""

MARK_UNREPORTED_TIES = """
UNWIND $keys AS key
MATCH ()-[r:{rel_type} {{rel_key: key}}]->()
OPTIONAL MATCH (mine:Claim {{claim_id: $claim_prefix + key + '|' + $dataset}})
SET mine.unreported_since = $as_of, mine.unreported_run = $run_id
WITH r, key
OPTIONAL MATCH (c:Claim {{subject: $subject, subject_key: key}})
WITH r, collect(c) AS claims
WHERE all(c IN claims WHERE c.unreported_since IS NOT NULL)
SET r.unreported_since = coalesce(reduce(latest = null, c IN claims |
                          CASE WHEN latest IS NULL OR c.unreported_since > latest
                               THEN c.unreported_since ELSE latest END), $as_of),
    r.unreported_run = $run_id
"""

# Stubs a dataset's rows created and that no table has defined since: report lines.
STUBS_OF_DATASET = """
MATCH (n:{label} {{stub: true}})
WHERE n.src_dataset = $dataset
RETURN n.`{key}` AS key, n.src_file AS file, n.src_row AS row, n.stub_column AS column,
       COUNT {{ (n)-[r]-() WHERE r.src_dataset = $dataset }} AS references
ORDER BY file, row
"""
