"""The platform's other faces in a real headless Chromium: a citizen reads a village's
page, files a complaint, the office and the unit work it, the citizen rates the answer;
a rectification notice goes from issue to acceptance; the assessment shows on-time shares.
Screenshots land in out/screenshots/."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from supervision_fixtures import load_county
from web_fixtures import (WebClient, audit_log, browser, csrf_of, live,  # noqa: F401
                          make_user, playwright_driver, start_app)

from analytics.scope import Scope
from analytics.warnings import receive_warning
from analytics.workflow import assign, dispose, start_verification

TEXT = "东关村去年的低保名单里有村委会主任的亲戚，家里有车有房，请核查。"


def sign_in(browser, url: str, username: str) -> None:
    browser.page.context.clear_cookies()
    browser.login(url, username)


def test_a_citizen_files_a_complaint_the_office_answers_and_the_citizen_rates_it(
        start_app, browser, tmp_path, audit_log):
    live = start_app(complaint_min_fill_s=1.0)
    county = load_county(live.connection, tmp_path / "county")
    make_user(live.connection, "jiwei", ("supervisor",), "J000", "县纪委干部")
    make_user(live.connection, "chengguan", ("liaison",), "J100", "城关镇联络员")
    page = browser.page
    page.set_viewport_size({"width": 390, "height": 844})        # a phone
    page.goto(f"{live.url}/public")
    page.click("text=东关村")
    expect(page.locator("h1")).to_have_text("东关村")
    assert "张*明" in page.locator("#subsidies").inner_text()
    html = page.content()
    assert county.recipient not in html and county.recipient_account not in html
    assert page.locator("#subsidies script, #subsidies img").count() == 0
    assert browser.image_width(".pub-qr img") > 0
    browser.shot("1-village-page")

    page.click("text=对本村（乡镇）事项举报")
    page.select_option("#category", "subsidy")
    assert page.locator("#place").input_value() == "J120"
    page.fill("#subject_text", "村委会主任王某")
    page.fill("#text", TEXT)
    browser.shot("2-complaint-form")
    page.wait_for_timeout(1100)                                    # the minimum fill time
    page.click("#complaint-submit")
    expect(page.locator("#tracking-code")).to_be_visible(timeout=30_000)
    code = page.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)
    browser.shot("3-tracking-code")

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(browser, live.url, "jiwei")
    page.goto(f"{live.url}/complaints")
    page.click("#complaint-list a >> nth=0")
    assert page.locator("#complaint-text").inner_text() == TEXT
    page.fill("#subject_id_number", county.official)
    page.click("#step-accept button")
    expect(page.locator(".page-head .lead")).to_contain_text("已受理")
    page.select_option("#unit_id", "J100")
    page.click("#step-forward button")
    expect(page.locator(".page-head .lead")).to_contain_text("已转办")
    complaint_url = page.url.split("?")[0]
    browser.shot("4-office-forwarded")

    sign_in(browser, live.url, "chengguan")
    page.goto(complaint_url)
    page.fill("#handle-text", "经核查，王某亲属确在低保名单中，已取消其低保资格并追回资金。")
    page.click("#step-handle button")
    expect(page.locator(".page-head .lead")).to_contain_text("已办理待审核")

    sign_in(browser, live.url, "jiwei")
    page.goto(complaint_url)
    page.click("#step-review button")
    page.fill("#answer-text", "您反映的问题属实，已责令整改并追回资金，感谢监督。")
    page.click("#step-answer button")
    expect(page.locator("#complaint-answer")).to_contain_text("问题属实")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}/public/track")
    page.fill("#code", code.lower())
    page.click("button.pub-button")
    expect(page.locator("#complaint-status")).to_have_text("已答复，请评价")
    assert "问题属实" in page.locator("#complaint-answer").inner_text()
    assert "chengguan" not in page.content() and "jiwei" not in page.content()
    page.check("input[name=rating][value='5']")
    page.fill("#comment", "处理及时")
    browser.shot("5-answer-to-rate")
    page.click("#rate-form button")
    expect(page.locator("#complaint-rating")).to_contain_text("5")
    browser.shot("6-rated")

    second = WebClient(live.url)
    token = csrf_of(second.get("/public/track").text)
    guess = second.post("/public/track", data={"csrf_token": token,
                                               "code": "ABCD-EFGH-IJKL-MNOP"})
    assert guess.status_code == 404 and TEXT not in guess.text
    for path in ("/public", "/public/units/J120", "/public/units/J100"):
        assert TEXT not in second.get(path).text

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(browser, live.url, "jiwei")
    page.goto(f"{live.url}/complaints/units/J120")
    assert TEXT[:20] in page.locator("#unit-complaints").inner_text()
    hot = page.locator("#complaint-hot-spots").inner_text()
    assert "东关村" in hot and "惠民资金" in hot
    browser.shot("7-unit-complaints")
    actions = [event["action"] for event in audit_log]
    for action in ("complaint.file", "complaint.accept", "complaint.forward",
                   "complaint.handle", "complaint.review", "complaint.answer",
                   "complaint.rate", "complaint.read"):
        assert action in actions, action
    linked = live.connection.read("MATCH (:Complaint)-[:ABOUT]->(p:Person) "
                                  "RETURN p.id_number AS id")
    assert linked == [{"id": county.official}], "the named official is linked"


def test_a_rectification_notice_from_issue_to_acceptance_and_the_assessment(
        live, browser, tmp_path):
    county = load_county(live.connection, tmp_path / "county")
    make_user(live.connection, "jiwei", ("supervisor",), "J000", "县纪委干部")
    make_user(live.connection, "chengguan", ("liaison",), "J100", "城关镇联络员")
    make_user(live.connection, "caizheng", ("system",), "J100")
    warning = receive_warning(live.connection, {
        "source": "caizheng", "rule": "relative_payment", "key": "CZ-1",
        "entities": [county.official, county.relative_company],
        "text": "村委会主任亲属企业收取村集体工程款", "time": "2026-01-05T10:00:00+08:00"},
        caller="caizheng", caller_unit_id="J100",
        scope=Scope.of_units(live.connection, ["J100"]))
    alert_id = warning["alert_id"]
    everything = Scope.everything()
    assign(live.connection, alert_id, actor="jiwei", assignee="jiwei", scope=everything)
    start_verification(live.connection, alert_id, actor="jiwei", scope=everything)
    dispose(live.connection, alert_id, actor="jiwei", outcome="confirmed",
            reason="工程款去向已核实", scope=everything)

    page = browser.page
    browser.login(live.url, "jiwei")
    page.goto(f"{live.url}/rectification")
    page.click("text=下发整改通知")
    page.check(f"input[name=alert_ids][value='{alert_id}']")
    page.select_option("#unit_id", "J120")
    page.fill("#problem", "村集体工程发包给村干部亲属企业，未执行回避。")
    page.fill("#requirement", "重新核查近三年工程发包，建立回避制度，报送整改报告。")
    browser.shot("1-issue")
    page.click("#notice-form button.primary")
    expect(page.locator("#notice-status")).to_have_text("已下发待反馈")
    notice_url = page.url.split("?")[0]
    browser.shot("2-issued")

    sign_in(browser, live.url, "chengguan")
    page.goto(notice_url)
    page.fill("#measures", "已清理近三年工程发包 12 项，建立村干部亲属回避登记制度。")
    page.click("#notice-answer button")
    expect(page.locator("#notice-status")).to_have_text("已反馈待验收")
    assert page.locator("#notice-accept").count() == 0, "the unit cannot accept itself"

    sign_in(browser, live.url, "jiwei")
    page.goto(notice_url)
    page.fill("#accept-text", "措施具体，同意验收。")
    page.click("#notice-accept button")
    expect(page.locator("#notice-status")).to_have_text("已验收")
    browser.shot("3-accepted")
    page.goto(f"{live.url}/complaints/units/J120")
    assert "已验收" in page.locator("#unit-notices").inner_text()

    page.goto(f"{live.url}/assessment?since=2026-01-01")
    row = page.locator("#assessment-units tr", has_text="东关村")
    expect(row).to_have_count(1)
    assert row.locator("td.share").inner_text() == "100%"
    handlers = page.locator("#assessment-handlers").inner_text()
    assert "城关镇联络员" in handlers and "县纪委干部" in handlers
    browser.shot("4-assessment")
    with page.expect_download() as download:
        page.click("#assessment-csv")
    data = open(download.value.path(), "rb").read()
    assert data.startswith("\ufeff".encode()) and "东关村".encode() in data
