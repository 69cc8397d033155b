"""村级"三务"公开: what a village's or township's public page may show, and nothing more.

The public page of a unit lists the benefit payments it (or a unit below it) issued and
the contracts it (or a unit below it) signed: who received which programme, what was
bought from whom, for how much. Personal data is masked *before it leaves this module*:

- identity numbers, account numbers, household numbers, phones and addresses are never
  read by the queries here (``NEVER_PUBLIC``; configuring one of them is an error);
- a person's name is shown as ``张*明`` (``mask_name``);
- only the columns the configuration allows (``Settings.public_fields``) are returned.

Companies are legal persons: their names are shown as registered. Units have a page only
when their level is one of ``Settings.public_unit_levels`` (township and village by
default); any other code reads like a unit that does not exist.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.days import local_today
from analytics.plain import native
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["PUBLIC_FIELDS", "NEVER_PUBLIC", "mask_name", "check_public_fields",
           "public_units", "public_unit", "disclosure"]

# The columns a public page can have, per table; the configuration picks among them.
PUBLIC_FIELDS = {
    "subsidies": ("program", "recipient", "amount", "date", "issuer"),
    "contracts": ("title", "category", "supplier", "amount", "method", "signed_date",
                  "buyer"),
}
# Never on a public page, whatever the configuration says.
NEVER_PUBLIC = frozenset({"id_number", "recipient_id_number", "approver_id_number",
                          "account_no", "household_id", "phone", "address", "approver",
                          "credit_code", "supplier_credit_code", "payment_id",
                          "contract_id"})

PUBLIC_UNITS = """
MATCH (unit:Unit) WHERE unit.level IN $levels
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN unit.unit_id AS unit_id, unit.name AS name, unit.level AS level,
       parent.unit_id AS parent_id, parent.name AS parent_name
ORDER BY parent.unit_id, unit.level, unit.unit_id
"""

PUBLIC_UNIT = """
MATCH (unit:Unit {unit_id: $unit_id}) WHERE unit.level IN $levels
OPTIONAL MATCH (unit)-[:PART_OF]->(parent:Unit)
RETURN unit.unit_id AS unit_id, unit.name AS name, unit.level AS level,
       parent.unit_id AS parent_id, parent.name AS parent_name,
       [(child:Unit)-[:PART_OF]->(unit) WHERE child.level IN $levels |
        child {.unit_id, .name, .level}] AS children
"""

# Payments issued by the unit or a unit below it; the recipient's name only.
PAYMENTS = """
MATCH (unit:Unit {unit_id: $unit_id})
MATCH (issuer:Unit)-[:PART_OF*0..4]->(unit)
MATCH (payment:SubsidyPayment)-[:ISSUED_BY]->(issuer)
WHERE payment.date >= date($since)
OPTIONAL MATCH (payment)-[:RECIPIENT]->(person:Person)
WITH payment, issuer, person ORDER BY payment.date DESC, payment.payment_id
WITH collect({program: payment.program, recipient: person.name, amount: payment.amount,
              date: payment.date, issuer: issuer.name}) AS rows
RETURN size(rows) AS total, rows[..$limit] AS rows,
       reduce(sum = 0.0, row IN rows | sum + coalesce(row.amount, 0.0)) AS amount
"""

PAYMENTS_BY_PROGRAM = """
MATCH (unit:Unit {unit_id: $unit_id})
MATCH (issuer:Unit)-[:PART_OF*0..4]->(unit)
MATCH (payment:SubsidyPayment)-[:ISSUED_BY]->(issuer)
WHERE payment.date >= date($since)
RETURN payment.program AS program, count(*) AS payments, sum(payment.amount) AS amount
ORDER BY amount DESC, program
"""

CONTRACTS = """
MATCH (unit:Unit {unit_id: $unit_id})
MATCH (buyer:Unit)-[:PART_OF*0..4]->(unit)
MATCH (contract:Contract)-[:BUYER]->(buyer)
WHERE contract.signed_date >= date($since)
OPTIONAL MATCH (contract)-[:SUPPLIER]->(supplier:Company)
WITH contract, buyer, supplier ORDER BY contract.signed_date DESC, contract.contract_id
WITH collect({title: contract.title, category: contract.category,
              supplier: supplier.name, amount: contract.amount, method: contract.method,
              signed_date: contract.signed_date, buyer: buyer.name}) AS rows
RETURN size(rows) AS total, rows[..$limit] AS rows,
       reduce(sum = 0.0, row IN rows | sum + coalesce(row.amount, 0.0)) AS amount
"""


def mask_name(name: Any) -> str:
    """A person's name for a public page: first and last character kept.

    >>> mask_name("张三明"), mask_name("张三"), mask_name("欧阳小明"), mask_name("李"), mask_name(None)
    ('张*明', '张*', '欧**明', '*', '')
    """
    text = str(name or "").strip()
    if len(text) <= 1:
        return "*" if text else ""
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def check_public_fields(configured: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """The configured columns per table, refused when one is unknown or never public.

    >>> check_public_fields({"subsidies": ["program", "recipient"]})["subsidies"]
    ('program', 'recipient')
    >>> check_public_fields({"subsidies": ["account_no"]})
    Traceback (most recent call last):
    ...
    graph.errors.LianjianError: public_fields.subsidies: account_no is never shown on a public page; remove it from public_fields
    """
    result: dict[str, tuple[str, ...]] = {}
    for table, fields in (configured or {}).items():
        if table not in PUBLIC_FIELDS:
            raise LianjianError(f"public_fields: unknown table {table!r}; use "
                                f"{', '.join(PUBLIC_FIELDS)}")
        for name in fields:
            if name in NEVER_PUBLIC:
                raise LianjianError(f"public_fields.{table}: {name} is never shown on a "
                                    "public page; remove it from public_fields")
            if name not in PUBLIC_FIELDS[table]:
                raise LianjianError(f"public_fields.{table}: unknown column {name!r}; "
                                    f"choose among {', '.join(PUBLIC_FIELDS[table])}")
        result[table] = tuple(fields)
    return result


def public_units(connection: Connection, levels: list[str]) -> list[dict[str, Any]]:
    """Every unit with a public page, with its parent, ordered for an index page."""
    return connection.read(PUBLIC_UNITS, levels=list(levels))


def public_unit(connection: Connection, unit_id: str, levels: list[str]
                ) -> dict[str, Any] | None:
    """The unit (name, level, parent, public children) if it has a public page."""
    rows = connection.read(PUBLIC_UNIT, unit_id=unit_id, levels=list(levels))
    return rows[0] if rows else None


def disclosure(connection: Connection, unit_id: str, *, fields: dict[str, list[str]],
               days: int, limit: int, today: dt.date | None = None) -> dict[str, Any]:
    """What a unit's public page shows: payments and contracts, masked and filtered.

    Returns ``{since, subsidies: {columns, rows, total, amount, by_program},
    contracts: {columns, rows, total, amount}}``; ``rows`` are the newest ``limit`` (the
    page says ``total`` so nothing is cut in silence), each holding only ``columns``;
    ``amount`` sums every row, shown or not. A table not configured is None.
    """
    allowed = check_public_fields(fields)
    since = ((today or local_today()) - dt.timedelta(days=int(days))).isoformat()
    parameters = {"unit_id": unit_id, "since": since, "limit": int(limit)}
    result: dict[str, Any] = {"since": since, "subsidies": None, "contracts": None}
    for table, query in (("subsidies", PAYMENTS), ("contracts", CONTRACTS)):
        if not allowed.get(table):
            continue
        found = connection.read(query, **parameters)[0]
        rows = [{name: _public_value(name, row.get(name)) for name in allowed[table]}
                for row in native(found["rows"])]
        result[table] = {"columns": allowed[table], "rows": rows, "total": found["total"],
                         "amount": found["amount"] if "amount" in allowed[table] else None}
    if result["subsidies"] is not None:
        result["subsidies"]["by_program"] = (
            connection.read(PAYMENTS_BY_PROGRAM, **parameters)
            if "program" in allowed["subsidies"] else [])
    return result


def _public_value(name: str, value: Any) -> Any:
    return mask_name(value) if name == "recipient" else value
