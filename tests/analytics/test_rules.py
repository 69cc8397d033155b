"""Each rule on tiny datasets through the real loader: fires exactly on its fixture and
stays quiet on the look-alikes (fixtures in ``rule_fixtures.py``)."""
from __future__ import annotations

import pytest

from analytics.rules import load_rules
from analytics.rules.hits import run_rule
from fixtures import World
from rule_fixtures import FIXTURES


def _hits(db, tmp_path, rule_id, build):
    world = World().county()
    expected = build(world)
    world.load(db, tmp_path / rule_id)
    return expected, run_rule(db, load_rules()[rule_id])


@pytest.mark.parametrize("rule_id", sorted(FIXTURES))
def test_rule_fires_exactly_on_its_fixture(db, tmp_path, rule_id):
    expected, hits = _hits(db, tmp_path, rule_id, FIXTURES[rule_id][0])
    found = [set(hit.entity_ids) for hit in hits]
    for identifiers in expected:
        assert any(identifiers <= ids for ids in found), (identifiers, found)
    assert len(hits) == len(expected), [hit.summary_en for hit in hits]
    for hit in hits:
        assert "—" not in hit.summary_zh and "—" not in hit.summary_en, hit.summary_en
        # Every fact carries its source row; tenders exist only as references (no row).
        assert all(item.get("src_file") for item in hit.evidence
                   if item.get("label") != "Tender"), hit.evidence
        ties = [item for item in hit.evidence if "type" in item]
        assert all(item["from"] and ":" not in item["from"] and item["to"] for item in ties)


@pytest.mark.parametrize("rule_id", sorted(FIXTURES))
def test_rule_stays_quiet_on_look_alikes(db, tmp_path, rule_id):
    _, hits = _hits(db, tmp_path, rule_id, FIXTURES[rule_id][1])
    assert hits == [], [hit.summary_en for hit in hits]
