"""Evidence reports against the real database: a case of two alerts exported as HTML and
PDF states the Chinese names, every fact's source and the audit head; the PDF's text holds
them (pdftotext); the file verifies, a one-byte change does not; the renderer fetches
nothing from outside; a report of another jurisdiction's case is not made."""
from __future__ import annotations

import http.server
import subprocess
import threading

import pytest
from case_fixtures import alert_of, scanned_county

from analytics.audit import head, read_log, verify_chain
from analytics.cases import open_case
from analytics.checklists import tick
from analytics.reports import ReportError, build_report, verify_report
from web.reports import local_only_fetcher, export_report, render_pdf

EXPORTER = {"username": "li", "display_name": "李四"}


@pytest.fixture
def county_case(db, tmp_path):
    county = scanned_county(db, tmp_path)
    first, second = (alert_of(county, rule, "U1") for rule in ("relative_supplier",
                                                                 "bid_rigging"))
    case_id = open_case(db, actor="li", title="宏达供货与围标线索", unit_id="U1",
                        scope=county["u1"], alert_ids=[first, second],
                        entity_keys=[county["ids"]["甲"]])["case_id"]
    tick(db, first, "kinship", actor="li", checked=True, note="户籍档案载明二人系夫妻",
         scope=county["u1"])
    return county, case_id, first, second


def test_the_report_states_every_fact_with_its_source(db, county_case):
    county, case_id, first, _ = county_case
    report = build_report(db, scope=county["u1"], exporter=EXPORTER, case_id=case_id)
    assert report["kind"] == "case" and len(report["alerts"]) == 2
    supplier = next(item for item in report["alerts"] if item["alert"]["alert_id"] == first)
    assert supplier["alert"]["parameters"]["kinship_hops"] == 2
    for fact in supplier["evidence"]:
        assert fact["src_dataset"] == "county" and fact["src_file"].endswith(".csv")
        assert isinstance(fact["src_row"], int) and fact["src_row"] >= 2
        assert fact["load_run"]["run_id"], fact
    kinship = next(item for item in supplier["checklist"]["items"] if item["id"] == "kinship")
    assert kinship["checked"] and kinship["actor"] == "li"
    [person] = report["entities"]
    assert person["entity"]["name"] == "甲"
    assert {fact["property"] for fact in person["facts"]} >= {"id_number", "name"}
    assert report["audit_head"] == head(db)
    assert build_report(db, scope=county["u2"], exporter=EXPORTER, case_id=case_id) is None
    with pytest.raises(ReportError, match="one of them"):
        build_report(db, scope=county["u1"], exporter=EXPORTER)


def test_pdf_text_holds_the_names_the_sources_and_the_head_and_verifies(db, county_case,
                                                                         tmp_path):
    county, case_id, first, _ = county_case
    data, record, report = export_report(db, scope=county["u1"], exporter=EXPORTER,
                                         format="pdf", case_id=case_id)
    assert data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = "".join(text.split())      # a table cell may wrap a long text over lines
    for name in ("甲", "乙", "宏达", "投标甲", "某县交通运输局", "户籍档案载明二人系夫妻"):
        assert name in flat, name
    assert case_id in text and first in text
    assert "persons.csv" in text and "contracts.csv" in text and "kinship.csv" in text
    head_hash = report["audit_head"]["hash"]
    assert head_hash in flat
    [event] = read_log(db, action="report.export")["items"]
    assert event["parameters"]["sha256"] == record["sha256"] and event["actor"] == "li"
    assert event["parameters"]["head_seq"] == report["audit_head"]["seq"] < event["seq"]
    answer = verify_report(db, data, actor="auditor")
    assert answer["ok"] and answer["exported_by"] == "li" and answer["subject"] == case_id
    assert answer["audit_seq"] == record["audit_seq"]
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    refused = verify_report(db, bytes(altered), actor="auditor")
    assert not refused["ok"] and "altered after export" in refused["problem"]
    checks = read_log(db, action="report.verify")["items"]
    assert [check["parameters"]["ok"] for check in checks] == [False, True]
    assert verify_chain(db)["ok"]


def test_html_export_is_self_contained_and_escapes_names(db, county_case):
    county, case_id, _, _ = county_case
    db.write("MATCH (p:Person {id_number: $id}) SET p.name = $name", id=county["ids"]["甲"],
             name='<script>alert(1)</script><img src="http://example.invalid/x.png">甲')
    data, record, _ = export_report(db, scope=county["u1"], exporter=EXPORTER, format="html",
                                    case_id=case_id, lang="en")
    html = data.decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'src="http' not in html and 'href="http' not in html
    assert "Evidence report" in html and "persons.csv" in html
    assert verify_report(db, data, actor="li")["ok"]
    assert verify_report(db, data + b"\n", actor="li")["ok"] is False


def test_the_pdf_renderer_fetches_nothing_from_outside():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        pdf = render_pdf(f'<html><head><link rel="stylesheet" href="{base}/x.css"></head>'
                         f'<body><img src="{base}/x.png"><p>外部资源</p>'
                         '<img src="file:///etc/passwd"></body></html>')
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF") and hits == []
    fetcher = local_only_fetcher()
    with pytest.raises(ValueError, match="nothing from outside"):
        fetcher.fetch("https://example.com/font.woff")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
