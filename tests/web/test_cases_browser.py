"""Cases in a real Chromium against the real app and Neo4j: a case built from two alerts and
a saved map, checklist items ticked, the evidence report exported as HTML and PDF (the PDF's
text read back with pdftotext, its first pages looked at with pdftoppm), the file verified
by ``lianjian report verify`` and by the upload page, a one-byte change refused, and a user
of another jurisdiction answered 404. Then rule quality and a parameter trial."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from typer.testing import CliRunner
from web_fixtures import (SCREENSHOTS, WebClient, audit_log, browser, live,  # noqa: F401
                          make_user, playwright_driver, start_app)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from fixtures import World  # noqa: E402
from lifecycle_fixtures import cases as county_cases  # noqa: E402

from analytics.alerts import read_alerts  # noqa: E402
from analytics.audit import read_log  # noqa: E402
from analytics.saved_maps import save_map  # noqa: E402
from analytics.scan import run_scan  # noqa: E402
from analytics.scope import Scope  # noqa: E402
from conftest import server_environment  # noqa: E402
from graph.settings import get_settings  # noqa: E402
from lianjian.cli import app as cli  # noqa: E402


@pytest.fixture
def county(live, tmp_path):
    ids = county_cases(world := World())
    world.load(live.connection, tmp_path / "county")
    run_scan(live.connection, actor="scanner")
    make_user(live.connection, "chief", ("supervisor",), "U0", "陈主任")
    make_user(live.connection, "wang", ("investigator",), "U2", "王五")
    make_user(live.connection, "analyst", ("analyst",), "U0", "赵分析")
    alerts = read_alerts(live.connection)
    pick = {rule: next(a["alert_id"] for a in alerts if a["rule_id"] == rule
                       and "U1" in a["unit_ids"]) for rule in ("relative_supplier",
                                                               "bid_rigging")}
    return ids, pick


def _pdf_pages(pdf: Path, name: str) -> list[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / name
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf),
                    str(prefix)], check=True)
    return sorted(SCREENSHOTS.glob(f"{name}-*.png"))


def test_build_a_case_tick_the_checklist_export_and_verify(live, browser, county, tmp_path,
                                                            neo4j_settings, monkeypatch):
    ids, pick = county
    saved = save_map(live.connection, actor="chief", unit_id="U1", title="甲的亲属与宏达",
                     state={"positions": {}}, entity_keys=[ids["甲"], ids["宏达"]],
                     scope=Scope.everything())
    page = browser.page
    browser.login(live.url, "chief")
    page.click("nav.nav a[href='/cases']")
    page.fill("#title", "宏达供货与投标线索")
    page.fill("#unit_id", "U1")
    page.fill("#alert_ids", f"{pick['relative_supplier']}\n{pick['bid_rigging']}")
    page.click("form[action='/cases'] button.primary")
    expect(page.locator(".alert-info")).to_have_text("案件线索已建立。")
    case_id = page.locator(".crumbs code").inner_text()
    assert case_id.startswith("AJ-")
    assert page.locator("article.case-alert").count() == 2
    page.select_option("#add-maps", saved["map_id"])
    page.click("#add-items button")
    expect(page.locator("#maps li code")).to_have_text(saved["map_id"])

    first = page.locator(f"[id='check-{pick['relative_supplier']}-kinship']")
    first.locator("input[type=checkbox]").check()
    first.locator("input[name=note]").fill("户籍档案载明二人系夫妻")
    first.locator("button").click()
    expect(page.locator(".alert-info")).to_have_text("核查要点已保存。")
    second = page.locator(f"[id='check-{pick['bid_rigging']}-shared_contact']")
    second.locator("input[type=checkbox]").check()
    second.locator("button").click()
    expect(page.locator(".check-item.is-checked")).to_have_count(2)
    expect(first.locator("input[name=note]")).to_have_value("户籍档案载明二人系夫妻")
    expect(first.locator(".check-who")).to_contain_text("chief")
    browser.shot("case-page")

    with page.expect_download() as html_download:
        page.click("#export-html")
    html_path = tmp_path / "report.html"
    html_download.value.save_as(html_path)
    with page.expect_download() as pdf_download:
        page.click("#export-pdf")
    pdf_path = tmp_path / "report.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_download.value.suggested_filename == f"{case_id}-证据报告.pdf"

    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    for name in ("甲", "乙", "宏达", "投标甲", "某县交通运输局", "户籍档案载明二人系夫妻",
                 "陈主任", case_id):
        assert name in flat, name
    for source in ("persons.csv", "kinship.csv", "contracts.csv", "bids.csv"):
        assert source in flat, source
    exports = read_log(live.connection, action="report.export")["items"]
    assert [e["parameters"]["format"] for e in exports] == ["pdf", "html"]
    assert exports[0]["parameters"]["head_hash"] in flat
    pages = _pdf_pages(pdf_path, f"{browser.test_name}-pdf")
    assert len(pages) == 2

    for name, value in server_environment(neo4j_settings).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    runner = CliRunner()
    accepted = runner.invoke(cli, ["report", "verify", str(pdf_path), "--as", "auditor"])
    assert accepted.exit_code == 0, accepted.output
    assert "exported by chief" in accepted.output and case_id in accepted.output
    altered = tmp_path / "altered.pdf"
    data = bytearray(pdf_path.read_bytes())
    data[len(data) // 3] ^= 0x20
    altered.write_bytes(bytes(data))
    refused = runner.invoke(cli, ["report", "verify", str(altered), "--as", "auditor"])
    get_settings.cache_clear()
    assert refused.exit_code == 1 and "altered after export" in str(refused.exception)

    page.click("nav.nav a[href='/reports/verify']")
    page.set_input_files("#file", str(html_path))
    page.click("#verify-form button")
    expect(page.locator("#verdict h2")).to_have_text("核验通过：文件为原件")
    assert "陈主任" not in page.locator("#verdict").inner_text()  # the account name is shown
    assert "chief" in page.locator("#verdict").inner_text()
    browser.shot("verified")
    page.set_input_files("#file", str(altered))
    page.click("#verify-form button")
    expect(page.locator("#verdict h2")).to_have_text("核验未通过")
    checks = read_log(live.connection, action="report.verify")["items"]
    assert [c["parameters"]["ok"] for c in checks] == [False, True, False, True]

    outsider = WebClient(live.url)
    outsider.login("wang")
    assert outsider.get(f"/cases/{case_id}").status_code == 404
    token = outsider.csrf("/cases")
    assert outsider.post("/reports/export", data={"kind": "case", "subject": case_id,
                                                   "format": "pdf",
                                                   "csrf_token": token}).status_code == 404
    assert outsider.post(f"/cases/{case_id}/notes", data={"text": "x", "csrf_token": token}
                         ).status_code == 404
    outsider.close()


def test_rule_quality_and_a_trial_that_changes_nothing(live, browser, county):
    before = live.connection.read("MATCH (a:Alert) RETURN a.alert_id AS id, "
                                  "coalesce(a.version, 0) AS version, a.matching AS matching "
                                  "ORDER BY id")
    page = browser.page
    browser.login(live.url, "analyst")
    page.click("nav.nav a[href='/quality']")
    assert page.locator("table.quality tbody tr").count() == 10
    assert page.locator("table.quality svg.chart").count() == 10, "a trend per rule"
    browser.shot("quality")
    page.click("#rule-relative_supplier a.trial-link")
    page.fill("#p-holder_roles", "shareholder")   # 甲's spouse is 宏达's legal representative
    page.click("#trial-form button")
    expect(page.locator("#trial-result h2")).to_be_visible()
    summary = page.locator("#trial-result p").first.inner_text()
    assert "将消失" in summary
    assert page.locator("table.trial-gone code").count() == 1, "宏达's contract goes away"
    assert page.locator("table.trial-still code").count() == 1, "顺发's shareholders stay"
    browser.shot("trial")
    after = live.connection.read("MATCH (a:Alert) RETURN a.alert_id AS id, "
                                 "coalesce(a.version, 0) AS version, a.matching AS matching "
                                 "ORDER BY id")
    assert after == before
    [trial] = read_log(live.connection, action="rule.trial")["items"]
    assert trial["parameters"]["changed"] == {"holder_roles": ["shareholder"]}
    page.fill("#p-kinship_hops", "9")
    page.click("#trial-form button")
    expect(page.locator(".alert-error")).to_contain_text("must be ≤ 2")
