"""Pre-approval checks and external warnings through /api/v1 with a business system's token,
against the real app and Neo4j."""
from __future__ import annotations

import pytest
from supervision_fixtures import credit_code, id_number, load_county
from web_fixtures import WebClient, audit_log, live, make_user, start_app  # noqa: F401

from analytics.accounts import create_token
from analytics.alerts import list_alerts
from analytics.quality import rule_quality
from analytics.scope import Scope

# The graph a check must leave as it was (its own record and audit event aside).
GRAPH_SIZE = """
MATCH (n) WHERE NOT (n:CheckRun OR n:AuditEvent OR n:AuditHead)
WITH count(n) AS nodes
MATCH ()-[r]->() WITH nodes, count(r) AS ties
RETURN nodes, ties, COUNT { MATCH (:Contract) } AS contracts
"""


@pytest.fixture
def county(live, tmp_path):
    return load_county(live.connection, tmp_path / "county")


def system_client(live, username: str, unit_id: str) -> WebClient:
    make_user(live.connection, username, ("system",), unit_id)
    token = create_token(live.connection, username, "approval system")
    client = WebClient(live.url)
    client.http.headers["Authorization"] = f"Bearer {token.secret}"
    return client


def contract(county, supplier: str, **extra) -> dict:
    return {"kind": "contract", "row": {
        "buyer_unit_id": "J120", "supplier_credit_code": supplier, "title": "东关村道路硬化",
        "category": "works", "amount": "260,000", "method": "inquiry",
        "signed_date": "2026-03-01", **extra}}


def graph_size(connection) -> dict:
    return connection.read(GRAPH_SIZE)[0]


def test_a_contract_to_a_relatives_company_is_blocked_with_the_kinship_path(
        live, county, audit_log):
    township = system_client(live, "zhengcai", "J100")
    before = graph_size(live.connection)
    answer = township.post("/api/v1/checks", json=contract(county, county.relative_company))
    assert answer.status_code == 200, answer.text
    check = answer.json()
    assert check["result"] == "block"
    hit = next(h for h in check["hits"] if h["rule_id"] == "relative_supplier")
    assert hit["action"] == "block" and "王建国" in hit["summary_zh"]
    assert "王建军" in hit["summary_zh"] and "建军建材有限公司" in hit["summary_zh"]
    kinship = [item for item in hit["evidence"] if item.get("type") == "HAS_RELATIVE"]
    assert kinship and {kinship[0]["from"], kinship[0]["to"]} == {county.official,
                                                                    county.brother}
    assert kinship[0]["detail"]["relation"] == "sibling" and kinship[0]["src_file"]
    proposed = next(item for item in hit["evidence"] if item.get("role") == "contract")
    assert proposed["src_dataset"] == "check" and proposed["src_file"] == check["check_id"]
    assert {county.official, county.brother, county.relative_company} <= set(hit["entity_ids"])
    assert graph_size(live.connection) == before, "nothing but the check's record is kept"
    assert not live.connection.read("MATCH (k:Contract) WHERE k.src_dataset = 'check' "
                                    "RETURN k"), "the proposed row was rolled back"
    stored = live.connection.read("MATCH (c:CheckRun) RETURN c.result AS result, "
                                  "c.caller AS caller, c.unit_ids AS units")
    assert stored == [{"result": "block", "caller": "zhengcai", "units": ["J120"]}]
    assert [e["action"] for e in audit_log] == ["check.run"]
    assert check["check_id"] in audit_log[0]["targets"]


def test_an_unrelated_contract_passes_and_a_bad_row_is_refused(live, county):
    township = system_client(live, "zhengcai", "J100")
    other = township.post("/api/v1/checks", json=contract(county, county.other_company))
    assert other.status_code == 200 and other.json()["result"] == "pass"
    assert other.json()["hits"] == []
    stranger = credit_code(990)          # a supplier the graph has never seen
    assert township.post("/api/v1/checks", json=contract(
        county, stranger)).json()["result"] == "pass"
    bad = township.post("/api/v1/checks", json=contract(county, "91330102MA00000000"))
    assert bad.status_code == 422 and "supplier_credit_code" in bad.json()["error"]
    typo = township.post("/api/v1/checks", json=contract(county, stranger, suplier="x"))
    assert typo.status_code == 422 and "unknown column" in typo.json()["error"]


def test_a_key_of_another_jurisdiction_gets_403(live, county):
    other_township = system_client(live, "hexi", "J200")
    answer = other_township.post("/api/v1/checks",
                                 json=contract(county, county.relative_company))
    assert answer.status_code == 403
    assert answer.json() == {"error": "the row's unit is outside your jurisdiction"}
    assert not live.connection.read("MATCH (c:CheckRun) RETURN c")
    investigator = WebClient(live.url)
    make_user(live.connection, "inv", ("investigator",), "J000")
    token = create_token(live.connection, "inv", "script")
    investigator.http.headers["Authorization"] = f"Bearer {token.secret}"
    assert investigator.post("/api/v1/checks", json=contract(
        county, county.other_company)).status_code == 403, "only business systems check"
    warning = {"source": "caizheng", "rule": "dup", "key": "W-1", "entities": [county.official],
               "text": "重复发放", "time": "2026-03-01T09:00:00+08:00"}
    assert other_township.post("/api/v1/warnings", json=warning).status_code == 403


def test_a_subsidy_to_the_officials_household_is_checked_too(live, county):
    township = system_client(live, "minzheng", "J100")
    row = {"payment_id": "FF-NEW-1", "program": "subsistence_allowance",
           "recipient_id_number": county.recipient, "amount": 620, "date": "2026-02-01",
           "unit_id": "J120", "approver_id_number": county.recipient}
    answer = township.post("/api/v1/checks", json={"kind": "subsidy", "row": row}).json()
    assert answer.get("result") == "block", answer
    assert [hit["rule_id"] for hit in answer["hits"]] == ["self_approval"]
    assert not live.connection.read("MATCH (p:SubsidyPayment {payment_id: 'FF-NEW-1'}) "
                                    "RETURN p")


def test_an_overridden_block_becomes_an_alert(live, county, audit_log):
    township = system_client(live, "zhengcai", "J100")
    check = township.post("/api/v1/checks",
                          json=contract(county, county.relative_company)).json()
    assert township.post(f"/api/v1/checks/{check['check_id']}/override",
                         json={"reason": ""}).status_code == 422
    answer = township.post(f"/api/v1/checks/{check['check_id']}/override",
                           json={"reason": "抢险工程，县政府会议已研究"})
    assert answer.status_code == 201, answer.text
    alert_id = answer.json()["alert_id"]
    assert answer.json()["rule_id"] == "relative_supplier"
    again = township.post(f"/api/v1/checks/{check['check_id']}/override",
                          json={"reason": "再次"})
    assert again.status_code == 409 and "overridden already" in again.json()["error"]
    queue = list_alerts(live.connection, Scope.of_units(live.connection, ["J100"]))
    assert [item["alert_id"] for item in queue["items"]] == [alert_id]
    alert = queue["items"][0]
    assert alert["status"] == "new" and "抢险工程" in alert["summary_zh"]
    assert "J120" in alert["unit_ids"] and county.official in alert["entity_ids"]
    linked = live.connection.read("MATCH (:Alert {alert_id: $id})-[e:EVIDENCE]->(n) "
                                  "RETURN e.role AS role", id=alert_id)
    assert {"official", "relative", "company", "unit"} <= {row["role"] for row in linked}
    assert not list_alerts(live.connection, Scope.of_units(live.connection, ["J200"]))["items"]
    passed = township.post("/api/v1/checks", json=contract(county, county.other_company))
    assert township.post(f"/api/v1/checks/{passed.json()['check_id']}/override",
                         json={"reason": "x"}).status_code == 409
    hexi = system_client(live, "hexi", "J200")
    assert hexi.post(f"/api/v1/checks/{check['check_id']}/override",
                     json={"reason": "x"}).status_code == 404
    assert [e["action"] for e in audit_log] == ["check.run", "check.override", "check.run"]


def test_an_external_warning_posted_twice_appears_once(live, county, audit_log):
    finance = system_client(live, "caizheng", "J100")
    warning = {"source": "caizheng", "rule": "duplicate_payment", "key": "CZ-2026-0001",
               "entities": [county.recipient, "HT-J120-001", "110105194912310000"],
               "text": "同一户同月重复发放低保", "time": "2026-03-01T09:00:00+08:00",
               "severity": "high"}
    first = finance.post("/api/v1/warnings", json=warning)
    second = finance.post("/api/v1/warnings", json=warning)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["alert_id"] == second.json()["alert_id"]
    assert first.json()["unknown_entities"] == ["110105194912310000"]
    assert first.json()["unit_ids"] == ["J120"]
    queue = list_alerts(live.connection, Scope.of_units(live.connection, ["J000"]))
    assert queue["total"] == 1
    item = queue["items"][0]
    assert item["rule_id"] == "external:caizheng:duplicate_payment"
    assert item["severity"] == "high" and "重复发放" in item["summary_zh"]
    quality = {row["rule_id"]: row for row in rule_quality(live.connection)}
    external = quality["external:caizheng:duplicate_payment"]
    assert external["raised"] == 1 and external["source"] == "caizheng"
    assert quality["relative_supplier"]["source"] == "lianjian"
    assert [e["parameters"]["duplicate"] for e in audit_log] == [False, True]
    bad = finance.post("/api/v1/warnings", json=dict(warning, source="Cai Zheng!"))
    assert bad.status_code == 422 and "source" in bad.json()["error"]


def test_the_example_client_a_business_system_copies(live, county):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "check_client.py"
    spec = importlib.util.spec_from_file_location("check_client", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    make_user(live.connection, "zhengcai", ("system",), "J100")
    client = module.LianjianClient(live.url, create_token(live.connection, "zhengcai",
                                                          "example").secret)
    answer = client.check("contract", contract(county, county.relative_company)["row"])
    assert answer["result"] == "block"
    assert client.override(answer["check_id"], "急需")["rule_id"] == "relative_supplier"
    with pytest.raises(module.LianjianError) as refused:
        client.check("contract", {**contract(county, county.other_company)["row"],
                                  "buyer_unit_id": "J210"})
    assert refused.value.status == 403
    first = client.warning(source="caizheng", rule="dup", key="K1", entities=[],
                           text="重复", time="2026-03-01T09:00:00+08:00")
    assert first["created"] and not client.warning(
        source="caizheng", rule="dup", key="K1", entities=[], text="重复",
        time="2026-03-01T09:00:00+08:00")["created"]
