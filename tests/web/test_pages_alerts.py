"""The alert queue and the workflow over HTTP, on a county scanned for real: filters, sort,
paging, "new since last visit", 预警 → 分办 → 核查 → 处置 by the roles that may, a change
made by someone else meanwhile, bulk 分办, and the audit event of every step. Each test works
on alerts of its own."""
from __future__ import annotations

import datetime as dt
import re

from data_fixtures import OFFICIAL, county_app, events_since  # noqa: F401

from analytics import audit


def csrf(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)[1]


def post_form(client, path: str, **fields):
    return client.post(path, data={**fields, "csrf_token": csrf(client)})


def post_json(client, path: str, body: dict):
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf(client)})


def status_of(county, alert_id: str) -> str:
    return county.connection.read("MATCH (a:Alert {alert_id: $id}) RETURN a.status AS s",
                                  id=alert_id)[0]["s"]


def test_queue_filters_sort_and_pages(county_app):
    client = county_app.client("county")
    everything = client.get("/api/v1/alerts", params={"page_size": 200}).json()
    assert everything["total"] == len(county_app.alerts()) == len(everything["items"])
    revolving = client.get("/api/v1/alerts", params={"rule": "revolving_door"}).json()
    assert revolving["total"] == 2 and {i["rule_id"] for i in revolving["items"]} == {
        "revolving_door"}
    township = client.get("/api/v1/alerts", params={"unit": "U2", "page_size": 200}).json()
    expected = {a["alert_id"] for a in county_app.alerts() if "U2" in a["unit_ids"]}
    assert {i["alert_id"] for i in township["items"]} == expected
    county = client.get("/api/v1/alerts", params={"unit": "C0", "page_size": 200}).json()
    assert county["total"] == everything["total"], "a unit's filter takes its subunits"
    paged = client.get("/api/v1/alerts", params={"page_size": 2, "page": 2,
                                                 "sort": "-severity"}).json()
    assert paged["pages"] == -(-everything["total"] // 2) and len(paged["items"]) == 2
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1}
    ordered = client.get("/api/v1/alerts", params={"page_size": 200}).json()["items"]
    assert [ranks[i["severity"]] for i in ordered] == sorted(
        (ranks[i["severity"]] for i in ordered), reverse=True)
    wrong = client.get("/api/v1/alerts", params={"status": "closed"})
    assert wrong.status_code == 400 and "closed" in wrong.json()["error"]
    page = client.get("/alerts", params={"rule": "revolving_door"})
    assert page.status_code == 200 and page.text.count('name="alert_id"') == 2
    assert 'id="bulk"' in page.text, "the supervisor may assign a selection"
    assert 'id="bulk"' not in county_app.client("investigator").get("/alerts").text


def test_new_since_the_last_visit(county_app):
    connection = county_app.connection
    client = county_app.client("investigator")
    first = client.get("/alerts")
    assert "首次查看队列" in first.text
    # The last view was two hours ago: a new visit begins; one alert was raised since.
    connection.write("MATCH (u:User {username: 'investigator'}) "
                     "SET u.queue_seen_at = datetime() - duration({hours: 2})")
    connection.write("MATCH (a:Alert) SET a.first_seen = datetime() - duration({hours: 3})")
    fresh = county_app.alerts("kickback_flow")[0]["alert_id"]
    connection.write("MATCH (a:Alert {alert_id: $id}) "
                     "SET a.first_seen = datetime() - duration({hours: 1})", id=fresh)
    page = client.get("/alerts", params={"new": "1"})
    assert "上次查看" in page.text and page.text.count('href="/alerts/') == 1
    assert fresh in page.text
    again = client.get("/api/v1/alerts", params={"new": "true"}).json()
    assert [i["alert_id"] for i in again["items"]] == [fresh], "paging on keeps the visit"
    assert again["new_since"] is not None


def test_an_alert_goes_from_new_to_disposed_by_the_roles_that_may(county_app):
    alert_id = county_app.alerts("relative_supplier")[0]["alert_id"]
    supervisor, investigator = county_app.client("county"), county_app.client("investigator")
    seq = audit.head(county_app.connection)["seq"]
    page = supervisor.get(f"/alerts/{alert_id}")
    assert "form-assign" in page.text and "form-dispose" not in page.text
    deadline = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    done = post_form(supervisor, f"/alerts/{alert_id}/assign", assignee="investigator",
                     deadline=deadline, note="请核实合同审批", expected_status="new")
    assert done.status_code == 303 and done.headers["location"].endswith("done=assign#history")
    page = investigator.get(f"/alerts/{alert_id}")
    assert "form-verify" in page.text and "form-assign" not in page.text
    assert post_form(investigator, f"/alerts/{alert_id}/verify",
                     expected_status="assigned").status_code == 303
    assert post_form(investigator, f"/alerts/{alert_id}/propose", outcome="confirmed",
                     reason="合同由甲审批，妻弟持股").status_code == 303
    refused = post_form(investigator, f"/alerts/{alert_id}/dispose", outcome="confirmed",
                        expected_status="verifying")
    assert refused.status_code == 403, "the investigator proposes, the supervisor decides"
    missing_reason = post_form(supervisor, f"/alerts/{alert_id}/dispose", outcome="unfounded",
                               expected_status="verifying")
    assert missing_reason.status_code == 400 and "请填写理由" in missing_reason.text
    assert post_form(supervisor, f"/alerts/{alert_id}/dispose", outcome="confirmed",
                     reason="属实，移交审查", expected_status="verifying").status_code == 303
    assert status_of(county_app, alert_id) == "disposed"
    page = supervisor.get(f"/alerts/{alert_id}")
    assert 'id="alert-outcome"' in page.text and "属实" in page.text
    for step in ("请核实合同审批", "建议处置 proposed: 属实", "属实，移交审查"):
        assert step in page.text, step
    assert "form-reopen" in page.text
    steps = [(e["action"], e["actor"]) for e in events_since(county_app.connection, seq)
             if e["action"].startswith("alert.") and e["action"] != "alert.read"]
    assert steps == [("alert.assign", "county"), ("alert.verify", "investigator"),
                     ("alert.note", "investigator"), ("alert.dispose", "county")]
    profile = supervisor.get(f"/api/v1/profiles/{OFFICIAL}").json()
    [row] = [r for r in profile["alerts"] if r["alert_id"] == alert_id]
    assert row["outcome"] == "confirmed", "the profile shows the outcome"


def test_someone_else_acted_meanwhile_is_one_line(county_app):
    alert_id = county_app.alerts("relative_supplier")[1]["alert_id"]
    supervisor = county_app.client("county")
    assert post_json(supervisor, f"/api/v1/alerts/{alert_id}/assign",
                     {"assignee": "第一纪检组", "expected_status": "new"}).status_code == 200
    # A second supervisor's page still shows 预警 and assigns again.
    stale = post_form(supervisor, f"/alerts/{alert_id}/assign", assignee="第二纪检组",
                      expected_status="new")
    assert stale.status_code == 409
    message = re.search(r'id="action-error">([^<]+)<', stale.text)[1]
    assert "已被他人处理" in message and "分办" in message
    api = post_json(supervisor, f"/api/v1/alerts/{alert_id}/assign",
                    {"assignee": "第二纪检组", "expected_status": "new"})
    assert api.status_code == 409 and list(api.json()) == ["error"]
    illegal = post_json(supervisor, f"/api/v1/alerts/{alert_id}/reopen", {"reason": "再查"})
    assert illegal.status_code == 409 and "不能重新核查" in illegal.json()["error"]
    past = post_json(supervisor, f"/api/v1/alerts/{alert_id}/assign",
                     {"assignee": "第二纪检组", "deadline": "2001-01-01"})
    assert past.status_code == 400 and "已过" in past.json()["error"]


def test_bulk_assignment_of_a_selection(county_app):
    supervisor = county_app.client("county")
    chosen = [a["alert_id"] for a in county_app.alerts("official_business")]
    closed = county_app.alerts("revolving_door")[1]["alert_id"]
    for action, body in (("assign", {"assignee": "甲组"}), ("verify", {}),
                         ("dispose", {"outcome": "unfounded", "reason": "离职已满三年"})):
        assert post_json(supervisor, f"/api/v1/alerts/{closed}/{action}",
                         body).status_code == 200, action
    seq = audit.head(county_app.connection)["seq"]
    deadline = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    page = supervisor.post("/alerts/assign?rule=official_business", data={
        "alert_id": [*chosen, closed], "assignee": "第三纪检组", "deadline": deadline,
        "csrf_token": csrf(supervisor)})
    assert page.status_code == 200
    result = re.search(r'id="bulk-result">(.*?)</div>', page.text, re.S)[1]
    assert "已分办 2 条" in result and "1 条未能分办" in result and closed in result
    assigned = [(e["action"], e["targets"][0]) for e in events_since(county_app.connection, seq)
                if e["action"] == "alert.assign"]
    assert sorted(assigned) == sorted(("alert.assign", a) for a in chosen)
    for alert_id in chosen:
        assert status_of(county_app, alert_id) == "assigned"
    nothing = post_form(supervisor, "/alerts/assign", assignee="第三纪检组")
    assert nothing.status_code == 400 and "请先勾选" in nothing.text
    api = post_json(supervisor, "/api/v1/alerts/assign",
                    {"alert_ids": chosen, "assignee": "第四纪检组"}).json()
    assert sorted(api["assigned"]) == sorted(chosen) and api["refused"] == {}
    investigator = county_app.client("investigator")
    assert post_json(investigator, "/api/v1/alerts/assign",
                     {"alert_ids": chosen, "assignee": "x"}).status_code == 403
    mine = county_app.client("county").get("/api/v1/alerts", params={
        "assignee": "第四纪检组"}).json()
    assert mine["total"] == 2
