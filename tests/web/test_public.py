"""The public channel over HTTP against the real app and Neo4j: masked disclosure pages,
QR codes, complaint filing with its form token, proof of work, limits and throttle, and
the tracking code that alone shows a complaint."""
from __future__ import annotations

import hashlib
import re
import time

import pytest
from supervision_fixtures import load_county
from web_fixtures import WebClient, audit_log, csrf_of, live, start_app  # noqa: F401

from analytics.public_forms import tracking_hash


def solve(token: str, bits: int) -> str:
    """The proof of work the page's script computes."""
    counter = 0
    while int.from_bytes(hashlib.sha256(f"{token}:{counter}".encode()).digest(),
                         "big") >> (256 - bits):
        counter += 1
    return str(counter)


def complaint_form(client: WebClient, place: str = "J120") -> dict:
    html = client.get(f"/public/complaints/new?place={place}").text
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    bits = int(re.search(r'data-pow-bits="(\d+)"', html).group(1))
    return {"csrf_token": csrf_of(html), "form_token": token, "proof": solve(token, bits),
            "category": "subsidy", "place": place, "subject_text": "村委会主任王某",
            "text": "东关村低保名单里有村干部的亲属，请核查。", "contact": "13800000000"}


def code_of(html: str) -> str:
    return re.search(r'id="tracking-code">([A-Z2-7-]+)<', html).group(1)


@pytest.fixture
def county(live, tmp_path):
    return load_county(live.connection, tmp_path / "county")


def test_a_village_page_shows_payments_and_contracts_masked(live, county):
    citizen = WebClient(live.url)
    answer = citizen.get("/public/units/J120")
    assert answer.status_code == 200
    body = answer.content
    html = answer.text
    assert "东关村" in html and "张*明" in html and "低保" in html and "620.00" in html
    assert "清河路桥工程有限公司" in html and "380,000.00" in html
    for secret in (county.recipient, county.recipient_account, "H120-07", county.official,
                   county.script_person, "张三明"):
        assert secret.encode() not in body, f"{secret} reached the public page"
    assert b"<script>alert" not in body and "&lt;" in html, "a script name is inert text"
    assert "public-complaint.js" not in html, "no script on a disclosure page"
    assert 'href="/public/complaints/new?place=J120"' in html
    qr = citizen.get("/public/units/J120/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<svg") and "<script" not in qr.text
    assert citizen.get("/public/units/J000").status_code == 404, "a county has no page"
    assert citizen.get("/public/units/NOPE/qr.svg").status_code == 404
    index = citizen.get("/public").text
    assert "东关村" in index and "河西村" in index and "清河县纪委监委" in index
    assert "lianjian-pre" in answer.headers.get("set-cookie", ""), "a pre-session, no session"


def test_only_the_configured_columns_are_shown(start_app, tmp_path):
    live = start_app(public_fields={"subsidies": ["program", "amount"]})
    load_county(live.connection, tmp_path / "county")
    html = WebClient(live.url).get("/public/units/J120").text
    assert "张*明" not in html and "领取人" not in html and "620.00" in html
    assert "清河路桥" not in html, "contracts are not configured: not shown"
    with pytest.raises(Exception, match="never shown"):
        from analytics.disclosure import check_public_fields
        check_public_fields({"subsidies": ["account_no"]})


def test_a_complaint_is_filed_once_and_only_its_code_shows_it(start_app, tmp_path,
                                                              audit_log):
    live = start_app(complaint_min_fill_s=0.3)
    load_county(live.connection, tmp_path / "county")
    citizen = WebClient(live.url)
    form = complaint_form(citizen)
    time.sleep(0.35)
    first = citizen.post("/public/complaints", data=form)
    assert first.status_code == 201, first.text
    code = code_of(first.text)
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)
    again = citizen.post("/public/complaints", data=form)       # a double tap
    assert again.status_code == 200 and code_of(again.text) == code
    stored = live.connection.read("MATCH (c:Complaint) RETURN c.tracking_hash AS hash, "
                                  "c.status AS status, c.unit_ids AS units, "
                                  "properties(c) AS all")
    assert len(stored) == 1 and stored[0]["status"] == "received"
    assert stored[0]["hash"] == tracking_hash(code) and stored[0]["units"] == ["J120"]
    assert code.replace("-", "") not in str(stored[0]["all"]), "the code itself is not kept"
    assert [event["action"] for event in audit_log] == ["complaint.file"]
    assert audit_log[0]["actor"] == "public" and "address" not in audit_log[0]["parameters"]

    mine = citizen.post("/public/track", data={"csrf_token": form["csrf_token"],
                                               "code": code.lower().replace("-", " ")})
    assert mine.status_code == 200 and "东关村低保名单里有村干部的亲属" in mine.text
    other = WebClient(live.url)
    token = csrf_of(other.get("/public/track").text)
    wrong = other.post("/public/track", data={"csrf_token": token,
                                              "code": "AAAA-BBBB-CCCC-DDDD"})
    assert wrong.status_code == 404 and "东关村低保名单" not in wrong.text
    for path in ("/public", "/public/units/J120", "/public/track",
                 "/public/complaints/new"):
        assert "东关村低保名单" not in other.get(path).text


def test_forms_that_are_forged_fast_unproven_or_marked_up_are_refused(start_app, tmp_path):
    live = start_app(complaint_min_fill_s=1.0)
    load_county(live.connection, tmp_path / "county")
    citizen = WebClient(live.url)
    form = complaint_form(citizen)
    too_fast = citizen.post("/public/complaints", data=form)
    assert too_fast.status_code == 400 and "提交过快" in too_fast.text
    assert "东关村低保名单里有村干部的亲属" in too_fast.text, "what was typed is kept"
    time.sleep(1.05)
    forged = dict(form, form_token=form["form_token"][:-2] + "xx")
    assert "表单无效" in citizen.post("/public/complaints", data=forged).text
    unproven = dict(form, proof="0" if form["proof"] != "0" else "1")
    assert "安全校验未完成" in citizen.post("/public/complaints", data=unproven).text
    linked = dict(form, text="请看 https://spam.example 的内容，有问题。")
    assert "不要包含网址" in citizen.post("/public/complaints", data=linked).text
    tagged = dict(form, text="<b>加粗</b>的举报内容写在这里。")
    assert "不要包含网址" in citizen.post("/public/complaints", data=tagged).text
    short = dict(form, text="太短")
    assert citizen.post("/public/complaints", data=short).status_code == 400
    long = dict(form, text="长" * 2001)
    assert citizen.post("/public/complaints", data=long).status_code == 400
    nowhere = dict(form, place="J000")
    assert "选择发生地" in citizen.post("/public/complaints", data=nowhere).text
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert citizen.post("/public/complaints", data=no_csrf).status_code == 403
    assert live.connection.read("MATCH (c:Complaint) RETURN count(c) AS n")[0]["n"] == 0


def test_filings_are_throttled_per_address(start_app, tmp_path):
    live = start_app(complaint_min_fill_s=0.0, complaint_max_per_address=2,
                     complaint_pow_bits=4)
    load_county(live.connection, tmp_path / "county")
    citizen = WebClient(live.url)
    answers = [citizen.post("/public/complaints", data=complaint_form(citizen)).status_code
               for _ in range(3)]
    assert answers == [201, 201, 429]
    stored = live.connection.read("MATCH (t:LoginThrottle) RETURN t.key AS key")
    assert all("127.0.0.1" not in row["key"] for row in stored), "no address is kept"


def test_tracking_look_ups_are_throttled(start_app):
    live = start_app(tracking_max_per_address=3)
    citizen = WebClient(live.url)
    token = csrf_of(citizen.get("/public/track").text)
    answers = [citizen.post("/public/track", data={"csrf_token": token,
                                                   "code": f"AAAA-BBBB-CCCC-DDD{n}"})
               for n in "2345"]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert "分钟后再试" in answers[-1].text
