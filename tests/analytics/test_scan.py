"""Scans against the real database: idempotent alerts, retirement, scope, lock, export, schedule."""
from __future__ import annotations

import csv
import io
import json

import pytest
from fixtures import World, cli_env  # noqa: F401 - cli_env is a fixture
from typer.testing import CliRunner

from analytics.alerts import EXPORT_COLUMNS, WORKFLOW_COLUMNS, read_alerts
from analytics.scan import ACQUIRE_LOCK, ScanBusy, release_lock, run_scan
from analytics.schedule import ScheduleEntry, read_schedule, run_schedule
from analytics.workflow import assign, start_verification
from graph.errors import LianjianError


def county(world: World, with_spouse_tie: bool = True) -> dict:
    """Two bureaus under a county; a relative's company supplies U1; a pooled account in U2."""
    world.unit("U0", "某县人民政府")
    world.unit("U1", "某县交通运输局", parent="U0")
    world.unit("U2", "某县教育局", parent="U0")
    official = world.official("甲", "U1", start="2015-01-01")
    spouse = world.person("乙")
    if with_spouse_tie:
        world.kin(official, spouse, "spouse")
    company = world.company("宏达", legal_rep=spouse, established="2018-01-01")
    contract = world.contract("U1", company, 800_000, "2020-06-01", approver=official)
    pooled = world.account(world.person("户主"))
    payments = [world.payment(world.person(f"村民{i}"), "2021-07-01", unit="U2",
                              account_no=pooled) for i in range(3)]
    return {"official": official, "contract": contract, "pooled": pooled, "payments": payments}


RULES = ["relative_supplier", "self_approval", "ghost_beneficiary"]


def test_rescan_never_duplicates_and_keeps_the_workflow(db, tmp_path):
    county(world := World())
    world.load(db, tmp_path / "county")
    first = run_scan(db, RULES)
    assert (first.new_alerts, first.still_matching, first.no_longer_matching) == (3, 0, 0)
    alert = next(a for a in read_alerts(db) if a["rule_id"] == "relative_supplier")
    assign(db, alert["alert_id"], actor="李主任", assignee="第一纪检组", note="交第一纪检组")
    second = run_scan(db, RULES)
    assert (second.new_alerts, second.still_matching, second.no_longer_matching) == (0, 3, 0)
    assert db.read("MATCH (a:Alert) RETURN count(a) AS n") == [{"n": 3}]
    statuses = {a["alert_id"]: a["status"] for a in read_alerts(db)}
    assert statuses[alert["alert_id"]] == "assigned"
    scans = db.read("MATCH (s:ScanRun) RETURN s.new_alerts AS new, s.still_matching AS still, "
                    "s.timings AS timings ORDER BY s.started_at")
    assert [(s["new"], s["still"]) for s in scans] == [(3, 0), (0, 3)]
    assert set(json.loads(scans[0]["timings"])) == set(RULES)
    evidence = db.read("MATCH (a:Alert {alert_id: $id})-[e:EVIDENCE]->(n) "
                       "RETURN e.role AS role, labels(n)[0] AS label", id=alert["alert_id"])
    assert {"official", "relative", "company", "contract", "unit"} <= {e["role"] for e in evidence}


def test_an_alert_whose_facts_are_gone_no_longer_matches_but_stays(db, tmp_path):
    county(world := World())
    world.load(db, tmp_path / "county")
    run_scan(db, RULES)
    alert = next(a for a in read_alerts(db) if a["rule_id"] == "relative_supplier")
    assign(db, alert["alert_id"], actor="李主任", assignee="王")
    start_verification(db, alert["alert_id"], actor="王")
    county(changed := World(), with_spouse_tie=False)      # the next extract lacks the tie
    changed.load(db, tmp_path / "county")
    rescan = run_scan(db, RULES)
    assert (rescan.new_alerts, rescan.still_matching, rescan.no_longer_matching) == (0, 1, 2)
    kept = {a["alert_id"]: a for a in read_alerts(db, include_unmatched=True)}
    assert kept[alert["alert_id"]]["matching"] is False
    assert kept[alert["alert_id"]]["status"] == "verifying"
    assert alert["alert_id"] not in {a["alert_id"] for a in read_alerts(db)}


def test_a_scan_limited_to_units_touches_only_their_alerts(db, tmp_path):
    county(world := World())
    world.load(db, tmp_path / "county")
    scoped = run_scan(db, RULES, units=["U1"])
    assert {run.rule_id: run.hits for run in scoped.rules} == {
        "relative_supplier": 1, "self_approval": 1, "ghost_beneficiary": 0}
    assert run_scan(db, RULES, units=["U0"]).new_alerts == 1     # U2 lies under U0
    assert run_scan(db, RULES, units=["U1"]).no_longer_matching == 0
    with pytest.raises(LianjianError, match="unknown unit"):
        run_scan(db, RULES, units=["NOPE"])


def test_parameters_change_what_a_rule_finds(db, tmp_path):
    county(world := World())
    world.load(db, tmp_path / "county")
    result = run_scan(db, ["ghost_beneficiary"], parameters={"pooled_recipients": 4})
    assert result.rules[0].hits == 0
    result = run_scan(db, ["ghost_beneficiary"],
                      parameters={"ghost_beneficiary": {"pooled_recipients": "3"}})
    assert result.rules[0].hits == 1
    stored = db.read("MATCH (a:Alert) RETURN a.parameters AS parameters")
    assert json.loads(stored[0]["parameters"]) == {"pooled_recipients": 3}
    with pytest.raises(LianjianError, match="no selected rule has a parameter"):
        run_scan(db, ["ghost_beneficiary"], parameters={"window": 3})


def test_a_second_scan_waits_for_the_first(db, tmp_path):
    db.write("CREATE CONSTRAINT scan_lock_name IF NOT EXISTS "
             "FOR (lock:ScanLock) REQUIRE lock.name IS UNIQUE")
    assert db.write(ACQUIRE_LOCK, scan_id="someone-else", ttl=60)
    with pytest.raises(ScanBusy, match="someone-else"):
        run_scan(db, ["bid_rigging"])
    release_lock(db)
    assert run_scan(db, ["bid_rigging"]).rules[0].hits == 0


def test_export_has_the_spec_columns(cli_env, tmp_path):
    from lianjian.commands.analytics import app

    facts = county(world := World())
    world.load(cli_env, tmp_path / "county")
    scanned = CliRunner().invoke(app, ["scan", "--no-progress", "--rule",
                                       ",".join(RULES)])
    assert scanned.exit_code == 0, scanned.output
    as_csv = CliRunner().invoke(app, ["alerts", "export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert tuple(as_csv.output.splitlines()[0].split(",")[:6]) == EXPORT_COLUMNS
    pooled = next(row for row in rows if row["rule_id"] == "ghost_beneficiary")
    assert {facts["pooled"], *facts["payments"]} <= set(pooled["entity_ids"].split(";"))
    assert pooled["status"] == "new" and pooled["severity"] == "high" and pooled["summary"]
    out = tmp_path / "alerts.json"
    as_json = CliRunner().invoke(app, ["alerts", "export", "--format", "json", "--out", str(out)])
    assert as_json.exit_code == 0, as_json.output
    alerts = json.loads(out.read_text(encoding="utf-8"))
    assert len(alerts) == 3 and all(isinstance(a["entity_ids"], list) for a in alerts)
    assert list(alerts[0])[:9] == list(EXPORT_COLUMNS + WORKFLOW_COLUMNS)


def test_schedule_reads_entries_and_runs_them(db, tmp_path):
    config = tmp_path / "lianjian.toml"
    config.write_text('[[schedule]]\nname = "fast"\ncron = "*/1 * * * * *"\n'
                      'rules = ["ghost_beneficiary"]\nunits = ["U2"]\n'
                      'parameters = { pooled_recipients = 3 }\n', encoding="utf-8")
    entries = read_schedule(config)
    assert entries == [ScheduleEntry("fast", "*/1 * * * * *", ["ghost_beneficiary"], ["U2"],
                                     {"pooled_recipients": 3})]
    county(world := World())
    world.load(db, tmp_path / "county")
    messages = []
    runs = run_schedule(db, entries, max_runs=2,
                        on_run=lambda entry, result, message: messages.append(message))
    assert runs == 2 and "1 new" in messages[0] and "1 still matching" in messages[1]
    assert run_schedule(db, entries, once=True) == 1
    config.write_text('[[schedule]]\ncron = "61 * * * *"\n', encoding="utf-8")
    with pytest.raises(LianjianError, match="is not valid"):
        read_schedule(config)


def test_kinship_hops_and_chain_depth_narrow_relative_supplier(db, tmp_path):
    from rule_fixtures import relative_supplier_firing

    from analytics.rules import RuleError, load_rules
    from analytics.rules.hits import run_rule

    relative_supplier_firing(world := World().county())
    world.load(db, tmp_path / "relatives")
    rule = load_rules()["relative_supplier"]
    assert len(run_rule(db, rule)) == 3
    assert len(run_rule(db, rule, {"kinship_hops": 1})) == 1     # only the child's company
    assert len(run_rule(db, rule, {"chain_depth": 2})) == 2      # not the 3-level chain
    with pytest.raises(RuleError, match="kinship_hops must be ≤ 2"):
        run_rule(db, rule, {"kinship_hops": 3})
