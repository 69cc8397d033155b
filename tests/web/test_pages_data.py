"""The data pages and their JSON twins over HTTP, on a county loaded, scanned and served
for real: search, entity pages, integrity profiles, unit portraits, the audit log; the
jurisdiction of each (out of scope answers exactly like a missing key) and the audit of
every read."""
from __future__ import annotations

import re

import pytest
from data_fixtures import (ACCOUNT, CONSULTANCY, FORMER_CLERK, HONGDA,  # noqa: F401
                           MISSING_PERSON, OFFICIAL, SHELL, SPOUSE, SPOUSE_SIBLING,
                           TOWNSHIP_HEAD, county_app, events_since)

from analytics import audit


def last_seq(county) -> int:
    return audit.head(county.connection)["seq"]


def same_answer(client, path_a: str, path_b: str, key_a: str, key_b: str,
                method: str = "GET", **kwargs) -> int:
    """Both paths answer alike: same status, same body once each key is blanked.

    The session's CSRF token is taken out first: it is random, so a short key such as "U1"
    can occur inside it and would be blanked there in one body only."""
    answers = [client.request(method, path, **kwargs) for path in (path_a, path_b)]
    texts = [answer.text for answer in answers]
    for i, text in enumerate(texts):
        for token in set(re.findall(r'csrf[-_]token"? (?:content|value)="([^"]+)"', text)):
            texts[i] = texts[i].replace(token, "<csrf>")
    bodies = [text.replace(key, "<key>").replace(key.replace(":", "%3A"), "<key>")
              for text, key in zip(texts, (key_a, key_b))]
    assert answers[0].status_code == answers[1].status_code, (path_a, path_b)
    assert bodies[0] == bodies[1], (path_a, path_b)
    return answers[0].status_code


# ---- search -----------------------------------------------------------------------------

def test_search_by_chinese_name_groups_hits_with_their_facts(county_app):
    client = county_app.client("county")
    seq = last_seq(county_app)
    page = client.get("/search", params={"q": "宏达"})
    assert page.status_code == 200
    assert 'data-label="Company"' in page.text and "宏达建筑工程有限公司" in page.text
    assert f'href="/entities/{HONGDA}"' in page.text
    [event] = events_since(county_app.connection, seq)
    assert (event["action"], event["actor"]) == ("search.run", "county")
    assert event["parameters"]["text"] == "宏达" and HONGDA in event["targets"]


def test_search_by_id_number_in_another_spelling_and_by_pinyin(county_app):
    client = county_app.client("county")
    found = client.get("/api/v1/search", params={"q": SPOUSE.lower()}).json()
    assert found["results"][0]["key"] == SPOUSE and found["results"][0]["match"] == "key"
    assert found["groups"][0]["label"] == "Person"
    by_pinyin = client.get("/api/v1/search", params={"q": "jia", "type": "Person"}).json()
    assert OFFICIAL in [hit["key"] for hit in by_pinyin["results"]]
    page = client.get("/search", params={"q": OFFICIAL})
    assert f'href="/profiles/{OFFICIAL}"' in page.text, "an official's hit leads to his profile"


def test_search_stays_in_the_jurisdiction(county_app):
    township = county_app.client("township")
    assert township.get("/api/v1/search", params={"q": FORMER_CLERK}).json()["results"] == []
    assert township.get("/api/v1/search", params={"q": MISSING_PERSON}).json()["results"] == []
    assert "没有找到" in township.get("/search", params={"q": "远见咨询"}).text
    elsewhere = county_app.client("elsewhere")
    assert elsewhere.get("/api/v1/search", params={"q": "甲"}).json()["groups"] == []


def test_search_refuses_an_unknown_type_in_one_line(county_app):
    answer = county_app.client("county").get("/api/v1/search", params={"q": "甲",
                                                                        "type": "Nope"})
    assert answer.status_code == 400 and list(answer.json()) == ["error"]


# ---- entity pages -----------------------------------------------------------------------

def test_entity_page_shows_facts_with_sources_ties_and_alerts(county_app):
    client = county_app.client("county")
    seq = last_seq(county_app)
    page = client.get(f"/entities/{HONGDA}")
    assert page.status_code == 200
    text = page.text
    assert "宏达建筑工程有限公司" in text and "companies.csv:2" in text
    assert 'data-type="SUPPLIER"' in text and "道路维修" in text, "its contracts as ties"
    assert "亲属关联供应商" in text or "relative_supplier" in text
    [event] = events_since(county_app.connection, seq)
    assert (event["action"], event["targets"]) == ("entity.read", [HONGDA])


def test_ties_valid_at_a_date(county_app):
    client = county_app.client("county")
    before = client.get(f"/api/v1/entities/{TOWNSHIP_HEAD}", params={"at": "2018-06-01"}).json()
    after = client.get(f"/api/v1/entities/{TOWNSHIP_HEAD}", params={"at": "2020-06-01"}).json()
    roles = lambda card: [n for n in card["ties"]["neighbours"] if n["type"] == "HOLDS_ROLE"]
    assert len(roles(before)) == 1 and roles(after) == [], "the board seat ended in 2018"
    assert before["at"] == "2018-06-01"
    answer = client.get(f"/api/v1/entities/{TOWNSHIP_HEAD}", params={"at": "June"})
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.json()["error"]


def test_a_stub_is_flagged_as_known_only_from_a_reference(county_app):
    county_app.connection.write("MATCH (c:Company {credit_code: $key}) SET c.stub = true",
                                key=SHELL)
    try:
        page = county_app.client("county").get(f"/entities/{SHELL}")
        assert "仅见于其他数据表的引用" in page.text
        card = county_app.client("county").get(f"/api/v1/entities/{SHELL}").json()
        assert card["flags"]["stub"] is True
    finally:
        county_app.connection.write("MATCH (c:Company {credit_code: $key}) REMOVE c.stub",
                                    key=SHELL)


# ---- profile ----------------------------------------------------------------------------

def test_profile_traces_every_point_and_is_audited(county_app):
    client = county_app.client("county")
    seq = last_seq(county_app)
    profile = client.get(f"/api/v1/profiles/{OFFICIAL}").json()
    assert profile["risk"]["total"] == sum(item["points"] for item in profile["risk"]["items"])
    alert_ids = {row["alert_id"] for row in profile["alerts"]}
    assert alert_ids and all(item["source"] in alert_ids for item in profile["risk"]["items"]
                             if ":" in item["source"])
    assert {row["id_number"] for row in profile["family"]} >= {SPOUSE, SPOUSE_SIBLING}
    assert profile["complaints"]["total"] == 1, "the complaint about him (Q1)"
    page = client.get(f"/profiles/{OFFICIAL}")
    assert page.status_code == 200
    for heading in ("风险分", "任职经历", "亲属", "本人及亲属经商办企业", "相关合同",
                    "本人及亲属收款", "家庭领取惠民资金", "涉及本人的预警", "信访举报"):
        assert heading in page.text, heading
    assert re.search(r'<svg[^>]+class="chart chart-span"', page.text), "posts over time"
    reads = [(e["action"], e["targets"]) for e in events_since(county_app.connection, seq)]
    assert reads == [("profile.read", [OFFICIAL]), ("profile.read", [OFFICIAL])]


def test_profile_counts_what_lies_outside_the_jurisdiction_without_naming_it(county_app):
    township = county_app.client("township")
    profile = township.get(f"/api/v1/profiles/{OFFICIAL}").json()
    assert profile["withheld"]["contracts"] == 2 and profile["contracts"] == []
    page = township.get(f"/profiles/{OFFICIAL}")
    assert "另有 2 条在您的管辖范围外" in page.text
    assert "道路维修" not in page.text and "路灯采购" not in page.text
    posts = re.search(r'<section class="card" id="posts">.*?</section>', page.text, re.S)[0]
    assert "某县交通运输局" not in posts and "管辖范围外" in posts, \
        "his bureau post is shown, its unit withheld"


def test_profile_as_of_a_day(county_app):
    profile = county_app.client("county").get(f"/api/v1/profiles/{OFFICIAL}",
                                               params={"as_of": "2019-01-01"}).json()
    assert profile["as_of"] == "2019-01-01"
    assert all(row["signed_date"] <= "2019-01-01" for row in profile["contracts"])
    assert profile["alerts"] == [], "the alerts were raised after that day"


# ---- portrait ---------------------------------------------------------------------------

def test_portrait_figures_are_exact_and_charts_are_server_svg(county_app):
    client = county_app.client("county")
    seq = last_seq(county_app)
    portrait = client.get("/api/v1/portraits/C0").json()
    [direct] = county_app.connection.read(
        "MATCH (c:Contract)-[:BUYER]->(u:Unit) WHERE u.unit_id IN ['C0', 'U1', 'U2', 'V1'] "
        "RETURN count(c) AS n, sum(c.amount) AS amount")
    assert portrait["totals"]["contracts"] == direct["n"]
    assert portrait["totals"]["contract_amount"] == pytest.approx(direct["amount"])
    assert portrait["alerts_total"] == len(county_app.alerts())
    page = client.get("/portraits/C0")
    charts = re.findall(r"<svg .*?</svg>", page.text, re.S)
    assert len(charts) == 5
    assert all('font-family="Noto Sans CJK SC' in svg and "<script" not in svg for svg in charts)
    assert "亲属关联供应商" in page.text or "relative_supplier" in page.text
    assert 'href="/alerts?unit=C0&amp;rule=' in page.text, "bars lead to the queue"
    assert 'href="/portraits/U1"' in page.text, "drill down to the units below"
    assert [(e["action"], e["targets"]) for e in events_since(county_app.connection, seq)] \
        == [("portrait.read", ["C0"]), ("portrait.read", ["C0"]), ("complaints.list", ["C0"])]
    assert 'id="complaint-hot-spots"' in page.text and 'id="unit-notices"' in page.text, \
        "the public channel's complaints and the rectification notices of the subtree"
    assert client.get("/portraits").headers["location"] == "/portraits/C0"


def test_township_portrait_of_its_own_unit(county_app):
    township = county_app.client("township")
    portrait = township.get("/api/v1/portraits/U2").json()
    assert portrait["totals"]["contracts"] == 11
    assert township.get("/portraits").headers["location"] == "/portraits/U2"


# ---- jurisdiction: out of scope is 404, exactly like a missing key -----------------------

@pytest.mark.parametrize("reader, outside, missing, kind", [
    ("township", FORMER_CLERK, MISSING_PERSON, "person"),
    ("township", CONSULTANCY, "91110105MA99999990", "company"),
    ("township", "K1", "K999", "contract"),
    ("township", ACCOUNT["U1"], "62229999999999", "account"),
    ("township", "U1", "NOPE", "unit"),
    ("elsewhere", OFFICIAL, MISSING_PERSON, "person"),
])
def test_every_page_and_api_route_answers_404_outside_the_jurisdiction(
        county_app, reader, outside, missing, kind):
    client = county_app.client(reader)
    routes = ["/entities/{}", "/api/v1/entities/{}"]
    if kind == "person":
        routes += ["/profiles/{}", "/api/v1/profiles/{}"]
    if kind == "unit":
        routes += ["/portraits/{}", "/api/v1/portraits/{}"]
    for route in routes:
        status = same_answer(client, route.format(outside), route.format(missing), outside,
                             missing)
        assert status == 404, route
    api = client.get(f"/api/v1/entities/{outside}")
    assert api.json() == {"error": "页面或对象不存在。"}


def test_alerts_outside_the_jurisdiction_answer_404_on_every_route(county_app):
    bureau_only = next(a["alert_id"] for a in county_app.alerts("revolving_door"))
    missing = "revolving_door:0000000000000000"
    township = county_app.client("township")
    for route in ("/alerts/{}", "/api/v1/alerts/{}"):
        assert same_answer(township, route.format(bureau_only), route.format(missing),
                           bureau_only, missing) == 404
    token = re.search(r'name="csrf-token" content="([^"]+)"', township.get("/alerts").text)[1]
    for action in ("note", "verify"):
        body = {"note": "试探"}
        assert same_answer(township, f"/api/v1/alerts/{bureau_only}/{action}",
                           f"/api/v1/alerts/{missing}/{action}", bureau_only, missing,
                           method="POST", json=body,
                           headers={"X-CSRF-Token": token}) == 404
        assert same_answer(township, f"/alerts/{bureau_only}/{action}",
                           f"/alerts/{missing}/{action}", bureau_only, missing, method="POST",
                           data={**body, "csrf_token": token}) == 404
    queue = township.get("/api/v1/alerts", params={"page_size": 200}).json()
    assert bureau_only not in [item["alert_id"] for item in queue["items"]]
    assert township.get("/api/v1/alerts", params={"unit": "U1"}).json()["total"] == 0
    assert township.get("/api/v1/alerts", params={"unit": "NOPE"}).json()["total"] == 0
    elsewhere = county_app.client("elsewhere")
    result = elsewhere.post("/api/v1/alerts/assign", json={
        "alert_ids": [bureau_only, missing], "assignee": "外县"},
        headers={"X-CSRF-Token": re.search(r'name="csrf-token" content="([^"]+)"',
                                           elsewhere.get("/").text)[1]}).json()
    assert result["assigned"] == []
    reasons = [result["refused"][key].replace(key, "<key>") for key in (bureau_only, missing)]
    assert reasons[0] == reasons[1]


# ---- roles ------------------------------------------------------------------------------

def test_the_auditor_reads_the_trail_and_no_case_data(county_app):
    auditor = county_app.client("auditor")
    assert auditor.get(f"/profiles/{OFFICIAL}").status_code == 403
    assert auditor.get("/api/v1/search", params={"q": "甲"}).status_code == 403
    county_app.client("county").get(f"/profiles/{OFFICIAL}")
    trail = auditor.get("/api/v1/audit", params={"target": OFFICIAL,
                                                 "action": "profile.read"}).json()
    assert trail["total"] >= 1 and trail["items"][0]["actor"] == "county"
    page = auditor.get("/audit", params={"verify": "1", "actor": "county"})
    assert page.status_code == 200 and 'id="chain-ok"' in page.text
    assert auditor.get("/api/v1/audit/verify").json()["ok"] is True
    assert county_app.client("county").get("/audit").status_code == 403
    last = auditor.get("/api/v1/audit", params={"actor": "auditor"}).json()["items"][0]
    assert last["action"] == "audit.read", "reading the trail is recorded"


def test_an_analyst_reads_but_has_no_workflow_actions(county_app):
    analyst = county_app.client("analyst")
    alert_id = county_app.alerts("shell_company")[0]["alert_id"]
    detail = analyst.get(f"/api/v1/alerts/{alert_id}").json()
    assert detail["actions"] == []
    page = analyst.get(f"/alerts/{alert_id}")
    assert "form-assign" not in page.text and "您的角色在当前状态下没有可执行的操作" in page.text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)[1]
    answer = analyst.post(f"/api/v1/alerts/{alert_id}/note", json={"note": "x"},
                          headers={"X-CSRF-Token": token})
    assert answer.status_code == 403


# ---- API tokens, OpenAPI, warm-up ----------------------------------------------------------

def test_an_api_token_reads_with_the_same_scope_and_audit(county_app):
    from analytics.accounts import create_token

    token = create_token(county_app.connection, "township", "script", 1)
    headers = {"Authorization": f"Bearer {token.secret}"}
    client = county_app.client("county")   # its cookies are not sent with a bearer token
    seq = last_seq(county_app)
    import httpx

    with httpx.Client(base_url=county_app.url, headers=headers) as script:
        assert script.get(f"/api/v1/profiles/{OFFICIAL}").status_code == 200
        outside = script.get(f"/api/v1/profiles/{FORMER_CLERK}")
        assert outside.status_code == 404 and outside.json() == {"error": "页面或对象不存在。"}
        note = script.post(f"/api/v1/alerts/{county_app.alerts('shell_company')[0]['alert_id']}"
                           "/note", json={"note": "脚本备注"})
        assert note.status_code == 200, "a bearer token needs no CSRF token"
    [read] = [e for e in events_since(county_app.connection, seq) if e["action"] == "profile.read"]
    assert read["actor"] == "township" and read["parameters"]["via"] == "token"
    assert client.get("/api/v1/me").json()["username"] == "county"


def test_openapi_documents_the_data_api_with_the_error_schema(county_app):
    schema = county_app.client("county").get("/openapi.json").json()
    for path in ("/api/v1/search", "/api/v1/entities/{key}", "/api/v1/profiles/{id_number}",
                 "/api/v1/portraits/{unit_id}", "/api/v1/alerts", "/api/v1/alerts/{alert_id}",
                 "/api/v1/alerts/assign", "/api/v1/alerts/{alert_id}/dispose",
                 "/api/v1/audit", "/api/v1/audit/verify"):
        assert path in schema["paths"], path
    profile = schema["paths"]["/api/v1/profiles/{id_number}"]["get"]
    assert profile["responses"]["404"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/ErrorBody")
    assert not [p for p in schema["paths"] if not p.startswith("/api/v1/")], "no pages"


def test_the_query_plans_were_warmed_at_start_and_for_new_kinds_of_jurisdiction(county_app):
    """At start for the county office's scope (4 units); when the other county's reader
    (1 unit: another plan) first came, for that kind too — which has no official to read."""
    county_app.client("elsewhere").get("/")
    warmer = county_app.app.state.warmer
    assert warmer.wait(600)
    assert {"search", "integrity_profile", "unit_portrait"} <= set(warmer.seconds["2-10"])
    assert warmer.seconds["1"] == {}
