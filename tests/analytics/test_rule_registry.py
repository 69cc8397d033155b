"""The registry, walked like datasette's test_docs.py: every rule is complete and documented.

Fails when a built-in rule lacks a name, a description, a default of rules.md, an
explanation, a firing or a quiet fixture, or when docs/rules.md is stale; and checks that a
broken analyst's rule is refused with the file and the field named.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from fixtures import World, cli_env  # noqa: F401 - cli_env is a fixture
from rule_fixtures import FIXTURES
from typer.testing import CliRunner

from analytics.rules import BUILTIN_DIR, RuleError, check_cypher, load_rule, load_rules
from analytics.rules.doc import BEGIN, END, render_reference
from analytics.scan import run_scan

ROOT = Path(__file__).resolve().parents[2]

# The default contract of shared/spec/rules.md, rule by rule.
SPEC_DEFAULTS = {
    "relative_supplier": {"kinship_hops": 2, "chain_depth": 3},
    "official_business": {},
    "subsidy_ineligible": {"excluded_programs": [
        "subsistence_allowance", "rain_dew", "high_school_grant", "winter_relief",
        "startup_loan", "migrant_transport", "housing_renovation"]},
    "self_approval": {},
    "bid_splitting": {"window_days": 90, "goods_threshold": 2_000_000,
                      "services_threshold": 2_000_000, "works_threshold": 4_000_000,
                      "methods": ["competitive_negotiation", "inquiry", "single_source",
                                  "direct"]},
    "bid_rigging": {},
    "kickback_flow": {"window_days": 90, "min_amount": 10_000, "max_intermediaries": 2,
                      "kinship_hops": 2},
    "shell_company": {"max_age_days": 180, "capital_ratio": 10, "kinship_hops": 2},
    "ghost_beneficiary": {"pooled_recipients": 3},
    "revolving_door": {"window_days": 1095},
}
HOLDER_ROLES = {
    "relative_supplier": {"shareholder", "legal_rep", "director", "manager", "beneficial_owner"},
    "official_business": {"shareholder", "legal_rep", "director", "manager"},
    "self_approval": {"shareholder", "legal_rep", "director", "manager"},
    "kickback_flow": {"shareholder", "legal_rep", "director", "manager", "beneficial_owner"},
    "revolving_door": {"shareholder", "legal_rep", "director", "manager"},
}
BUILTIN = load_rules(BUILTIN_DIR, include_builtin=False)


def test_the_ten_rules_of_the_spec_are_built_in():
    assert list(BUILTIN) == list(SPEC_DEFAULTS)


@pytest.mark.parametrize("rule_id", list(BUILTIN))
def test_rule_is_complete(rule_id):
    rule = BUILTIN[rule_id]
    for field in ("name_en", "name_zh", "description_en", "description_zh", "granularity",
                  "scope"):
        assert getattr(rule, field).strip(), f"{rule_id}: {field} is empty"
    for name, default in SPEC_DEFAULTS[rule_id].items():
        assert rule.defaults.get(name) == default, f"{rule_id}.{name}: rules.md says {default}"
    if rule_id in HOLDER_ROLES:
        assert set(rule.defaults["holder_roles"]) == HOLDER_ROLES[rule_id]
    for parameter in rule.parameters.values():
        assert parameter.description, f"{rule_id}.{parameter.name} has no description"
    assert rule.templates() and all(template.strip() for template in rule.templates())
    firing, quiet = FIXTURES.get(rule_id, (None, None))
    assert callable(firing), f"{rule_id} has no firing fixture in rule_fixtures.py"
    assert callable(quiet), f"{rule_id} has no quiet look-alike fixture in rule_fixtures.py"


def test_every_rule_plans_against_the_database(db):
    for rule in BUILTIN.values():
        check_cypher(db, rule)


def test_docs_reference_is_current():
    document = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    block = document.split(BEGIN, 1)[1].split(END, 1)[0]
    assert block == "\n" + render_reference(BUILTIN), \
        "docs/rules.md is stale: run `lianjian rules doc --write`"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_RULE = """
id: big_contract
name_en: Big contract
name_zh: 大额合同
description_en: A contract above min_amount.
description_zh: 金额超过min_amount的合同。
severity: low
risk_points: 5
granularity: One alert per contract.
parameters:
  min_amount: {type: float, default: 1000000, description: Smallest amount}
cypher: |
  MATCH (contract:Contract)-[:BUYER]->(unit:Unit)
  WHERE contract.amount >= $min_amount AND ($unit_ids IS NULL OR unit.unit_id IN $unit_ids)
  RETURN [{role: 'contract', node: contract}, {role: 'unit', node: unit}] AS evidence,
         {amount: contract.amount} AS facts
explanation_en: "{unit} signed {contract} for {amount:,.0f} yuan."
explanation_zh: "{unit}签订{contract}，金额{amount:,.0f}元。"
"""


def test_an_analysts_rule_loads_beside_the_built_in_ones(tmp_path):
    _write(tmp_path, "big_contract.yaml", GOOD_RULE)
    rules = load_rules(tmp_path)
    assert len(rules) == 11 and rules["big_contract"].defaults == {"min_amount": 1_000_000.0}


@pytest.mark.parametrize("change, message", [
    (("name_zh: 大额合同\n", ""), "missing required field(s) name_zh"),
    (("default: 1000000", "default: lots"), "parameters.min_amount.default"),
    (("severity: low", "severity: dire"), "field severity 'dire'"),
    (("$min_amount AND", "$max_amount AND"), "undeclared parameter(s) $max_amount"),
    (("id: big_contract", "id: huge_contract"), "must match the file name"),
    (('"{unit} signed', '"{unit signed'), "explanation_en is not a valid template"),
])
def test_a_broken_rule_is_refused_naming_file_and_field(tmp_path, change, message):
    path = _write(tmp_path, "big_contract.yaml", GOOD_RULE.replace(*change))
    with pytest.raises(RuleError, match="big_contract.yaml") as error:
        load_rule(path)
    assert message in str(error.value)


def test_cypher_that_does_not_compile_is_refused(db, tmp_path):
    path = _write(tmp_path, "big_contract.yaml", GOOD_RULE.replace("RETURN [", "RETURN ]["))
    with pytest.raises(RuleError, match="big_contract.yaml: field cypher does not compile"):
        check_cypher(db, load_rule(path))
    with pytest.raises(RuleError, match="big_contract.yaml"):
        run_scan(db, [load_rule(path)])


def test_a_rule_id_defined_twice_is_refused(tmp_path):
    _write(tmp_path, "07_kickback_flow.yaml",
           (BUILTIN_DIR / "07_kickback_flow.yaml").read_text(encoding="utf-8"))
    with pytest.raises(RuleError, match="rule id kickback_flow is defined twice"):
        load_rules(tmp_path)


def test_rules_list_and_rules_test_commands(cli_env, tmp_path):
    from lianjian.commands.analytics import app

    listed = CliRunner().invoke(app, ["rules", "list"])
    assert listed.exit_code == 0, listed.output
    assert "kinship_hops = 2" in listed.output and "亲属关联供应商" in listed.output
    world = World()
    world.unit("U1")
    world.contract("U1", world.company("大公司"), 3_000_000, "2021-01-01")
    world.load(cli_env, tmp_path / "big")
    path = _write(tmp_path / "rules", "big_contract.yaml", GOOD_RULE)
    tested = CliRunner().invoke(app, ["rules", "test", str(path), "--param",
                                      "min_amount=2000000"])
    assert tested.exit_code == 0, tested.output
    assert "1 hit(s)" in tested.output and "金额3,000,000元" in tested.output


def test_tie_endpoints_the_query_did_not_return_are_looked_up(db, tmp_path):
    from analytics.rules.hits import run_rule

    world = World()
    world.unit("U1")
    contract = world.contract("U1", world.company("大公司"), 3_000_000, "2021-01-01")
    world.load(db, tmp_path / "big")
    only_tie = GOOD_RULE.replace(
        "RETURN [{role: 'contract', node: contract}, {role: 'unit', node: unit}] AS evidence",
        "MATCH (contract)-[buyer:BUYER]->(unit)\n  RETURN [{role: 'buyer', rel: buyer}] AS evidence")
    [hit] = run_rule(db, load_rule(_write(tmp_path, "big_contract.yaml", only_tie)))
    assert (hit.evidence[0]["from"], hit.evidence[0]["to"]) == (contract, "U1")
    assert hit.evidence[0]["src_file"] == "contracts.csv"
