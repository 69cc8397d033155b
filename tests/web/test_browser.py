"""The workbench in a real headless Chromium (Debian's /usr/bin/chromium through Playwright).

Every test fails if the page asks any host but 127.0.0.1 or reports a CSP violation (see
``browser`` in web_fixtures). Screenshots land in out/screenshots/.
"""
from __future__ import annotations

from playwright.sync_api import expect
from web_fixtures import (PASSWORD, audit_log, browser, live, make_user,  # noqa: F401
                          playwright_driver, start_app)

from analytics.accounts import disable_user

RUNS = """
CREATE (:ScanRun {scan_id: 'scan-1', status: 'completed', started_at: datetime('2024-06-03T09:12:00+08:00'),
                  finished_at: datetime('2024-06-03T09:13:10+08:00'), duration_s: 70.2,
                  rules: ['relative_supplier', 'bid_rigging', 'kickback_flow'], new_alerts: 37,
                  still_matching: 112, no_longer_matching: 4})
CREATE (:ScanRun {scan_id: 'scan-0', status: 'failed', started_at: datetime('2024-06-02T18:00:00+08:00'),
                  duration_s: 3.0, rules: ['bid_rigging'], units: ['J200']})
CREATE (:LoadRun {run_id: 'load-1', dataset: 'county-2024', status: 'completed',
                  started_at: datetime('2024-06-03T08:40:00+08:00'), duration_s: 412.8,
                  rows_read: 184233, rows_written: 183950, rows_rejected: 283})
"""


def test_sign_in_look_around_and_sign_out(live, browser, audit_log):
    live.connection.write(RUNS)
    make_user(live.connection, "zhang.san", ("supervisor",), "J000", "张三")
    page = browser.page
    page.goto(f"{live.url}/")
    assert page.url.startswith(f"{live.url}/login?next=")
    browser.shot("1-login")
    browser.login(live.url, "zhang.san")
    assert page.url == f"{live.url}/"
    assert page.locator(".who-name").inner_text() == "张三"
    assert "清河县纪委监委及下属 3 个单位" in page.locator(".facts").inner_text()
    assert page.locator("table.grid").first.locator("tbody tr").count() == 2
    assert "37" in page.locator("table.grid").first.inner_text()
    assert "184,233" in page.locator("table.grid").nth(1).inner_text()
    assert page.locator("nav.nav a").all_inner_texts() == [
        "首页", "检索", "关系图谱", "预警队列", "案件线索", "廉政档案", "政治生态画像", "信访举报",
        "整改", "考核", "规则质量", "报告核验", "接口文档"]
    cookie = next(c for c in browser.context.cookies() if c["name"] == "__Host-lianjian")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict", \
        "Chromium keeps a Secure cookie on http://127.0.0.1 (a secure context)"
    browser.shot("2-home")
    page.click("form.logout button")
    page.wait_for_url(f"{live.url}/login")
    assert not [c for c in browser.context.cookies() if c["name"] == "__Host-lianjian"]
    page.goto(f"{live.url}/")
    assert "/login" in page.url
    assert [e["action"] for e in audit_log] == ["session.login", "session.logout"]


def test_wrong_password_then_throttled(start_app, browser):
    live = start_app(login_max_per_address=100)
    make_user(live.connection, "li.si")
    page = browser.page
    for attempt in range(5):
        browser.login(live.url, "li.si", f"wrong password {attempt}")
        assert page.locator(".alert-error").inner_text() == "用户名或口令错误。"
    browser.shot("1-wrong-password")
    assert page.locator("#username").input_value() == "li.si", "the name stays typed"
    browser.login(live.url, "li.si", PASSWORD)
    assert "尝试过于频繁" in page.locator(".alert-error").inner_text()
    assert "/login" in page.url
    browser.shot("2-throttled")


def test_a_script_in_a_name_is_text(live, browser):
    live.connection.write("MATCH (u:Unit {unit_id: 'J100'}) SET u.name = $name",
                          name='<script>alert("unit")</script>城关镇')
    evil = '<img src=x onerror=alert(1)><script>alert("name")</script>'
    make_user(live.connection, "evil.name", ("investigator",), "J100", evil)
    page = browser.page
    browser.login(live.url, "evil.name")
    assert page.locator(".who-name").inner_text() == evil
    assert page.locator(".who-unit").inner_text() == '<script>alert("unit")</script>城关镇'
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("script").count() == 0, "the home page has no script at all"
    assert browser.dialogs == []
    assert not [url for url in browser.requests if url.endswith("/x")]
    browser.shot("home")


def test_a_forged_or_missing_csrf_token_is_refused_in_the_browser(live, browser):
    make_user(live.connection, "wang.wu")
    page = browser.page
    page.goto(f"{live.url}/login")
    page.evaluate("document.querySelector('form.form input[name=csrf_token]').value = 'forged'")
    page.fill("#username", "wang.wu")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    assert "表单已失效" in page.locator("h1").inner_text()
    browser.shot("1-forged-login")
    browser.login(live.url, "wang.wu")
    page.evaluate("document.querySelector('form.logout input[name=csrf_token]').remove()")
    page.click("form.logout button")
    assert "表单已失效" in page.locator("h1").inner_text()
    page.goto(f"{live.url}/")
    assert page.locator(".who-name").inner_text() == "wang.wu", "still signed in"


def test_a_disabled_users_page_dies_at_the_next_click(live, browser):
    make_user(live.connection, "zhao.liu", display_name="赵六")
    page = browser.page
    browser.login(live.url, "zhao.liu")
    assert page.locator(".who-name").inner_text() == "赵六"
    disable_user(live.connection, "zhao.liu")
    page.click("a.brand")
    assert "/login" in page.url and "会话已结束" in page.locator(".alert-info").inner_text()
    browser.shot("ended")


def test_language_switch(live, browser):
    make_user(live.connection, "lang.user", ("analyst",), "J100", "Li Lei")
    page = browser.page
    page.goto(f"{live.url}/login")
    page.click("form.language button[value=en]")
    expect(page.locator("button.primary")).to_have_text("Sign in")
    browser.login(live.url, "lang.user")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.nav a").all_inner_texts() == [
        "Home", "Search", "Relationship map", "Alert queue", "Integrity profiles",
        "Unit portraits", "Complaints", "Rectification", "Assessment", "Rule quality", "API docs"]
    assert "城关镇人民政府 and the units below it (1)" in page.locator(".facts").inner_text()
    browser.shot("english")
    page.click("form.language button[value=zh]")
    expect(page.locator("nav.nav a")).to_have_text(
        ["首页", "检索", "关系图谱", "预警队列", "廉政档案", "政治生态画像", "信访举报", "整改", "考核",
         "规则质量", "接口文档"])
    assert page.url == f"{live.url}/"


def test_api_docs_render_from_local_assets(live, browser):
    make_user(live.connection, "api.reader", ("analyst",))
    page = browser.page
    browser.login(live.url, "api.reader")
    page.click("nav.nav a[href='/docs']")
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/me" in paths and "/api/v1/scans" in paths
    assert not any(p in ("/login", "/") for p in paths), "pages are not in the API schema"
    local = [url for url in browser.requests if "/static/vendor/swagger-ui/" in url]
    assert len(local) == 2 and f"{live.url}/openapi.json" in browser.requests
    browser.shot("docs")


def test_error_pages_are_calm_and_signed_in(live, browser):
    make_user(live.connection, "four", display_name="四")
    page = browser.page
    browser.login(live.url, "four")
    answer = page.goto(f"{live.url}/no/such/page")
    assert answer.status == 404 and "页面或对象不存在" in page.locator("h1").inner_text()
    assert page.locator(".who-name").inner_text() == "四", "the header stays"
    browser.shot("404")
    browser.context.clear_cookies()
    answer = page.goto(f"{live.url}/no/such/page")
    assert answer.status == 404 and page.locator(".who-name").count() == 0


def test_an_administrator_disables_an_account(live, browser, audit_log):
    make_user(live.connection, "admin.wang", ("admin",), "J000", "王管理员")
    make_user(live.connection, "clerk.li", ("investigator",), "J110", "李办事员")
    make_user(live.connection, "analyst.zhou", ("analyst",), "J200", "周分析员")
    page = browser.page
    browser.login(live.url, "admin.wang")
    assert page.locator("nav.nav a").all_inner_texts() == ["首页", "用户管理", "接口文档"]
    sections = page.locator(".sections").inner_text()
    assert "检索" not in sections and "用户管理" in sections, "no case data for the admin"
    page.click("nav.nav a[href='/users']")
    assert page.locator("table.grid tbody tr").count() == 3
    page.locator("tr", has_text="clerk.li").locator("button").click()
    assert "已停用 clerk.li" in page.locator(".alert-info").inner_text()
    assert page.locator("tr", has_text="clerk.li").locator(".status").inner_text() == "已停用"
    browser.shot("users")
    assert ("user.disable", ["clerk.li"]) in [(e["action"], e["targets"]) for e in audit_log]


def test_my_account_page_makes_a_token_once(live, browser):
    make_user(live.connection, "zhou.qi", ("investigator",), "J100", "周七")
    page = browser.page
    browser.login(live.url, "zhou.qi")
    page.click("a.who")
    assert page.locator("h1").inner_text() == "我的账号"
    page.fill("#label", "每周导出")
    page.click("form.inline-form button")
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("lj_")
    assert page.locator("table.grid tbody tr").count() == 1
    browser.shot("new-token")
    page.goto(f"{live.url}/account")
    assert page.locator("#new-token").count() == 0 and secret not in page.content()
