"""A rule's ``check_cypher`` (the pre-approval check's query, started from one row) finds
exactly the hits of the rule's own query that hold that row: same alert ids, same
evidence, same facts — for every contract and payment of the rule's firing and quiet
fixtures, so the two queries cannot drift apart unnoticed."""
from __future__ import annotations

import pytest

from analytics.rules import load_rules
from analytics.rules.hits import hits_from_records, run_rule
from fixtures import World
from rule_fixtures import FIXTURES

ROWS = """
MATCH (row) WHERE row:Contract OR row:SubsidyPayment
RETURN elementId(row) AS element_id, coalesce(row.contract_id, row.payment_id) AS key
"""

CHECKED = sorted(rule_id for rule_id, rule in load_rules().items() if rule.check_cypher)


def test_the_rules_a_check_needs_most_have_a_check_query():
    assert {"self_approval", "subsidy_ineligible", "ghost_beneficiary", "shell_company",
            "bid_splitting"} <= set(CHECKED)


def _summary(hit) -> tuple:
    return (hit.alert_id, tuple(hit.evidence_keys), hit.summary_zh, hit.summary_en)


@pytest.mark.parametrize("rule_id", CHECKED)
def test_the_check_query_finds_the_rules_hits_holding_the_row(db, tmp_path, rule_id):
    world = World().county()
    firing, quiet = FIXTURES[rule_id]
    firing(world)
    quiet(world)          # the two together may also hit across each other: fine here
    world.load(db, tmp_path / rule_id)
    rule = load_rules()[rule_id]
    whole = run_rule(db, rule)
    rows = db.read(ROWS)
    found_any = 0
    for row in rows:
        holding = sorted(_summary(hit) for hit in whole
                         if any(item.get("element_id") == row["element_id"]
                                for item in hit.evidence))
        with db.session() as session:
            records = session.execute_read(lambda tx: list(tx.run(
                rule.check_cypher, {**rule.defaults, "unit_ids": None,
                                    "row": row["element_id"]})))
        checked = sorted(_summary(hit) for hit in hits_from_records(db, rule, records)
                         if any(item.get("element_id") == row["element_id"]
                                for item in hit.evidence))
        assert checked == holding, f"{rule_id}, row {row['key']}"
        found_any += bool(holding)
    assert found_any, "some row of the fixture is in a hit"
