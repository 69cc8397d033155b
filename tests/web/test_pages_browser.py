"""The data pages in a real headless Chromium on a county loaded and scanned for real.

Every test fails if a page asks any host but 127.0.0.1 or reports a CSP violation (the
``browser`` fixture). Screenshots of the main pages land in out/screenshots/:
``test_an_investigation_in_the_browser-{1-search,2-search-id,3-profile,4-portrait,5-queue,
6-bulk,7-alert-assigned,8-alert-proposed,9-alert-disposed}.png``.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from data_fixtures import HONGDA, OFFICIAL, SPOUSE, county_app  # noqa: F401
from web_fixtures import browser, playwright_driver  # noqa: F401

from analytics.accounts import disable_user, enable_user

EVIL = '<img src=x onerror=alert(1)><script>alert("x")</script>宏达'
PAGES = ("/search?q=宏达", f"/search?q={OFFICIAL}", f"/profiles/{OFFICIAL}", "/portraits/C0",
         "/portraits/U1", "/alerts", f"/entities/{HONGDA}")


@pytest.fixture(scope="module", autouse=True)
def warm_pages(county_app):
    """Every page asked once over HTTP first (the plans of its own queries made), and the
    browser's waits long enough for a machine shared with other work."""
    client = county_app.client("county")
    for path in (*PAGES, f"/alerts/{county_app.alerts()[0]['alert_id']}"):
        assert client.get(path).status_code == 200, path
    expect.set_options(timeout=60_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(autouse=True)
def patient(browser):
    browser.page.set_default_timeout(120_000)


def sign_out(page) -> None:
    page.click("form.logout button")
    page.wait_for_url(re.compile(r".*/login$"))


def cjk_font_ready(page) -> bool:
    """The page's font for the charts covers Chinese (a local font, no download)."""
    return page.evaluate(
        "document.fonts.check('12px \"Noto Sans CJK SC\"', '廉政档案画像')")


def test_an_investigation_in_the_browser(county_app, browser):
    page, url = browser.page, county_app.url
    browser.login(url, "county")
    # Search a Chinese name, then an ID number typed in another spelling.
    page.click("nav.nav a[href='/search']")
    page.fill("#q", "宏达")
    page.click("button.primary-inline")
    expect(page.locator(".result-group[data-label=Company]")).to_contain_text("宏达建筑工程有限公司")
    browser.shot("1-search")
    page.fill("#q", SPOUSE.lower())
    page.click("button.primary-inline")
    expect(page.locator(".result-group[data-label=Person] .hit-name")).to_have_text("乙")
    browser.shot("2-search-id")
    # The official's profile: risk traced, posts drawn in Chinese.
    page.fill("#q", "甲")
    page.click("button.primary-inline")
    page.locator(".result-group[data-label=Person] tr", has_text=OFFICIAL).locator(
        "a.action-link", has_text="廉政档案").click()
    expect(page.locator("h1")).to_have_text("甲")
    risk = float(page.locator(".risk-total .figure").inner_text())
    items = [float(x) for x in page.locator(".risk-items tbody td.num").all_inner_texts()]
    assert risk == sum(items) > 0
    chart = page.locator("svg.chart-span")
    assert chart.bounding_box()["width"] > 200
    assert "某县交通运输局 局长" in chart.locator("text").all_text_contents()
    assert cjk_font_ready(page)
    browser.shot("3-profile")
    # The portrait of the county: five charts drawn, Chinese text in them.
    page.click("nav.nav a[href='/portraits']")
    expect(page.locator("h1")).to_have_text("某县人民政府")
    charts = page.locator("figure.chart-box svg")
    expect(charts).to_have_count(5)
    for index in range(5):
        box = charts.nth(index).bounding_box()
        assert box["height"] >= 40 and box["width"] > 200
    labels = " ".join(page.locator("#by-rule svg text").all_text_contents())
    assert re.search(r"[\u4e00-\u9fff]", labels)
    browser.shot("4-portrait")
    # The queue: filter by a rule, select both, 分办 to a group.
    page.click("nav.nav a[href='/alerts']")
    expect(page.locator(".queue-total")).to_be_visible()
    browser.shot("5-queue")
    page.select_option("select[name=rule]", "official_business")
    page.click("#filters button[type=submit]")
    expect(page.locator("input[name=alert_id]")).to_have_count(2)
    expect(page.locator("#bulk-submit")).to_be_disabled()
    page.check("#pick-all")
    expect(page.locator("#selected-count")).to_have_text("2")
    page.fill("#bulk input[name=assignee]", "第一纪检组")
    page.click("#bulk-submit")
    expect(page.locator("#bulk-result")).to_contain_text("已分办 2 条")
    expect(page.locator(".queue-table .wf-assigned")).to_have_count(2)
    browser.shot("6-bulk")
    # One alert from 预警 to 处置: the supervisor assigns, the investigator verifies and
    # proposes, the supervisor decides.
    alert_id = county_app.alerts("relative_supplier")[0]["alert_id"]
    page.goto(f"{url}/alerts/{alert_id}")
    expect(page.locator("#alert-status")).to_have_text("预警")
    page.fill("#form-assign input[name=assignee]", "investigator")
    page.click("#form-assign button")
    expect(page.locator("#done")).to_have_text("已分办。")
    expect(page.locator("#alert-status")).to_have_text("分办")
    browser.shot("7-alert-assigned")
    sign_out(page)
    browser.login(url, "investigator")
    page.goto(f"{url}/alerts/{alert_id}")
    page.click("#form-verify button")
    expect(page.locator("#alert-status")).to_have_text("核查")
    # The evidence as a picture, and the rule's verification points ticked on the same page.
    assert browser.image_width("#picture img.evidence-picture") > 0
    point = page.locator("#checklist .check-item").first
    point.locator("input[type=checkbox]").check()
    point.locator("input[name=note]").fill("已调取合同审批单")
    point.locator("button").click()
    expect(page.locator("#checklist .check-item.is-checked")).to_have_count(1)
    expect(page.locator("#checklist .check-item").first.locator("input[name=note]")).to_have_value(
        "已调取合同审批单")
    assert "done=ticked" in page.url
    expect(page.locator("#form-dispose")).to_have_count(0)
    page.select_option("#form-propose select[name=outcome]", "confirmed")
    page.fill("#form-propose textarea[name=reason]", "合同由甲审批，供应商为其妻弟持股")
    page.click("#form-propose button")
    expect(page.locator("#history")).to_contain_text("建议处置 proposed: 属实")
    browser.shot("8-alert-proposed")
    sign_out(page)
    browser.login(url, "county")
    page.goto(f"{url}/alerts/{alert_id}")
    page.select_option("#form-dispose select[name=outcome]", "confirmed")
    page.fill("#form-dispose textarea[name=reason]", "属实，移交审查调查")
    page.click("#form-dispose button")
    expect(page.locator("#alert-status")).to_have_text("处置")
    expect(page.locator("#alert-outcome")).to_have_text("属实")
    expect(page.locator("#history li")).to_have_count(4)
    browser.shot("9-alert-disposed")
    sign_out(page)
    page.goto(f"{url}/alerts")
    assert "/login" in page.url
    assert browser.dialogs == []


def test_a_script_in_a_stored_name_is_inert_on_every_data_page(county_app, browser):
    connection = county_app.connection
    connection.write("MATCH (c:Company {credit_code: $key}) SET c.name = $name", key=HONGDA,
                     name=EVIL)
    try:
        page, url = browser.page, county_app.url
        browser.login(url, "county")
        for path in (f"/search?q={HONGDA}", f"/entities/{HONGDA}", f"/profiles/{OFFICIAL}",
                     "/portraits/U1"):
            page.goto(url + path)
            if "portraits" not in path:     # there the name is a chart label (below)
                assert EVIL in page.locator("main").inner_text(), path
            assert page.locator("main img").count() == 0, path
            assert page.locator("script:not([src])").count() == 0, path
        titles = page.locator("#suppliers svg title").all_text_contents()
        assert any(EVIL in title for title in titles), "drawn as text in the chart"
        browser.shot("portrait-with-script-name")
        assert browser.dialogs == []
        assert not [u for u in browser.requests if u.endswith("/x")]
    finally:
        connection.write("MATCH (c:Company {credit_code: $key}) SET c.name = $name",
                         key=HONGDA, name="宏达建筑工程有限公司")


def test_a_forged_csrf_token_on_an_alert_form_fails(county_app, browser):
    page, url = browser.page, county_app.url
    alert_id = county_app.alerts("shell_company")[0]["alert_id"]
    browser.login(url, "investigator")
    page.goto(f"{url}/alerts/{alert_id}")
    page.evaluate("document.querySelector('#form-note input[name=csrf_token]').value = 'forged'")
    page.fill("#form-note textarea", "伪造的备注")
    page.click("#form-note button")
    expect(page.locator("h1")).to_contain_text("表单已失效")
    page.goto(f"{url}/alerts/{alert_id}")
    page.evaluate("document.querySelector('#form-note input[name=csrf_token]').remove()")
    page.fill("#form-note textarea", "没有令牌的备注")
    page.click("#form-note button")
    expect(page.locator("h1")).to_contain_text("表单已失效")
    page.goto(f"{url}/alerts/{alert_id}")
    assert "伪造的备注" not in page.content() and "没有令牌的备注" not in page.content()
    page.fill("#form-note textarea", "真实的备注")
    page.click("#form-note button")
    expect(page.locator("#history")).to_contain_text("真实的备注")


def test_a_disabled_users_data_page_dies_at_the_next_click(county_app, browser):
    page, url = browser.page, county_app.url
    browser.login(url, "analyst")
    page.goto(f"{url}/profiles/{OFFICIAL}")
    expect(page.locator("h1")).to_have_text("甲")
    disable_user(county_app.connection, "analyst")
    try:
        page.click("nav.nav a[href='/alerts']")
        assert "/login" in page.url
        expect(page.locator(".alert-info")).to_contain_text("会话已结束")
    finally:
        enable_user(county_app.connection, "analyst")
        county_app.clients.pop("analyst", None)


def test_english_labels_come_from_the_catalogs_and_the_model(county_app, browser):
    page, url = browser.page, county_app.url
    browser.login(url, "county")
    page.click("form.language button[value=en]")
    page.goto(f"{url}/profiles/{OFFICIAL}")
    expect(page.locator("#risk h2")).to_have_text("Risk score")
    assert "Posts held" in page.locator("#posts h2").inner_text()
    page.goto(f"{url}/portraits/C0")
    assert "Alerts by rule" in page.locator("#by-rule h2").inner_text()
    assert "Collusive bidding" in " ".join(page.locator("#by-rule svg text").all_text_contents()) \
        or "Relative" in page.locator("#by-rule").inner_text()
    browser.shot("portrait-english")
    page.click("form.language button[value=zh]")
