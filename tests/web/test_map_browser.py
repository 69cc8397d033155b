"""The relationship map in a real headless Chromium, on the scanned county of map_fixtures.

What an investigator does: open an alert's evidence, expand a node by a tie type (entities
added, its badge count drops), undo and redo, filter by date, find a path between two
selected entities, export PNG, GraphML and CSV and read them back; follow the money; expand
near the jurisdiction's border; a ``<script>`` in a name stays text. Screenshots:
out/screenshots/test_*-alert-evidence.png, -expanded.png, -money-trail.png, -border.png.
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
