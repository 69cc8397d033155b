"""The workbench over HTTP (httpx against the real app on uvicorn and the real Neo4j):
sign-in, CSRF, throttling, timeouts, headers, errors, the API and its tokens, the audit."""
from __future__ import annotations

import re
import time

import pytest
from web_fixtures import (PASSWORD, WebClient, audit_log, client, csrf_of, live,  # noqa: F401
                          make_user, start_app)

import web.audit
from analytics.accounts import create_token, disable_user, set_password
from web.security import CONTENT_SECURITY_POLICY

SESSION = "__Host-lianjian"
PRE = "__Host-lianjian-pre"


def actions(events: list[dict]) -> list[tuple[str, str]]:
    return [(event["action"], event["actor"]) for event in events]


def test_sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it(live, client, audit_log):
    make_user(live.connection, "zhang.san", display_name="张三")
    login_page = client.get("/login")
    pre_cookie = login_page.headers["set-cookie"]
    assert pre_cookie.startswith(PRE) and "HttpOnly" in pre_cookie and "Secure" in pre_cookie \
        and "SameSite=strict" in pre_cookie and "Path=/" in pre_cookie
    signed_in = client.login("zhang.san")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = next(line for line in signed_in.headers.get_list("set-cookie")
                  if line.startswith(SESSION + "="))
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag in cookie
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()
    assert PRE not in client.cookies, "the pre-session token is dropped at sign-in"
    home = client.get("/")
    assert home.status_code == 200 and "张三" in home.text and "清河县纪委监委" in home.text
    old = client.cookies[SESSION]
    logout = client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert logout.status_code == 303 and logout.headers["location"] == "/login"
    replay = WebClient(live.url)
    replay.cookies[SESSION] = old
    assert replay.get("/").status_code == 303, "a signed-out cookie opens nothing"
    assert actions(audit_log) == [("session.login", "zhang.san"), ("session.logout", "zhang.san")]
    assert audit_log[0]["parameters"]["address"] == "127.0.0.1"


def test_a_new_sign_in_never_reuses_a_session(live, client):
    make_user(live.connection, "li.si")
    client.login("li.si")
    first = client.cookies[SESSION]
    client.cookies.pop(SESSION)
    client.login("li.si")
    assert client.cookies[SESSION] != first


def test_pages_need_a_session_and_come_back_after_sign_in(live, client):
    make_user(live.connection, "wang.wu")
    answer = client.get("/docs?x=1")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fdocs%3Fx%3D1"
    token = client.csrf("/login?next=%2Fdocs")
    signed_in = client.post("/login", data={"username": "wang.wu", "password": PASSWORD,
                                            "csrf_token": token, "next": "/docs"})
    assert signed_in.headers["location"] == "/docs"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_no_open_redirect_after_sign_in(live, client, target):
    make_user(live.connection, "zhao.liu")
    token = client.csrf()
    answer = client.post("/login", data={"username": "zhao.liu", "password": PASSWORD,
                                         "csrf_token": token, "next": target})
    assert answer.headers["location"] == "/"


def test_wrong_password_unknown_user_and_disabled_user_read_the_same(live, client, audit_log):
    make_user(live.connection, "qian.qi")
    make_user(live.connection, "off.user")
    disable_user(live.connection, "off.user")
    bodies = []
    for name, password in (("qian.qi", "wrong password!"), ("nobody", PASSWORD),
                           ("off.user", PASSWORD)):
        answer = client.post("/login", data={"username": name, "password": password,
                                             "csrf_token": client.csrf()})
        assert answer.status_code == 401 and SESSION not in client.cookies
        bodies.append(answer.text.replace(name, "NAME"))
    assert bodies[0] == bodies[1] == bodies[2]
    assert "用户名或口令错误" in bodies[0]
    assert actions(audit_log) == [("session.login_failed", "qian.qi"), ("session.login_failed", "nobody"),
                                  ("session.login_failed", "off.user")]


def test_the_sixth_wrong_password_in_a_minute_is_throttled_per_account(start_app, audit_log):
    live = start_app(login_max_per_address=100)
    make_user(live.connection, "sun.ba")
    client = WebClient(live.url)
    codes = [client.post("/login", data={"username": "sun.ba", "password": f"wrong {i} xxxxxxx",
                                         "csrf_token": client.csrf()}).status_code
             for i in range(5)]
    sixth = client.post("/login", data={"username": "sun.ba", "password": PASSWORD,
                                        "csrf_token": client.csrf()})
    assert codes == [401] * 5
    assert sixth.status_code == 429 and SESSION not in client.cookies, \
        "even the right password is refused while throttled"
    assert 1 <= int(sixth.headers["retry-after"]) <= 60 and "秒后再试" in sixth.text
    assert audit_log[-1]["action"] == "session.login_throttled"
    assert audit_log[-1]["parameters"]["refused_by"] == ["account:sun.ba"]


def test_the_address_is_throttled_across_accounts(start_app, audit_log):
    live = start_app(login_max_per_account=100)
    client = WebClient(live.url)
    for i in range(5):
        assert client.post("/login", data={"username": f"guess{i}", "password": "x" * 12,
                                           "csrf_token": client.csrf()}).status_code == 401
    make_user(live.connection, "zhou.jiu")
    assert client.login("zhou.jiu").status_code == 429
    assert audit_log[-1]["parameters"]["refused_by"] == ["address:127.0.0.1"]


def test_a_right_password_clears_the_account_count(start_app):
    live = start_app(login_max_per_address=100)
    client = WebClient(live.url)
    make_user(live.connection, "wu.shi")
    for _ in range(4):
        client.post("/login", data={"username": "wu.shi", "password": "x" * 12,
                                    "csrf_token": client.csrf()})
    assert client.login("wu.shi").status_code == 303
    client.cookies.pop(SESSION)
    for _ in range(4):
        assert client.post("/login", data={"username": "wu.shi", "password": "x" * 12,
                                           "csrf_token": client.csrf()}).status_code == 401


@pytest.mark.parametrize("token", [None, "forged-token", ""])
def test_sign_in_without_or_with_a_forged_csrf_token_fails(live, client, token, audit_log):
    make_user(live.connection, "csrf.user")
    client.get("/login")
    data = {"username": "csrf.user", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    answer = client.post("/login", data=data)
    assert answer.status_code == 403 and SESSION not in client.cookies
    assert "表单已失效" in answer.text
    assert audit_log == [], "a refused form does not even reach the password check"


def test_a_csrf_token_from_another_browser_is_refused(live):
    make_user(live.connection, "one")
    attacker, victim = WebClient(live.url), WebClient(live.url)
    attacker_token = attacker.csrf()
    victim.get("/login")
    answer = victim.post("/login", data={"username": "one", "password": PASSWORD,
                                         "csrf_token": attacker_token})
    assert answer.status_code == 403


def test_signed_in_forms_need_the_session_token(live, client):
    make_user(live.connection, "form.user")
    pre_session_token = client.csrf("/login")
    client.login("form.user")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": pre_session_token}):
        assert client.post("/logout", data=data).status_code == 403
        assert client.post("/language", data={"lang": "en", **data}).status_code == 403
    assert client.get("/").status_code == 200, "still signed in: nothing happened"
    assert client.post("/api/v1/tokens", json={"label": "x"}).status_code == 403
    cross = client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)},
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403


def test_a_disabled_users_open_session_dies_at_the_next_request(live, client, audit_log):
    make_user(live.connection, "gone")
    client.login("gone")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    disable_user(live.connection, "gone")
    answer = client.get("/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert client.get("/api/v1/me").status_code == 401


def test_a_password_change_ends_open_sessions(live, client):
    make_user(live.connection, "changed")
    client.login("changed")
    set_password(live.connection, "changed", "a different long password")
    assert client.get("/").status_code == 303


def test_idle_timeout_ends_the_session(start_app):
    live = start_app(session_idle_s=2)
    make_user(live.connection, "idle.user")
    client = WebClient(live.url)
    client.login("idle.user")
    for _ in range(3):   # activity keeps it alive past the idle timeout
        time.sleep(0.8)
        assert client.get("/").status_code == 200
    time.sleep(2.5)
    ended = client.get("/")
    assert ended.status_code == 303 and "ended=1" in ended.headers["location"]
    assert "会话已结束" in client.get(ended.headers["location"]).text


def test_absolute_timeout_ends_a_busy_session(start_app):
    live = start_app(session_absolute_s=2)
    make_user(live.connection, "busy.user")
    client = WebClient(live.url)
    client.login("busy.user")
    assert client.get("/").status_code == 200
    time.sleep(2.5)
    assert client.get("/").status_code == 303


def test_a_form_posted_after_the_session_ended_goes_to_sign_in(start_app):
    live = start_app(session_idle_s=1)
    make_user(live.connection, "late")
    client = WebClient(live.url)
    client.login("late")
    token = csrf_of(client.get("/").text)
    time.sleep(1.5)
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?ended=1"
    assert client.login("late").status_code == 303, "signing in again works at once"


def test_security_headers_on_pages_api_errors_and_static(live, client):
    make_user(live.connection, "headers")
    answers = [client.get("/login"), client.get("/static/css/app.css"), client.get("/nope")]
    client.login("headers")
    answers += [client.get("/"), client.get("/api/v1/me"), client.get("/api/v1/nope")]
    for answer in answers:
        headers = answer.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "camera=()" in headers["permissions-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert "server" not in headers
    assert answers[0].headers["cache-control"] == "no-store"
    assert answers[3].headers["cache-control"] == "no-store"
    assert answers[1].headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe" not in \
        CONTENT_SECURITY_POLICY


def test_unknown_pages_answer_404_as_a_page_and_as_json(live, client):
    make_user(live.connection, "four")
    anonymous = client.get("/api/v1/nope")
    assert anonymous.status_code == 404 and list(anonymous.json()) == ["error"]
    client.login("four")
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "页面或对象不存在" in page.text
    assert "Traceback" not in page.text and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/no/such")
    assert api.status_code == 404 and api.json() == {"error": "页面或对象不存在。"}
    method = client.request("PUT", "/api/v1/me", headers={"X-CSRF-Token": "x"})
    assert method.status_code in (403, 405) and list(method.json()) == ["error"]


def test_a_failure_inside_answers_one_line_without_traceback(live, client, monkeypatch):
    make_user(live.connection, "boom")
    client.login("boom")

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("web.routes.api.list_scans", explode)
    make_user(live.connection, "boom.admin", ("admin",))
    api = WebClient(live.url)
    api.login("boom.admin")
    answer = api.get("/api/v1/scans")
    assert answer.status_code == 500 and list(answer.json()) == ["error"]
    assert "secret internal detail" not in answer.text


def test_api_token_works_and_a_revoked_token_fails(live, client, audit_log):
    user = make_user(live.connection, "api.user", ("analyst",), "J100", "接口用户")
    token = create_token(live.connection, user.username, "script")
    bearer = {"Authorization": f"Bearer {token.secret}"}
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200
    assert me.json() | {"permissions": None} == {
        "username": "api.user", "display_name": "接口用户", "roles": ["analyst"],
        "permissions": None, "unit": {"unit_id": "J100", "name": "城关镇人民政府"},
        "jurisdiction_units": 2, "via": "token"}
    assert "data.read" in me.json()["permissions"]
    assert client.get("/api/v1/scans", headers=bearer).status_code == 200
    assert client.post("/api/v1/tokens", json={"label": "more"}, headers=bearer).status_code \
        == 403, "a token cannot mint tokens"
    assert client.get("/", headers=bearer).status_code == 200
    client.login("api.user")
    session_token = csrf_of(client.get("/").text)
    revoked = client.request("DELETE", f"/api/v1/tokens/{token.token_id}",
                             headers={"X-CSRF-Token": session_token})
    assert revoked.status_code == 204
    anonymous = WebClient(live.url)
    refused = anonymous.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401 and refused.json() == {
        "error": "会话已结束（退出、超时或账号变更），请重新登录。"}
    assert anonymous.get("/api/v1/me", headers={"Authorization": "Bearer lj_x_y"}
                         ).status_code == 401
    assert anonymous.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}
                         ).status_code == 401
    assert ("token.revoke", "api.user") in actions(audit_log)


def test_tokens_are_created_from_a_session_and_listed_without_secrets(live, client, audit_log):
    make_user(live.connection, "maker")
    client.login("maker")
    csrf = {"X-CSRF-Token": csrf_of(client.get("/").text)}
    created = client.post("/api/v1/tokens", json={"label": "周报导出"}, headers=csrf)
    assert created.status_code == 201
    secret = created.json()["secret"]
    listed = client.get("/api/v1/tokens").json()
    assert [t["label"] for t in listed] == ["周报导出"] and "secret" not in listed[0]
    assert WebClient(live.url).get("/api/v1/me", headers={
        "Authorization": f"Bearer {secret}"}).json()["username"] == "maker"
    make_user(live.connection, "thief")
    thief = WebClient(live.url)
    thief.login("thief")
    theft = thief.request("DELETE", f"/api/v1/tokens/{created.json()['token_id']}",
                          headers={"X-CSRF-Token": csrf_of(thief.get("/").text)})
    assert theft.status_code == 404, "another user's token is as good as missing"
    assert ("token.create", "maker") in actions(audit_log)
    bad = client.post("/api/v1/tokens", json={"label": ""}, headers=csrf)
    assert bad.status_code == 422 and list(bad.json()) == ["error"]


def test_roles_decide_what_the_api_gives(live, client):
    make_user(live.connection, "auditor", ("auditor",))
    client.login("auditor")
    assert client.get("/api/v1/me").json()["permissions"] == ["audit.read", "reports.verify",
                                                               "tokens.own"]
    denied = client.get("/api/v1/scans")
    assert denied.status_code == 403 and denied.json() == {"error": "您的角色无权访问此页面。"}


def test_lists_are_paginated_and_say_when_there_is_more(live, client):
    live.connection.write("UNWIND range(1, 7) AS i CREATE (:LoadRun {run_id: 'r' + i, "
                          "status: 'completed', started_at: datetime() - duration({hours: i}),"
                          " dataset: 'county'})")
    make_user(live.connection, "pager", ("analyst",))
    client.login("pager")
    first = client.get("/api/v1/loads?page_size=3").json()
    assert [r["run_id"] for r in first["items"]] == ["r1", "r2", "r3"]
    assert (first["total"], first["page"], first["pages"]) == (7, 1, 3)
    last = client.get("/api/v1/loads?page_size=3&page=3").json()
    assert [r["run_id"] for r in last["items"]] == ["r7"] and last["page"] == last["pages"]
    too_many = client.get("/api/v1/loads?page_size=1000")
    assert too_many.status_code == 422 and "page_size" in too_many.json()["error"]


def test_scan_counts_are_withheld_outside_the_jurisdiction(live, client):
    live.connection.write("""
        CREATE (:ScanRun {scan_id: 'all', status: 'completed', started_at: datetime(),
                          rules: ['a', 'b'], new_alerts: 9, still_matching: 1,
                          no_longer_matching: 0, duration_s: 1.5})
        CREATE (:ScanRun {scan_id: 'mine', status: 'completed',
                          started_at: datetime() - duration('PT1H'), units: ['J110'],
                          rules: ['a'], new_alerts: 2, still_matching: 0, no_longer_matching: 0})
    """)
    make_user(live.connection, "town", ("investigator",), "J100")
    make_user(live.connection, "county", ("investigator",), "J000")
    client.login("town")
    scans = {s["scan_id"]: s for s in client.get("/api/v1/scans").json()["items"]}
    assert scans["all"]["counts_visible"] is False and scans["all"]["new_alerts"] is None
    assert scans["mine"]["new_alerts"] == 2
    county = WebClient(live.url)
    county.login("county")
    scans = {s["scan_id"]: s for s in county.get("/api/v1/scans").json()["items"]}
    assert scans["all"]["new_alerts"] == 9
    page = client.get("/").text
    assert "不显示总数" in page


def test_an_unwritable_audit_trail_refuses_the_sign_in(live, client, monkeypatch):
    make_user(live.connection, "unaudited")

    def broken(*args, **kwargs):
        raise web.audit.AuditUnavailable("disk full")

    monkeypatch.setattr(web.audit, "record_event", broken)
    answer = client.login("unaudited")
    assert answer.status_code == 503 and SESSION not in client.cookies
    assert not live.connection.read("MATCH (s:WebSession) RETURN s"), "no unrecorded session"


def test_language_switch_sets_a_cookie_and_english_pages(live, client):
    make_user(live.connection, "lang.user")
    token = client.csrf("/login")
    switched = client.post("/language", data={"lang": "en", "next": "/login",
                                              "csrf_token": token})
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    login_page = client.get("/login").text
    assert 'lang="en"' in login_page and "Sign in" in login_page
    client.login("lang.user")
    home = client.get("/").text
    assert "Latest scans" in home and "Public body" not in home
    assert client.post("/language", data={"lang": "fr", "next": "//evil",
                                          "csrf_token": csrf_of(home)}).headers[
        "location"] == "/"
    assert 'lang="zh-CN"' in client.get("/").text, "unknown languages fall back to Chinese"


def test_administrators_manage_the_accounts_of_their_jurisdiction(live, client, audit_log):
    make_user(live.connection, "town.admin", ("admin",), "J100", "镇管理员")
    make_user(live.connection, "clerk", ("investigator",), "J110")
    make_user(live.connection, "elsewhere", ("investigator",), "J200")
    make_user(live.connection, "county.boss", ("supervisor",), "J000")
    clerk = WebClient(live.url)
    clerk.login("clerk")
    assert clerk.get("/users").status_code == 403
    client.login("town.admin")
    page = client.get("/users")
    assert page.status_code == 200
    assert "clerk" in page.text and "elsewhere" not in page.text and "county.boss" not in page.text
    listed = client.get("/api/v1/users").json()
    assert [u["username"] for u in listed["items"]] == ["clerk", "town.admin"]
    token = csrf_of(page.text)
    for outside in ("elsewhere", "county.boss", "nobody"):
        answer = client.post(f"/users/{outside}/disable", data={"csrf_token": token})
        assert answer.status_code == 404, outside
        api = client.post(f"/api/v1/users/{outside}/disable", headers={"X-CSRF-Token": token})
        assert api.status_code == 404 and api.json() == {"error": "页面或对象不存在。"}
    assert client.post("/users/town.admin/disable", data={"csrf_token": token}
                       ).status_code == 400
    done = client.post("/users/clerk/disable", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/users?done=disabled&user=clerk"
    assert clerk.get("/").status_code == 303, "the clerk's open session died"
    assert "已停用 clerk" in client.get(done.headers["location"]).text
    assert client.post("/api/v1/users/clerk/enable", headers={"X-CSRF-Token": token}
                       ).status_code == 204
    assert clerk.login("clerk").status_code == 303
    assert [(e["action"], e["targets"]) for e in audit_log if e["action"].startswith("user.")] \
        == [("user.disable", ["clerk"]), ("user.enable", ["clerk"])]


def test_changing_my_password_ends_my_other_sessions_and_keeps_this_one(live, client,
                                                                        audit_log):
    make_user(live.connection, "me")
    other = WebClient(live.url)
    other.login("me")
    client.login("me")
    token = csrf_of(client.get("/account").text)
    wrong = client.post("/account/password", data={
        "csrf_token": token, "current_password": "not my password",
        "new_password": "a new long password", "again": "a new long password"})
    assert wrong.status_code == 400 and "当前口令不正确" in wrong.text
    mismatch = client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a new long password", "again": "another one entirely"})
    assert mismatch.status_code == 400 and "不一致" in mismatch.text
    short = client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": "short",
        "again": "short"})
    assert short.status_code == 400
    old_cookie = client.cookies["__Host-lianjian"]
    done = client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "a new long password", "again": "a new long password"})
    assert done.status_code == 303 and done.headers["location"] == "/account?done=password"
    assert client.cookies["__Host-lianjian"] != old_cookie, "a fresh session for this browser"
    assert client.get("/account").status_code == 200
    assert other.get("/").status_code == 303, "the other browser is signed out"
    assert [e["action"] for e in audit_log if e["action"].startswith("user.")] == [
        "user.passwd.failed", "user.passwd"]


def test_guessing_the_current_password_is_throttled(live, client):
    make_user(live.connection, "hijacked")
    client.login("hijacked")
    token = csrf_of(client.get("/account").text)
    codes = [client.post("/account/password", data={
        "csrf_token": token, "current_password": f"guess {i} xxxxxx",
        "new_password": "a new long password", "again": "a new long password"}).status_code
        for i in range(6)]
    assert codes == [400] * 5 + [429]


def test_my_tokens_on_the_account_page(live, client, audit_log):
    make_user(live.connection, "token.owner")
    client.login("token.owner")
    token = csrf_of(client.get("/account").text)
    created = client.post("/account/tokens", data={"csrf_token": token, "label": "周报"})
    assert created.status_code == 201
    secret = re.search(r'id="new-token">(lj_[^<]+)<', created.text).group(1)
    assert WebClient(live.url).get("/api/v1/me", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 200
    page = client.get("/account").text
    assert "周报" in page and secret not in page
    token_id = secret.split("_")[1]
    make_user(live.connection, "stranger")
    stranger = WebClient(live.url)
    stranger.login("stranger")
    assert stranger.post(f"/account/tokens/{token_id}/revoke", data={
        "csrf_token": csrf_of(stranger.get("/").text)}).status_code == 404
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert WebClient(live.url).get("/api/v1/me", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 401
    assert [e["action"] for e in audit_log if e["action"].startswith("token.")] == [
        "token.create", "token.revoke"]
