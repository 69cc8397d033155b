"""Cases over HTTP against the real app and Neo4j: who may act on a case, what another
jurisdiction sees, a `<script>` in a title, the checklist route's scope and redirect, the
report check's size limit, and a report of an alert out of scope."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from web_fixtures import WebClient, audit_log, live, make_user, start_app  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from fixtures import World  # noqa: E402
from lifecycle_fixtures import cases as county_cases  # noqa: E402

import analytics.reports  # noqa: E402
from analytics.alerts import read_alerts  # noqa: E402
from analytics.audit import read_log  # noqa: E402
from analytics.cases import get_case, open_case  # noqa: E402
from analytics.checklists import get_checklist  # noqa: E402
from analytics.scan import run_scan  # noqa: E402
from analytics.scope import Scope  # noqa: E402


@pytest.fixture
def county(live, tmp_path):
    county_cases(world := World())
    world.load(live.connection, tmp_path / "county")
    run_scan(live.connection, actor="scanner")
    for name, roles, unit in (("chief", ("supervisor",), "U0"), ("li", ("investigator",), "U1"),
                              ("zhou", ("investigator",), "U1"),
                              ("wang", ("investigator",), "U2"),
                              ("auditor", ("auditor",), "U0"), ("analyst", ("analyst",), "U0")):
        make_user(live.connection, name, roles, unit)
    alerts = read_alerts(live.connection)
    return {unit: next(a["alert_id"] for a in alerts if a["rule_id"] == "relative_supplier"
                       and unit in a["unit_ids"]) for unit in ("U1", "U2")}


def signed_in(live, name: str) -> tuple[WebClient, str]:
    client = WebClient(live.url)
    client.login(name)
    return client, re.search(r'name="csrf-token" content="([^"]+)"',
                             client.get("/").text).group(1)


def test_who_may_act_on_a_case_and_what_others_see(live, county):
    title = '<script>alert("案")</script>宏达线索'
    case_id = open_case(live.connection, actor="li", title=title, unit_id="U1",
                        scope=Scope.everything(), alert_ids=[county["U1"]])["case_id"]
    li, li_token = signed_in(live, "li")
    page = li.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "<script>alert(" not in page.text and "&lt;script&gt;alert(" in page.text
    zhou, zhou_token = signed_in(live, "zhou")
    assert zhou.get(f"/cases/{case_id}").status_code == 200, "same unit: may read"
    refused = zhou.post(f"/cases/{case_id}/notes", data={"text": "我也看看",
                                                         "csrf_token": zhou_token})
    assert refused.status_code == 403, "not the owner nor a member"
    assert li.post(f"/cases/{case_id}/assign", data={"owner": "li", "members": "zhou",
                                                     "csrf_token": li_token}).status_code == 303
    assert zhou.post(f"/cases/{case_id}/notes", data={"text": "已调取档案",
                                                      "csrf_token": zhou_token}
                     ).status_code == 303
    bad = li.post(f"/cases/{case_id}/assign", data={"members": "wang", "csrf_token": li_token})
    assert bad.status_code == 400 and "does not include unit U1" in bad.text
    out = li.post(f"/cases/{case_id}/items", data={"alert_ids": county["U2"],
                                                    "csrf_token": li_token})
    assert out.status_code == 400 and f"no alert &#39;{county['U2']}&#39;" in out.text
    wang, wang_token = signed_in(live, "wang")
    assert wang.get(f"/cases/{case_id}").status_code == 404
    assert wang.get("/cases/AJ-1999-9999").status_code == 404
    assert case_id not in wang.get("/cases").text
    analyst, _ = signed_in(live, "analyst")
    assert analyst.get(f"/cases/{case_id}").status_code == 403
    case = get_case(live.connection, case_id, Scope.everything())
    assert [note["text"] for note in case["notes"]] == ["已调取档案"]
    assert [e["action"] for e in case["history"]] == ["open", "assign", "note"]


def test_checklist_route_scope_and_redirect(live, county):
    li, token = signed_in(live, "li")
    done = li.post(f"/alerts/{county['U1']}/checklist",
                   data={"item_id": "kinship", "checked": "1", "note": "已核实",
                         "back": "//evil.example/x", "csrf_token": token})
    assert done.status_code == 303
    assert done.headers["location"] == f"/alerts/{county['U1']}?done=ticked"
    assert li.post(f"/alerts/{county['U2']}/checklist",
                   data={"item_id": "kinship", "checked": "1",
                         "csrf_token": token}).status_code == 404
    unknown = li.post(f"/alerts/{county['U1']}/checklist",
                      data={"item_id": "deposit", "csrf_token": token})
    assert unknown.status_code == 400 and "has no checklist item" in unknown.text
    auditor, auditor_token = signed_in(live, "auditor")
    assert auditor.post(f"/alerts/{county['U1']}/checklist",
                        data={"item_id": "kinship", "csrf_token": auditor_token}
                        ).status_code == 403
    answers = get_checklist(live.connection, county["U1"], Scope.everything())
    assert answers["done"] == 1


def test_report_export_scope_and_the_check_size_limit(live, county, monkeypatch):
    li, token = signed_in(live, "li")
    assert li.post("/reports/export", data={"kind": "alert", "subject": county["U2"],
                                            "format": "html", "csrf_token": token}
                   ).status_code == 404
    answer = li.post("/reports/export", data={"kind": "alert", "subject": county["U1"],
                                              "format": "html", "csrf_token": token})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "attachment" in answer.headers["content-disposition"]
    [export] = read_log(live.connection, action="report.export")["items"]
    assert export["parameters"]["sha256"] == answer.headers["x-report-sha256"]
    assert li.post("/reports/export", data={"kind": "case", "subject": "x", "format": "doc",
                                            "csrf_token": token}).status_code == 400
    monkeypatch.setattr(analytics.reports, "MAX_UPLOAD", 1000)
    monkeypatch.setattr("web.routes.reports.MAX_UPLOAD", 1000)
    big = li.post("/reports/verify", files={"file": ("big.pdf", b"x" * 5000)},
                  data={"csrf_token": token})
    assert big.status_code == 413
    monkeypatch.undo()
    small = li.post("/reports/verify", files={"file": ("report.html", answer.content)},
                    data={"csrf_token": token})
    assert small.status_code == 200 and "核验通过" in small.text
