"""The relationship map in a real headless Chromium, on the scanned county of map_fixtures.

What an investigator does: open an alert's evidence, expand a node by a tie type (entities
added, its badge count drops), undo and redo, filter by date, find a path between two
selected entities, export PNG, GraphML and CSV and read them back; follow the money; expand
near the jurisdiction's border; a ``<script>`` in a name stays text; save a moved and
pinned map into a case and reopen it from the case page where it was left. Screenshots:
out/screenshots/test_*-alert-evidence.png, -expanded.png, -money-trail.png, -border.png,
-save-dialog.png, -case-maps.png, -reopened-from-case.png, -other-jurisdiction.png.
"""
from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from urllib.parse import quote

import networkx as nx
from map_fixtures import ACCOUNT, HONGDA, OFFICIAL, XSS, county_app
from playwright.sync_api import expect
from web_fixtures import browser, playwright_driver  # noqa: F401

from analytics.cases import open_case
from analytics.scope import Scope

__all__ = ["county_app", "browser", "playwright_driver"]
READY = 180_000   # a first plan of a scoped query on a busy machine


def open_map(browser, county, user: str, query: str):
    page = browser.page
    page.set_viewport_size({"width": 1600, "height": 900})   # an investigator's screen
    if not any(c["name"] == "__Host-lianjian" for c in browser.context.cookies()):
        browser.login(county.url, user)
    page.goto(f"{county.url}/map?{query}")
    expect(page.locator("#map-app")).to_have_attribute("data-ready", "true", timeout=READY)
    return page


def list_names(page) -> list[str]:
    return page.locator("#map-list li .name").all_inner_texts()


def pick(page, name: str, add: bool = False) -> None:
    item = page.locator("#map-list li").filter(has=page.locator(".name", has_text=re.compile(
        f"^{re.escape(name)}$"))).first
    item.click(modifiers=["Control"] if add else [])


def remaining(page, tie_type: str) -> int:
    badge = page.locator(f"#map-selection li.tie-row[data-type={tie_type}] .remaining")
    return int(badge.get_attribute("data-remaining"))


def test_alert_evidence_expand_filter_path_and_exports(county_app, browser, tmp_path):
    alert_id = county_app.alert("relative_supplier", "K1")
    page = open_map(browser, county_app, "bureau", f"alert={quote(alert_id)}")
    names = list_names(page)
    for name in ("甲", "乙", "丙", "宏达建筑工程有限公司", "道路维修", "某县交通运输局"):
        assert name in names, names
    roles = page.evaluate("Object.fromEntries(window.lianjianMap.model.evidence)")
    assert roles[f"Person:{OFFICIAL}"] and roles["Contract:K1"] == ["contract"]
    assert page.evaluate("window.lianjianMap.model.evidenceEdges.size") >= 2
    browser.shot("alert-evidence")

    # Expand 甲 by kinship: 丁 joins, the badge of kinship ties not on the map drops to 0.
    pick(page, "甲")
    expect(page.locator("#map-selection .title")).to_have_text("甲")
    assert remaining(page, "HAS_RELATIVE") == 1
    before = len(list_names(page))
    page.locator("#map-selection li.tie-row[data-type=HAS_RELATIVE] button").click()
    expect(page.locator("#map-selection li.tie-row[data-type=HAS_RELATIVE] .remaining")) \
        .to_have_attribute("data-remaining", "0", timeout=READY)
    assert "丁" in list_names(page) and len(list_names(page)) == before + 1
    page.locator("#map-selection li.tie-row[data-type=APPROVED_BY] button").click()
    expect(page.locator("#map-list li .name", has_text="路灯采购")).to_have_count(1, timeout=READY)
    browser.shot("expanded")

    # Undo takes the last expansion back, redo brings it again.
    page.click("#map-undo")
    expect(page.locator("#map-list li .name", has_text="路灯采购")).to_have_count(0)
    page.click("#map-redo")
    expect(page.locator("#map-list li .name", has_text="路灯采购")).to_have_count(1)

    # Dates: keep 2020 only; the 2021 contract leaves the canvas, the 2020 one stays.
    bins = page.evaluate("window.lianjianMap.panels.bins.map((bin) => bin.label)")
    page.locator("#map-range-to").fill(str(bins.index("2020-12")))
    expect(page.locator("#map-list li.is-filtered .name", has_text="路灯采购")).to_have_count(1)
    assert page.evaluate("window.lianjianMap.view.nodes.get('Contract:K2')") is None
    assert page.evaluate("window.lianjianMap.view.nodes.get('Contract:K1') !== null")
    page.locator("#map-range-to").fill(str(len(bins) - 1))

    # A path between two selected entities.
    pick(page, "甲")
    pick(page, "宏达建筑工程有限公司", add=True)
    page.click("#map-paths button[value=shortest]")
    expect(page.locator("#map-status .message", has_text="找到")).to_have_count(1, timeout=READY)
    assert page.evaluate("window.lianjianMap.model.pathEdges.size") >= 2

    # Exports, read back.
    with page.expect_download() as download:
        page.click("[data-export=png]")
    png = download.value.path().read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert max(width, height) >= 1500, (width, height)    # the whole map, high resolution
    with page.expect_download() as download:
        page.click("[data-export=graphml]")
    graph = nx.read_graphml(download.value.path())
    assert graph.nodes[f"Person:{OFFICIAL}"]["label"] == "甲"
    assert graph.nodes[f"Person:{OFFICIAL}"]["src_file"] == "persons.csv"
    assert graph.nodes[f"Company:{HONGDA}"]["src_run"]
    with page.expect_download() as download:
        page.click("[data-export=csv]")
    bundle = zipfile.ZipFile(download.value.path())
    rows = list(csv.DictReader(io.StringIO(bundle.read("nodes.csv").decode("utf-8-sig"))))
    assert {"甲", "丁", "路灯采购"} <= {row["name"] for row in rows}
    ties = list(csv.DictReader(io.StringIO(bundle.read("ties.csv").decode("utf-8-sig"))))
    assert any(row["type"] == "HAS_RELATIVE" and row["src_file"] == "kinship.csv" for row in ties)
    assert not browser.dialogs

    # The state a saved map keeps, drawn again on a fresh page: every entity re-read, at
    # the same place, with the same filters.
    page.click(f"#map-node-types input[data-label=Tender]")
    pick(page, "甲")
    page.click("#map-selection .actions button:has-text('固定位置')")
    state = page.evaluate("window.lianjianMap.state()")
    assert "withheld" not in str([n["id"] for n in state["nodes"]])
    assert state["filters"]["labels"] == ["Tender"]
    page.goto(f"{county_app.url}/map")
    expect(page.locator("#map-app")).to_have_attribute("data-ready", "true", timeout=READY)
    page.evaluate("(state) => window.lianjianMap.reopen(state)", state)
    expect(page.locator("#map-list li")).to_have_count(len(state["nodes"]), timeout=READY)
    drawn = page.evaluate("""(() => {
        const view = window.lianjianMap.view;
        return view.network.getPositions(view.nodes.getIds());
    })()""")
    for node in state["nodes"]:
        if node["id"].startswith("Tender:"):
            assert node["id"] not in drawn            # still filtered out
            continue
        assert abs(drawn[node["id"]]["x"] - node["x"]) < 1 and abs(drawn[node["id"]]["y"] - node["y"]) < 1
    assert page.evaluate(f"window.lianjianMap.model.pinned.has('Person:{OFFICIAL}')")
    assert not page.locator("#map-node-types input[data-label=Tender]").is_checked()
    browser.shot("reopened")


def test_money_trail(county_app, browser):
    page = open_map(browser, county_app, "bureau",
                    f"trail=Account:{ACCOUNT['U1']}&window=60&min=100000")
    labels = page.evaluate("window.lianjianMap.view.edges.get().map((edge) => edge.label)")
    assert any(label and label.startswith("①") and "¥3,500,000 · 2020-06-10" in label
               for label in labels), labels
    assert any(label and "¥200,000 · 2020-07-01" in label for label in labels), labels
    assert page.evaluate("window.lianjianMap.view.nodes.get('Transaction:TX1')") is None
    assert {"宏达建筑工程有限公司", "丙", "乙"} <= set(list_names(page))
    browser.shot("money-trail")


def test_border_expand_shows_the_withheld_count_and_no_outside_name(county_app, browser):
    page = open_map(browser, county_app, "township", f"key={OFFICIAL}")
    expect(page.locator("#map-selection .title")).to_have_text("甲")
    withheld = page.locator("#map-selection li.withheld-row")
    expect(withheld).to_have_count(1)
    assert int(withheld.get_attribute("data-withheld")) >= 1
    expect(page.locator("#map-status .message.warn", has_text="管辖范围以外")).to_have_count(1)
    assert "某镇人民政府" in list_names(page)
    shown = page.evaluate("""JSON.stringify([...window.lianjianMap.model.nodes.values()]
        .filter((node) => node.label !== 'Alert'))""")
    for word in ("某县交通运输局", '"U1"', "道路维修"):
        assert word not in shown, word
    assert "某县交通运输局" not in page.locator("#map-list").inner_text()
    browser.shot("border")


def test_a_script_in_a_name_stays_text(county_app, browser):
    page = open_map(browser, county_app, "bureau", "key=Person:110105198001010018")
    assert XSS in list_names(page)
    expect(page.locator("#map-selection .title")).to_have_text(XSS)
    tooltip = page.evaluate("""(() => {
        const title = window.lianjianMap.view.nodes.get('Person:110105198001010018').title;
        return [title.textContent, title.querySelectorAll('script, img').length];
    })()""")
    assert tooltip[0].startswith(XSS) and tooltip[1] == 0
    box = page.locator("#map-canvas").bounding_box()
    for _ in range(8):   # the view may still be animating its fit: hover where the node is now
        position = page.evaluate("""(() => {
            const network = window.lianjianMap.view.network;
            const id = 'Person:110105198001010018';
            return network.canvasToDOM(network.getPositions([id])[id]);
        })()""")
        page.mouse.move(box["x"] + position["x"], box["y"] + position["y"])
        try:
            expect(page.locator("div.vis-tooltip")).to_contain_text(XSS, timeout=1500)
            break
        except AssertionError:
            page.mouse.move(box["x"] + 5, box["y"] + 5)
    expect(page.locator("div.vis-tooltip")).to_contain_text(XSS, timeout=1500)
    assert page.evaluate("window.__xss") is None
    assert page.locator("div.vis-tooltip script, div.vis-tooltip img").count() == 0
    assert not browser.dialogs


def positions(page) -> dict:
    return page.evaluate("""(() => {
        const view = window.lianjianMap.view;
        return view.network.getPositions(view.nodes.getIds());
    })()""")


def settled(page) -> dict:
    """The drawn positions once the layout has stopped moving."""
    before = positions(page)
    for _ in range(40):
        page.wait_for_timeout(250)
        now = positions(page)
        if all(abs(now[i]["x"] - p["x"]) < 0.5 and abs(now[i]["y"] - p["y"]) < 0.5
               for i, p in before.items() if i in now):
            return now
        before = now
    raise AssertionError("the map's layout did not settle")


def test_save_into_a_case_and_reopen_it_from_the_case_page(county_app, browser):
    connection = county_app.connection
    case_id = open_case(connection, actor="bureau", title="甲亲属关联企业中标核查",
                        unit_id="U1", scope=Scope.of_units(connection, ["U1"]))["case_id"]
    alert_id = county_app.alert("relative_supplier", "K1")
    page = open_map(browser, county_app, "bureau", f"alert={quote(alert_id)}")
    official = f"Person:{OFFICIAL}"
    start = settled(page)[official]

    # Move 甲 with the mouse, then pin it; hide units and buyer ties.
    box = page.locator("#map-canvas").bounding_box()
    at = page.evaluate(f"window.lianjianMap.view.network.canvasToDOM("
                       f"window.lianjianMap.view.network.getPositions(['{official}'])['{official}'])")
    page.mouse.move(box["x"] + at["x"], box["y"] + at["y"])
    page.mouse.down()
    page.mouse.move(box["x"] + at["x"] + 70, box["y"] + at["y"] + 50, steps=8)
    page.mouse.move(box["x"] + at["x"] + 140, box["y"] + at["y"] + 100, steps=8)
    page.mouse.up()
    moved = settled(page)[official]
    assert abs(moved["x"] - start["x"]) > 40 and abs(moved["y"] - start["y"]) > 30, (start, moved)
    pick(page, "甲")
    page.click("#map-selection .actions button:has-text('固定位置')")
    page.click("#map-node-types input[data-label=Unit]")
    page.click("#map-tie-types input[data-type=BUYER]")
    expect(page.locator("#map-list li.is-filtered .name", has_text="某县交通运输局")).to_have_count(1)
    drawn = settled(page)
    state = page.evaluate("window.lianjianMap.state()")
    entities = sorted(node["id"] for node in state["nodes"])

    # Save into the case, with a title a careless page would run.
    title = f"甲的关系{XSS}"
    page.click("#map-save")
    expect(page.locator("#map-save-dialog")).to_be_visible()
    expect(page.locator(f"#map-save-case option[value='{case_id}']")).to_have_count(1)
    page.fill("#map-save-title", title)
    page.select_option("#map-save-case", case_id)
    browser.shot("save-dialog")
    page.click("#map-save-submit")
    expect(page.locator("#map-status .saved-message")).to_contain_text(case_id, timeout=READY)
    expect(page.locator("#map-save-dialog")).to_be_hidden()
    map_id = re.search(r"saved=(map-[0-9a-f]+)", page.url).group(1)
    expect(page.locator("#map-saved-title")).to_contain_text(title)

    # The case page lists it; its link opens the map where it was left.
    page.locator("#map-status .saved-message button").click()
    expect(page).to_have_url(re.compile(f"/cases/{case_id}"))
    link = page.locator(f"#maps a.saved-map-link[href='/map?saved={map_id}']")
    expect(link).to_have_text(title)
    browser.shot("case-maps")
    link.click()
    expect(page.locator("#map-app")).to_have_attribute("data-ready", "true", timeout=READY)
    expect(page.locator("#map-list li")).to_have_count(len(entities), timeout=READY)
    assert sorted(page.evaluate("window.lianjianMap.model.entityIds()")) == entities
    again = positions(page)
    assert set(again) == set(drawn)
    for node_id, where in drawn.items():
        assert abs(again[node_id]["x"] - where["x"]) <= 1, node_id
        assert abs(again[node_id]["y"] - where["y"]) <= 1, node_id
    kept = {node["id"]: node for node in state["nodes"]}
    hidden_units = page.evaluate("Object.fromEntries(window.lianjianMap.model.positions)")
    for node_id in set(entities) - set(drawn):          # filtered out: same place when shown
        assert abs(hidden_units[node_id]["x"] - kept[node_id]["x"]) <= 1, node_id
    assert page.evaluate(f"window.lianjianMap.model.pinned.has('{official}')")
    assert page.evaluate("[...window.lianjianMap.model.filters.labels]") == ["Unit"]
    assert page.evaluate("[...window.lianjianMap.model.filters.types]") == ["BUYER"]
    assert not page.locator("#map-node-types input[data-label=Unit]").is_checked()
    assert not page.locator("#map-tie-types input[data-type=BUYER]").is_checked()
    expect(page.locator("#map-saved-title")).to_contain_text(title)
    assert page.evaluate("window.__xss") is None and not browser.dialogs
    browser.shot("reopened-from-case")

    # Another jurisdiction opening the link reads what a missing id reads.
    browser.context.clear_cookies()
    browser.login(county_app.url, "township")
    said = {}
    for wanted in (map_id, "map-000000000000"):
        page.goto(f"{county_app.url}/map?saved={wanted}")
        expect(page.locator("#map-app")).to_have_attribute("data-ready", "true", timeout=READY)
        expect(page.locator("#map-status .message.error")).to_have_count(1)
        said[wanted] = page.locator("#map-status").inner_text().replace(wanted, "ID")
        assert page.locator("#map-list li").count() == 0
        assert page.locator("#map-saved-title").is_hidden()
    assert said[map_id] == said["map-000000000000"]
    assert "不存在或不在您的管辖范围内" in said[map_id]
    browser.shot("other-jurisdiction")

