"""The Cypher of unit and region portraits (analytics.portraits): aggregates over all rows.

Every figure of a portrait is counted or summed inside Neo4j over every contract, post and
alert of the units (no row limit): what comes back is one row per unit, per method, per
supplier, per rule and status, per month. Units come from ``$unit_ids`` (the portrait's
units, all in the reader's scope); alerts are further filtered by the scope.
"""
from __future__ import annotations

from analytics.access import in_scope

__all__ = ["UNIT_TREE", "REGION_UNITS", "OWN_CONTRACTS", "ROLLED_OFFICIALS", "ALERT_FIGURES",
           "ROLLED_ALERTS", "OFFICIALS", "TOP_RISKS", "METHODS", "SUPPLIERS", "MAX_DEPTH"]

MAX_DEPTH = 12  # levels of PART_OF followed below a unit (as analytics.scope does)

_UNIT_ROW = """unit.unit_id AS unit_id, unit.name AS name, unit.level AS level,
       unit.kind AS kind, unit.region_code AS region_code, parent.unit_id AS parent_unit_id"""

# The unit and (optionally) every unit below it, each in scope.
UNIT_TREE = f"""
MATCH (root:Unit {{unit_id: $unit_id}}) WHERE {in_scope('Unit', 'root')}
OPTIONAL MATCH (sub:Unit)-[:PART_OF*1..{MAX_DEPTH}]->(root) WHERE $include_subunits
WITH root, collect(DISTINCT sub) AS subs
UNWIND [root] + subs AS unit
WITH DISTINCT unit WHERE {in_scope('Unit', 'unit')}
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN {_UNIT_ROW}
"""

# Units coded under a region, and their subunits (villages often carry no code of their
# own), each in scope.
REGION_UNITS = f"""
MATCH (top:Unit) WHERE top.region_code STARTS WITH $prefix
OPTIONAL MATCH (sub:Unit)-[:PART_OF*1..{MAX_DEPTH}]->(top)
WITH collect(DISTINCT top) + collect(DISTINCT sub) AS units
UNWIND units AS unit
WITH DISTINCT unit WHERE {in_scope('Unit', 'unit')}
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN {_UNIT_ROW}
"""

# Contracts each unit bought itself: count, summed amount, how many carry no amount.
OWN_CONTRACTS = """
MATCH (contract:Contract)-[:BUYER]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
RETURN unit.unit_id AS unit_id, count(contract) AS contracts,
       sum(coalesce(contract.amount, 0.0)) AS amount,
       count(contract) - count(contract.amount) AS without_amount
"""

# Distinct officials who held a post in each unit's subtree (a person counts once above).
ROLLED_OFFICIALS = f"""
MATCH (person:Person)-[:HOLDS_POSITION]->(post:Unit) WHERE post.unit_id IN $unit_ids
MATCH (post)-[:PART_OF*0..{MAX_DEPTH}]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
RETURN unit.unit_id AS unit_id, count(DISTINCT person) AS officials
"""

OFFICIALS = """
MATCH (person:Person)-[:HOLDS_POSITION]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
RETURN count(DISTINCT person) AS officials
"""

# Alerts about the units: naming a unit, a contract it bought, a subsidy it issued, or
# (for alerts naming no unit) one of its officials; each alert in the reader's scope.
_ATTRIBUTED = f"""
MATCH (unit:Unit) WHERE unit.unit_id IN $unit_ids
CALL {{
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(unit) RETURN alert
  UNION
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(:Contract)-[:BUYER]->(unit) RETURN alert
  UNION
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(:SubsidyPayment)-[:ISSUED_BY]->(unit) RETURN alert
  UNION
  WITH unit MATCH (alert:Alert)-[:EVIDENCE]->(:Person)-[:HOLDS_POSITION]->(unit)
  WHERE NOT EXISTS {{ (alert)-[:EVIDENCE]->(:Unit) }} RETURN alert
}}
WITH unit, alert WHERE {in_scope('Alert', 'alert')}
"""

# Distinct alerts of each unit's subtree.
ROLLED_ALERTS = _ATTRIBUTED + f"""
MATCH (unit)-[:PART_OF*0..{MAX_DEPTH}]->(above:Unit) WHERE above.unit_id IN $unit_ids
RETURN above.unit_id AS unit_id, count(DISTINCT alert) AS alerts
"""

# One row per (rule, status, outcome, month first seen, month of the evidence): the
# portrait's alert tables and trend are sums over these rows.
ALERT_FIGURES = _ATTRIBUTED + """
WITH DISTINCT alert
OPTIONAL MATCH (alert)-[:EVIDENCE]->(fact)
WHERE fact:Contract OR fact:Transaction OR fact:SubsidyPayment
WITH alert, min(coalesce(fact.signed_date, fact.date)) AS evidence_date
RETURN alert.rule_id AS rule_id, coalesce(alert.status, 'new') AS status,
       alert.outcome AS outcome,
       substring(toString(date(alert.first_seen)), 0, 7) AS first_month,
       substring(toString(evidence_date), 0, 7) AS evidence_month, count(*) AS alerts
"""

# Officials of the units named by alerts in scope, with those alerts (officials whom no
# alert names carry no risk points and are counted, not listed).
TOP_RISKS = f"""
MATCH (person:Person)-[post:HOLDS_POSITION]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
WITH person, collect(post {{unit_id: unit.unit_id, unit_name: unit.name, .title,
                           .start_date, .end_date}}) AS posts
MATCH (alert:Alert)-[:EVIDENCE]->(person) WHERE {in_scope('Alert', 'alert')}
RETURN person.id_number AS id_number, person.name AS name, posts,
       collect(DISTINCT alert {{.alert_id, .rule_id, .severity, .score, .status, .outcome,
                              .matching}}) AS alerts
"""

METHODS = """
MATCH (contract:Contract)-[:BUYER]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
RETURN coalesce(contract.method, 'unknown') AS method, count(contract) AS count,
       sum(coalesce(contract.amount, 0.0)) AS amount,
       count(contract) - count(contract.amount) AS without_amount
"""

# Every supplier of the units with its contracts and amount (suppliers of the units' own
# contracts are in scope by definition); contracts without a supplier in one row of nulls.
SUPPLIERS = """
MATCH (contract:Contract)-[:BUYER]->(unit:Unit) WHERE unit.unit_id IN $unit_ids
OPTIONAL MATCH (contract)-[:SUPPLIER]->(supplier:Company)
RETURN supplier.credit_code AS credit_code, supplier.name AS name,
       count(contract) AS contracts, sum(coalesce(contract.amount, 0.0)) AS amount
"""
