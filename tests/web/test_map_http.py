"""The relationship map's JSON and exports over HTTP, on the scanned county of map_fixtures:
jurisdiction (out of scope = 404 like missing; withheld counted, never named), paging,
paths, money trails, an alert's evidence, hidden ties, exports with provenance, the audit
trail, permissions."""
from __future__ import annotations

import csv
import html
import io
import json
import zipfile

import networkx as nx
from map_fixtures import (ACCOUNT, ANDA, HONGDA, OFFICIAL, SPOUSE, SPOUSE_SIBLING, XSS,
                          county_app, events_since, signed_in)

from analytics import audit
from analytics.cases import get_case, open_case
from analytics.scope import Scope

__all__ = ["county_app"]
MISSING = "Person:110105197001019999"


def person(key: str) -> str:
    return f"Person:{key}"


def test_page_and_entry_urls(county_app):
    client = signed_in(county_app, "bureau")
    expected = {f"key={OFFICIAL}": {"kind": "keys", "keys": [OFFICIAL]},
                "alert=A%3C1": {"kind": "alert", "alert": "A<1"},
                f"path={OFFICIAL},{HONGDA}&all=1&hops=3": {"kind": "path"},
                f"trail={ACCOUNT['U1']}&window=30&min=1000": {"kind": "trail", "window": "30"},
                "saved=map-1": {"kind": "saved", "map_id": "map-1"}}
    for query, entry in expected.items():
        page = client.get(f"/map?{query}")
        assert page.status_code == 200
        assert "/static/js/map/main.js" in page.text and "/static/vendor/vis-network/" in page.text
        found = json.loads(html.unescape(page.text.split("data-entry='", 1)[1].split("'", 1)[0]))
        assert entry.items() <= found.items(), (query, found)
    assert "<1" not in client.get("/map?alert=A%3C1").text.split("data-entry", 1)[1][:80]


def test_expand_by_type_pages_and_is_audited(county_app):
    client = signed_in(county_app, "township")
    seq = audit.head(county_app.connection)["seq"]
    first = client.post("/api/v1/map/expand", json={
        "id": f"Company:{ANDA}", "types": ["SUPPLIER"], "limit": 6}).json()
    assert first["counts"]["SUPPLIER"] == {"total": 20, "in_scope": 10, "withheld": 10,
                                           "returned": 6}
    assert first["more"]["SUPPLIER"] == 4 and first["reachable"]
    second = client.post("/api/v1/map/expand", json={
        "id": f"Company:{ANDA}", "types": ["SUPPLIER"], "offset": 6, "limit": 6}).json()
    keys = [n["key"] for n in first["nodes"]] + [n["key"] for n in second["nodes"]]
    assert sorted(keys) == [f"KA{i:02d}" for i in range(0, 20, 2)]
    assert second["more"]["SUPPLIER"] == 0
    text = json.dumps([first, second], ensure_ascii=False)
    assert "KA01" not in text and "某县交通运输局" not in text
    events = [e for e in events_since(county_app.connection, seq) if e["action"] == "map.expand"]
    assert len(events) == 2 and events[0]["actor"] == "township"
    assert ANDA in events[0]["targets"] and "KA18" in events[0]["targets"]
    assert events[0]["parameters"]["withheld"] == 10


def test_border_expand_counts_what_is_outside_and_names_nothing(county_app):
    client = signed_in(county_app, "township")
    answer = client.post("/api/v1/map/expand", json={"id": person(OFFICIAL)}).json()
    assert answer["counts"]["HOLDS_POSITION"]["withheld"] == 1        # his post at U1
    assert [n["key"] for n in answer["nodes"] if n["label"] == "Unit"] == ["U2"]
    assert answer["entity"]["outside"]["HOLDS_POSITION"] == 1
    # An alert in the township's jurisdiction is shown whole, its sentence included (as on
    # its page); everything else of the answer names nothing of the bureau.
    text = json.dumps({**answer, "nodes": [n for n in answer["nodes"] if n["label"] != "Alert"]},
                      ensure_ascii=False)
    for word in ("某县交通运输局", '"U1"', "Unit:U1", "K1", "道路维修"):
        assert word not in text, word
    # Out of scope reads like missing: the same 404 and the same words.
    outside = client.post("/api/v1/map/expand", json={"id": "Contract:K1"})
    missing = client.post("/api/v1/map/expand", json={"id": MISSING})
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    graph = client.post("/api/v1/map/graph", json={"ids": ["Contract:K1", person(OFFICIAL)]})
    assert graph.json()["missing"] == 1 and [n["key"] for n in graph.json()["nodes"]] == [OFFICIAL]


def test_paths_trail_and_alert_evidence(county_app):
    client = signed_in(county_app, "bureau")
    seq = audit.head(county_app.connection)["seq"]
    paths = client.post("/api/v1/map/paths", json={
        "a": person(OFFICIAL), "b": f"Company:{HONGDA}", "max_hops": 3}).json()
    assert paths["paths"]
    ends = {n["id"] for n in paths["nodes"]}
    assert person(OFFICIAL) in ends and f"Company:{HONGDA}" in ends
    kinship = client.post("/api/v1/map/paths", json={
        "a": person(OFFICIAL), "b": person(SPOUSE_SIBLING), "types": ["HAS_RELATIVE"]}).json()
    assert [len(p) for p in kinship["paths"]] == [2]
    early = client.post("/api/v1/map/paths", json={
        "a": person(OFFICIAL), "b": "Unit:U1", "types": ["HOLDS_POSITION"],
        "at": "2015-06-01"}).json()
    assert early["paths"] == []                      # his post at U1 began in 2018
    trail = client.post("/api/v1/map/trail", json={
        "source": f"Account:{ACCOUNT['U1']}", "window_days": 60, "min_amount": 100000}).json()
    steps = [[s["id"] for s in t] for t in trail["trails"]]
    assert ["Transaction:TX1", "Transaction:TX2", "Transaction:TX3"] in steps
    assert all(step["amount"] >= 100000 for t in trail["trails"] for step in t)
    alert_id = county_app.alert("kickback_flow")
    evidence = client.get(f"/api/v1/map/alert/{alert_id}").json()
    assert evidence["alert"]["rule_id"] == "kickback_flow"
    roles = evidence["evidence"]["nodes"]
    assert person(OFFICIAL) in roles and "Transaction:TX1" in roles
    assert evidence["evidence"]["edges"]
    assert all(e["type"] != "EVIDENCE" or e["evidence"] for e in evidence["edges"])
    actions = [e["action"] for e in events_since(county_app.connection, seq)]
    assert actions == ["map.paths", "map.paths", "map.paths", "map.trail", "map.evidence"]
    township = signed_in(county_app, "township")
    assert township.get(f"/api/v1/map/alert/{alert_id}").status_code == 404
    assert township.get("/api/v1/map/alert/nothing").status_code == 404


def test_hidden_ties_among_the_map(county_app):
    client = signed_in(county_app, "county")
    answer = client.post("/api/v1/map/hidden", json={"ids": [
        person(OFFICIAL), "Person:110105197001010097", f"Company:{HONGDA}",
        "Company:91110105MA0000004B"]}).json()
    found = {(e["type"], e["props"]["value"]) for e in answer["edges"]}
    assert ("SHARES_PHONE", "13800000001") in found and ("SHARES_ADDRESS", "工业园1号") in found


def exported(client, kind: str, ids: list[str], extra_edges=()):
    """Export the entities ``ids`` as the page would, plus what a page must not get out:
    a placeholder of something outside, an entity the user may not see (the township's
    contract KA00, not on the map since /graph left it out) and a forged tie."""
    graph = client.post("/api/v1/map/graph", json={"ids": ids}).json()
    nodes = [{"id": n["id"], "x": 10.0 * i, "y": 5.0 * i} for i, n in enumerate(graph["nodes"])]
    nodes += [{"id": "withheld:abc:withheld-1"}, {"id": "Contract:KA00", "x": 1, "y": 1}]
    edges = [e["id"] for e in graph["edges"]] + list(extra_edges)
    answer = client.post(f"/api/v1/map/export/{kind}", json={"nodes": nodes, "edges": edges})
    assert answer.status_code == 200, answer.text
    return graph, answer


def test_exports_carry_provenance_and_nothing_unseen(county_app):
    client = signed_in(county_app, "bureau")
    seq = audit.head(county_app.connection)["seq"]
    ids = [person(OFFICIAL), person(SPOUSE), "Unit:U1", "Contract:K1", f"Company:{HONGDA}",
           "Person:110105198001010018", "Contract:KA00"]     # KA00: the township's
    graph, answer = exported(client, "csv", ids, ["HAS_RELATIVE|forged|edge|||"])
    assert answer.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(answer.content))
    nodes = list(csv.DictReader(io.StringIO(bundle.read("nodes.csv").decode("utf-8-sig"))))
    ties = list(csv.DictReader(io.StringIO(bundle.read("ties.csv").decode("utf-8-sig"))))
    official = next(row for row in nodes if row["key"] == OFFICIAL)
    assert (official["name"], official["type_name"], official["src_file"], official["src_row"]) \
        == ("甲", "人员", "persons.csv", "2")
    assert official["src_dataset"] and official["src_run"]
    assert "KA00" not in {row["key"] for row in nodes}
    assert len(nodes) == len(graph["nodes"]) == 6
    spouse = next(row for row in ties if row["type"] == "HAS_RELATIVE")
    assert spouse["src_file"] == "kinship.csv" and spouse["caption"] == "配偶"
    assert {row["type"] for row in ties} >= {"BUYER", "SUPPLIER", "APPROVED_BY"}
    about = bundle.read("about.txt").decode()
    assert "left_out_nodes: 2" in about and "left_out_ties: 1" in about and "bureau" in about
    assert next(row for row in nodes if row["key"] == "110105198001010018")["name"] == XSS

    _, answer = exported(client, "graphml", ids)
    graph_ml = nx.read_graphml(io.BytesIO(answer.content))
    assert graph_ml.nodes[person(OFFICIAL)]["label"] == "甲"
    assert graph_ml.nodes[person(OFFICIAL)]["src_file"] == "persons.csv"
    assert graph_ml.nodes[person(OFFICIAL)]["x"] == 0.0
    assert any(data["type"] == "HAS_RELATIVE" and data["src_file"] == "kinship.csv"
               for _, _, data in graph_ml.edges(data=True))
    assert b'<key id=' in answer.content and b'attr.name="src_run"' in answer.content

    _, answer = exported(client, "svg", ids)
    text = answer.content.decode()
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert "<script>" not in text and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in text
    assert "甲" in text and "Noto Sans CJK SC" in text

    png = client.post("/api/v1/map/export/png", json={"nodes": [{"id": person(OFFICIAL)}]})
    assert png.json()["nodes"] == 1
    exports = [e for e in events_since(county_app.connection, seq) if e["action"] == "map.export"]
    assert [e["parameters"]["format"] for e in exports] == ["csv", "graphml", "svg", "png"]
    assert OFFICIAL in exports[0]["targets"] and "KA00" not in exports[0]["targets"]


def test_permissions_and_bad_requests(county_app):
    auditor = signed_in(county_app, "auditor")
    assert auditor.get("/map").status_code == 403
    assert auditor.post("/api/v1/map/expand", json={"id": person(OFFICIAL)}).status_code == 403
    client = signed_in(county_app, "bureau")
    bad = client.post("/api/v1/map/expand", json={"id": person(OFFICIAL), "types": ["LOADED"]})
    assert bad.status_code == 422 and "does not draw" in bad.json()["error"]
    paged = client.post("/api/v1/map/expand", json={"id": person(OFFICIAL), "offset": 5})
    assert paged.status_code == 422 and "one tie type" in paged.json()["error"]
    del client.http.headers["X-CSRF-Token"]
    assert client.post("/api/v1/map/graph", json={"ids": [person(OFFICIAL)]}).status_code == 403


def test_save_into_a_case_read_back_new_versions_and_refusals(county_app):
    """POST /api/v1/maps saves the state (the entity keys taken from it) into a case the
    user works on; GET /api/v1/maps/{id} gives it back (404 like a missing id to another
    jurisdiction); each refusal is one line."""
    connection = county_app.connection
    case_id = open_case(connection, actor="bureau", title="关系图存档测试", unit_id="U1",
                        scope=Scope.of_units(connection, ["U1"]))["case_id"]
    bureau, county = signed_in(county_app, "bureau"), signed_in(county_app, "county")
    township = signed_in(county_app, "township")
    state = {"version": 1, "nodes": [
        {"id": person(OFFICIAL), "x": 12.5, "y": -40, "pinned": True, "hidden": False},
        {"id": "Contract:K1", "x": 180, "y": 60, "pinned": False, "hidden": False},
        {"id": "Unit:U1", "x": -90, "y": 75, "pinned": False, "hidden": True}],
        "filters": {"labels": ["Tender"], "types": [], "at": "", "from": None, "to": None},
        "view": {"x": 0, "y": 0, "scale": 1.2}, "highlight": {}, "expansions": {}}
    choices = bureau.get("/api/v1/maps/cases").json()
    assert case_id in [c["case_id"] for c in choices["cases"]]
    assert case_id not in [c["case_id"] for c in county.get("/api/v1/maps/cases").json()["cases"]]

    seq = audit.head(connection)["seq"]
    saved = bureau.post("/api/v1/maps", json={"title": "甲与宏达", "state": state,
                                              "case_id": case_id})
    assert saved.status_code == 200, saved.text
    map_id = saved.json()["map"]["map_id"]
    assert saved.json()["case_id"] == case_id and saved.json()["map"]["version"] == 1
    assert sorted(saved.json()["map"]["entity_keys"]) == sorted([OFFICIAL, "K1", "U1"])
    case = get_case(connection, case_id, Scope.of_units(connection, ["U1"]))
    assert [m["map_id"] for m in case["maps"]] == [map_id]
    assert f'href="/map?saved={map_id}"' in bureau.get(f"/cases/{case_id}").text
    read = bureau.get(f"/api/v1/maps/{map_id}").json()
    assert read["state"] == state and read["mine"] and read["title"] == "甲与宏达"
    actions = [(e["action"], e["targets"][0]) for e in events_since(connection, seq)]
    assert ("map.save", map_id) in actions and ("case.add", case_id) in actions
    assert ("map.read", map_id) in actions

    # Another jurisdiction (the contract K1 is not the township's) reads a missing map.
    outside, missing = township.get(f"/api/v1/maps/{map_id}"), township.get("/api/v1/maps/map-0")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert county.get(f"/api/v1/maps/{map_id}").json()["mine"] is False

    # A new version of one's own map; a stale version, another's map, refusals.
    again = bureau.post(f"/api/v1/maps/{map_id}", json={"title": "甲与宏达（二）",
                                                       "state": state, "version": 1})
    assert again.status_code == 200 and again.json()["map"]["version"] == 2
    stale = bureau.post(f"/api/v1/maps/{map_id}", json={"title": "x", "state": state,
                                                       "version": 1})
    assert stale.status_code == 400 and "reload it" in stale.json()["error"]
    theirs = county.post(f"/api/v1/maps/{map_id}", json={"title": "x", "state": state})
    assert theirs.status_code == 400 and "save it as a new map" in theirs.json()["error"]
    theirs_only = {"nodes": [{"id": person(OFFICIAL), "x": 0, "y": 0}]}   # in both scopes
    assert township.post(f"/api/v1/maps/{map_id}", json={"title": "x", "state": theirs_only}
                         ).status_code == 404
    refusals = {
        "title": bureau.post("/api/v1/maps", json={"title": "长" * 201, "state": state}),
        "entity": township.post("/api/v1/maps", json={"title": "越界", "state": state}),
        "case": county.post("/api/v1/maps", json={"title": "别人的案件", "state": state,
                                                  "case_id": case_id}),
        "empty": bureau.post("/api/v1/maps", json={"title": "空", "state": {"nodes": []}}),
    }
    for why, answer in refusals.items():
        assert answer.status_code == 400, (why, answer.text)
        assert "\n" not in answer.json()["error"], why
    assert "1 to 200 characters" in refusals["title"].json()["error"]
    assert "in your jurisdiction" in refusals["entity"].json()["error"]
    assert f"you do not work on case {case_id}" in refusals["case"].json()["error"]
    assert bureau.post("/api/v1/maps", json={"title": "x", "state": state,
                                             "case_id": "AJ-1900-0001"}).status_code == 404
    assert len(get_case(connection, case_id, Scope.of_units(connection, ["U1"]))["maps"]) == 1
    auditor = signed_in(county_app, "auditor")
    assert auditor.post("/api/v1/maps", json={"title": "x", "state": state}).status_code == 403

