"""What the exploration modules share: finding an entity by its key, and plain values.

Investigators type identifiers, not labels: ``11010519800101001X`` is a person, an
18-character code starting ``91`` a company, ``HT-2023-001`` a contract. ``resolve_entity``
tries every entity label's key (each backed by a unique constraint, so this is a handful of
index look-ups). Values coming back from the driver (``neo4j.time.Date``) are turned into
the standard library's so that pandas and the web layer see ordinary dates.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from graph.errors import LianjianError

__all__ = [
    "ENTITY_KEYS",
    "CAPTIONS",
    "as_date",
    "PROVENANCE_KEYS",
    "RESOLVE_ENTITY",
    "EntityNotFound",
    "candidate_keys",
    "native",
    "node_summary",
    "resolve_entity",
]

# Entity label -> key property, as in graph/model/*.yaml (tests check they agree).
ENTITY_KEYS = {
    "Person": "id_number",
    "Company": "credit_code",
    "Unit": "unit_id",
    "Contract": "contract_id",
    "Tender": "tender_id",
    "Bid": "bid_id",
    "Account": "account_no",
    "Transaction": "txn_id",
    "SubsidyPayment": "payment_id",
    "Complaint": "complaint_id",
    "Alert": "alert_id",
}

# Property shown as an entity's name (the model's caption).
CAPTIONS = {
    "Person": "name", "Company": "name", "Unit": "name", "Contract": "title",
    "Tender": "tender_id", "Bid": "bid_id", "Account": "account_no", "Transaction": "txn_id",
    "SubsidyPayment": "program", "Complaint": "category", "Alert": "rule_id",
}

PROVENANCE_KEYS = ("src_dataset", "src_file", "src_row")

# Each branch is a unique-index seek; $keys holds the typed key and its normalised forms.
RESOLVE_ENTITY = """
CALL {
  MATCH (n:Person) WHERE n.id_number IN $keys RETURN n
  UNION MATCH (n:Company) WHERE n.credit_code IN $keys RETURN n
  UNION MATCH (n:Unit) WHERE n.unit_id IN $keys RETURN n
  UNION MATCH (n:Contract) WHERE n.contract_id IN $keys RETURN n
  UNION MATCH (n:Tender) WHERE n.tender_id IN $keys RETURN n
  UNION MATCH (n:Bid) WHERE n.bid_id IN $keys RETURN n
  UNION MATCH (n:Account) WHERE n.account_no IN $keys RETURN n
  UNION MATCH (n:Transaction) WHERE n.txn_id IN $keys RETURN n
  UNION MATCH (n:SubsidyPayment) WHERE n.payment_id IN $keys RETURN n
  UNION MATCH (n:Complaint) WHERE n.complaint_id IN $keys RETURN n
  UNION MATCH (n:Alert) WHERE n.alert_id IN $keys RETURN n
}
RETURN elementId(n) AS element_id, labels(n) AS labels, properties(n) AS properties
LIMIT 10
"""


class EntityNotFound(LianjianError):
    """No entity has the identifier an investigator typed."""


def candidate_keys(key: str) -> list[str]:
    """The forms an identifier may be stored under (the importer's normalisation).

    >>> candidate_keys(" 1101-0519 800101001x ")
    ['1101-0519 800101001x', '1101-0519 800101001X', '11010519800101001X']
    """
    typed = str(key).strip()
    upper = typed.upper()
    compact = upper.replace(" ", "").replace("-", "")
    translated = compact.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)})
    return list(dict.fromkeys([typed, upper, compact, translated]))


def native(value: Any) -> Any:
    """A driver value as a plain Python one (Neo4j dates and datetimes to ``datetime``).

    >>> native([1, {"a": "b"}])
    [1, {'a': 'b'}]
    """
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [native(item) for item in value]
    if isinstance(value, dict):
        return {name: native(item) for name, item in value.items()}
    return value


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime or ISO string (None stays None).

    >>> as_date("2023-05-01"), as_date(dt.datetime(2023, 5, 1, 8, 30))
    (datetime.date(2023, 5, 1), datetime.date(2023, 5, 1))
    """
    value = native(value)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def node_summary(labels: list[str], properties: dict, element_id: str | None = None) -> dict:
    """Label, key, name and provenance of a node, as shown in paths and timelines.

    >>> node_summary(["Person"], {"id_number": "X1", "name": "张三", "src_file": "persons.csv",
    ...                           "src_row": 2})["name"]
    '张三'
    """
    label = next((name for name in labels if name in ENTITY_KEYS), labels[0] if labels else "")
    key_property = ENTITY_KEYS.get(label, "")
    properties = native(properties)
    summary = {
        "label": label,
        "key_property": key_property,
        "key": properties.get(key_property),
        "name": properties.get(CAPTIONS.get(label, key_property)),
        "provenance": {name: properties.get(name) for name in PROVENANCE_KEYS},
    }
    if element_id is not None:
        summary["element_id"] = element_id
    return summary


def resolve_entity(connection, key: str) -> dict:
    """Find the entity whose key is ``key``, whatever its label.

    Returns the node summary (see ``node_summary``) with its ``element_id``.

    Raises
    ------
    EntityNotFound
        When no entity has that key.
    """
    rows = connection.read(RESOLVE_ENTITY, keys=candidate_keys(key))
    if not rows:
        raise EntityNotFound(
            f"no person, company, unit, contract, account or other entity has the identifier "
            f"{key!r}: check it, or load the dataset that holds it (`lianjian load`)")
    row = rows[0]
    return node_summary(row["labels"], row["properties"], row["element_id"])


# -- integrity profile (analytics.profiles) ------------------------------------------------
# Every query takes $id_number, $as_of (null = no cut-off) and $limit.

PERSON = """
MATCH (p:Person {id_number: $id_number})
RETURN properties(p) AS person
"""

POSITION_COLUMNS = ("unit_id", "unit_name", "parent_unit_name", "title", "rank", "start_date",
                    "end_date", "duties", "src_file", "src_row")
POSITIONS = """
MATCH (:Person {id_number: $id_number})-[post:HOLDS_POSITION]->(unit:Unit)
WHERE $as_of IS NULL OR post.start_date IS NULL OR post.start_date <= $as_of
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN unit.unit_id AS unit_id, unit.name AS unit_name, parent.name AS parent_unit_name,
       post.title AS title, post.rank AS rank, post.start_date AS start_date,
       post.end_date AS end_date, post.duties AS duties,
       post.src_file AS src_file, post.src_row AS src_row
ORDER BY start_date
LIMIT $limit
"""

FAMILY_COLUMNS = ("id_number", "name", "relation", "relation_zh", "degree", "via",
                  "household_id", "src_file", "src_row")
# Relatives (rules.md, kinship_hops=2): a direct tie either way, or two hops one of which is
# a spouse tie. Each hop says whether the row was recorded from the official's side.
RELATIVES = """
MATCH (p:Person {id_number: $id_number})
MATCH path = (p)-[ties:HAS_RELATIVE*1..2]-(relative:Person)
WHERE relative <> p AND (size(ties) = 1 OR any(tie IN ties WHERE tie.relation = 'spouse'))
RETURN relative.id_number AS id_number, relative.name AS name,
       relative.household_id AS household_id,
       [i IN range(0, size(ties) - 1) | {
          relation: ties[i].relation, forward: startNode(ties[i]) = nodes(path)[i],
          via: nodes(path)[i + 1].name, src_file: ties[i].src_file, src_row: ties[i].src_row
       }] AS hops
LIMIT $limit
"""

COMPANY_COLUMNS = ("holder_id_number", "holder_name", "role", "share_pct", "start_date",
                   "end_date", "derived", "credit_code", "company_name", "established_date",
                   "chain", "src_file", "src_row")
# Companies a holder runs or owns, and those owned through up to two more shareholder links.
COMPANIES = """
UNWIND $holders AS holder
MATCH (h:Person {id_number: holder})-[role:HOLDS_ROLE]->(first:Company)
WHERE $as_of IS NULL OR role.start_date IS NULL OR role.start_date <= $as_of
MATCH chain = (first)-[links:HOLDS_ROLE*0..2]->(company:Company)
WHERE all(link IN links WHERE link.role = 'shareholder')
RETURN h.id_number AS holder_id_number, h.name AS holder_name, role.role AS role,
       role.share_pct AS share_pct, role.start_date AS start_date, role.end_date AS end_date,
       coalesce(role.derived, false) AS derived, company.credit_code AS credit_code,
       company.name AS company_name, company.established_date AS established_date,
       [n IN nodes(chain) | n.name] AS chain, role.src_file AS src_file, role.src_row AS src_row
LIMIT $limit
"""

CONTRACT_COLUMNS = ("contract_id", "title", "signed_date", "amount", "method", "category",
                    "buyer_unit_id", "buyer_name", "supplier_credit_code", "supplier_name",
                    "approver_id_number", "approved_by_him", "during_tenure", "src_file",
                    "src_row")
# Contracts with the given companies, bought by a unit he served or approved by him.
CONTRACTS = """
MATCH (p:Person {id_number: $id_number})
MATCH (contract:Contract)-[:SUPPLIER]->(company:Company)
WHERE company.credit_code IN $credit_codes
  AND ($as_of IS NULL OR contract.signed_date <= $as_of)
MATCH (contract)-[:BUYER]->(unit:Unit)
OPTIONAL MATCH (contract)-[:APPROVED_BY]->(approver:Person)
OPTIONAL MATCH (p)-[post:HOLDS_POSITION]->(unit)
WITH p, contract, company, unit, approver, collect(post) AS posts
WHERE size(posts) > 0 OR approver = p
RETURN contract.contract_id AS contract_id, contract.title AS title,
       contract.signed_date AS signed_date, contract.amount AS amount,
       contract.method AS method, contract.category AS category,
       unit.unit_id AS buyer_unit_id, unit.name AS buyer_name,
       company.credit_code AS supplier_credit_code, company.name AS supplier_name,
       approver.id_number AS approver_id_number, approver = p AS approved_by_him,
       any(post IN posts WHERE (post.start_date IS NULL OR post.start_date <= contract.signed_date)
           AND (post.end_date IS NULL OR contract.signed_date <= post.end_date)) AS during_tenure,
       contract.src_file AS src_file, contract.src_row AS src_row
ORDER BY signed_date
LIMIT $limit
"""

PAYMENT_COLUMNS = ("txn_id", "date", "amount", "memo", "from_account", "payer_label",
                   "payer_key", "payer_name", "to_account", "payee_id_number", "payee_name",
                   "payer_supplies_units", "src_file", "src_row")
# Transfers into accounts of the given persons; flags payers that supplied a unit where he
# served, or hold (any role) a company that did.
PAYMENTS = """
UNWIND $persons AS person
MATCH (payee:Person {id_number: person})<-[:HELD_BY]-(to:Account)<-[:PAID_TO]-(txn:Transaction)
      <-[:PAID]-(from:Account)
WHERE $as_of IS NULL OR txn.date <= $as_of
OPTIONAL MATCH (from)-[:HELD_BY]->(payer)
RETURN txn.txn_id AS txn_id, txn.date AS date, txn.amount AS amount, txn.memo AS memo,
       from.account_no AS from_account, head(labels(payer)) AS payer_label,
       coalesce(payer.id_number, payer.credit_code, payer.unit_id) AS payer_key,
       payer.name AS payer_name, to.account_no AS to_account,
       payee.id_number AS payee_id_number, payee.name AS payee_name,
       payer IS NOT NULL AND EXISTS {
         MATCH (payer)-[:HOLDS_ROLE*0..1]->(:Company)<-[:SUPPLIER]-(:Contract)-[:BUYER]->(:Unit)
               <-[:HOLDS_POSITION]-(:Person {id_number: $id_number})
       } AS payer_supplies_units,
       txn.src_file AS src_file, txn.src_row AS src_row
ORDER BY date
LIMIT $limit
"""

SUBSIDY_COLUMNS = ("payment_id", "program", "amount", "date", "recipient_id_number",
                   "recipient_name", "household_id", "issuing_unit", "approver_id_number",
                   "approver_name", "account_no", "src_file", "src_row")
# Subsidies paid to the household: the given persons, or anyone under $household_id.
SUBSIDIES = """
MATCH (payment:SubsidyPayment)-[:RECIPIENT]->(recipient:Person)
WHERE (recipient.id_number IN $household
       OR ($household_id IS NOT NULL AND recipient.household_id = $household_id))
  AND ($as_of IS NULL OR payment.date <= $as_of)
OPTIONAL MATCH (payment)-[:ISSUED_BY]->(unit:Unit)
OPTIONAL MATCH (payment)-[:APPROVED_BY]->(approver:Person)
RETURN payment.payment_id AS payment_id, payment.program AS program,
       payment.amount AS amount, payment.date AS date,
       recipient.id_number AS recipient_id_number, recipient.name AS recipient_name,
       coalesce(payment.household_id, recipient.household_id) AS household_id,
       unit.name AS issuing_unit, approver.id_number AS approver_id_number,
       approver.name AS approver_name, payment.account_no AS account_no,
       payment.src_file AS src_file, payment.src_row AS src_row
ORDER BY date
LIMIT $limit
"""

ALERT_COLUMNS = ("alert_id", "rule_id", "severity", "score", "status", "matching",
                 "first_seen", "summary_zh", "summary_en", "role", "subject", "entity_ids")
# One row per alert, however many roles the person plays in its evidence.
ALERTS = """
MATCH (alert:Alert)-[evidence:EVIDENCE]->(p:Person {id_number: $id_number})
WHERE $as_of IS NULL OR alert.first_seen IS NULL OR date(alert.first_seen) <= $as_of
WITH alert, p, collect(DISTINCT evidence.role) AS roles
RETURN alert.alert_id AS alert_id, alert.rule_id AS rule_id, alert.severity AS severity,
       alert.score AS score, alert.status AS status, alert.matching AS matching,
       alert.first_seen AS first_seen, alert.summary_zh AS summary_zh,
       alert.summary_en AS summary_en, reduce(text = '', role IN roles |
         text + CASE WHEN text = '' THEN '' ELSE ';' END + coalesce(role, '')) AS role,
       p.name AS subject,
       alert.entity_ids AS entity_ids
ORDER BY first_seen
LIMIT $limit
"""

# Alerts naming a relative or a family company (listed beside the profile, not scored).
RELATED_ALERTS = """
MATCH (alert:Alert)-[evidence:EVIDENCE]->(n)
WHERE (n.id_number IN $keys OR n.credit_code IN $keys)
  AND ($as_of IS NULL OR alert.first_seen IS NULL OR date(alert.first_seen) <= $as_of)
WITH alert, collect(evidence.role)[0] AS role, collect(coalesce(n.name, ''))[0] AS subject
RETURN alert.alert_id AS alert_id, alert.rule_id AS rule_id, alert.severity AS severity,
       alert.score AS score, alert.status AS status, alert.matching AS matching,
       alert.first_seen AS first_seen, alert.summary_zh AS summary_zh,
       alert.summary_en AS summary_en, role, subject, alert.entity_ids AS entity_ids
ORDER BY first_seen
LIMIT $limit
"""
