"""Evidence reports as files: the one template (``reports/report.html``) made into HTML, or
into PDF by WeasyPrint, and the export that records the file's SHA-256.

The HTML file is self-contained (its stylesheet and pictures are ``data:`` URIs), so a
committee can open it offline; the PDF is made from the same HTML with print CSS (A4, page
numbers, "Noto Sans CJK SC"). WeasyPrint's ``url_fetcher`` here refuses every URL but
``data:`` ones and the app's own static files: the renderer fetches nothing from outside,
whatever a name in the data says. ``export_report`` is the one path from data to a
delivered file: build (analytics.reports), render, then record the exact bytes.
"""
from __future__ import annotations

import base64
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from analytics.reports import ReportError, build_report, record_export
from analytics.scope import Scope
from graph.connection import Connection
from web.i18n import Translator
from analytics.rules.render import VOCABULARY
from web.svg.evidence import (data_uri, evidence_parts, evidence_svg, relationship_svg,
                              tie_name)
from web.templating import ENV, _when

__all__ = ["render_report_html", "render_pdf", "export_report", "local_only_fetcher",
           "report_filename", "MEDIA_TYPES"]

log = logging.getLogger("lianjian.web")
STATIC = Path(__file__).with_name("static")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@lru_cache(maxsize=1)
def _css_uri() -> str:
    css = (STATIC / "css" / "report.css").read_bytes()
    return "data:text/css;base64," + base64.b64encode(css).decode("ascii")


def report_filename(report: dict[str, Any], format: str) -> str:
    """``AJ-2026-0001-证据报告.pdf``-like names, safe on every file system.

    >>> report_filename({"subject": "bid_rigging:2bd7", "lang": "en"}, "html")
    'bid_rigging-2bd7-evidence-report.html'
    """
    subject = "".join(char if char.isalnum() or char in "-_" else "-"
                      for char in report["subject"])
    word = "证据报告" if report.get("lang") == "zh" else "evidence-report"
    return f"{subject}-{word}.{format}"


def render_report_html(report: dict[str, Any], timezone: str = "Asia/Shanghai") -> str:
    """The report as one self-contained HTML document (text)."""
    lang = report["lang"]
    pictures = {}
    for item in report["alerts"]:
        pictures[item["alert"]["alert_id"]] = data_uri(
            evidence_svg({"evidence": item["evidence"]}, lang, item["ties"]))
    for saved in report["maps"]:
        pictures[saved["map_id"]] = data_uri(relationship_svg(saved["entities"],
                                                              saved["ties"], lang))
    overview = None
    if report["kind"] == "case":
        evidence = [fact for item in report["alerts"] for fact in item["evidence"]]
        evidence += [{"role": None, "label": entity["entity"]["label"],
                      "id": entity["entity"]["key"], "name": entity["entity"]["name"]}
                     for entity in report["entities"]]
        ties = [tie for item in report["alerts"] for tie in item["ties"]]
        nodes, edges = evidence_parts(evidence, ties)
        overview = data_uri(relationship_svg(nodes, edges, lang))
    words = VOCABULARY.get(lang, {})
    return ENV.get_template("reports/report.html").render(
        report=report, t=Translator(lang), css=_css_uri(), pictures=pictures,
        overview=overview, when=lambda value: _when(value, timezone),
        word=lambda value: words.get(str(value), str(value)),
        tie_name=lambda kind: tie_name(kind, lang))


def local_only_fetcher():
    """WeasyPrint's URL fetcher for reports: ``data:`` URIs and files under the app's static
    folder only; anything else (http, https, ftp, other files) is refused and logged.
    (Made on first use: WeasyPrint loads Pango, which the command line's help must not.)"""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        refused: list[str]

        def fetch(self, url: str, headers: dict | None = None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(STATIC.resolve()) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            log.warning("report renderer refused %s", url)
            raise ValueError(f"reports fetch nothing from outside the app: {url}")

    fetcher = LocalOnlyFetcher(allowed_protocols={"data", "file"}, allow_redirects=False)
    fetcher.refused = []
    return fetcher


def render_pdf(html: str) -> bytes:
    """The HTML as PDF (WeasyPrint, print media, local resources only)."""
    from weasyprint import HTML

    fetcher = local_only_fetcher()
    return HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=fetcher).write_pdf()


def export_report(connection: Connection, *, scope: Scope, exporter: dict[str, str],
                  format: str, case_id: str | None = None, alert_id: str | None = None,
                  lang: str = "zh", timezone: str = "Asia/Shanghai",
                  origin: dict[str, Any] | None = None
                  ) -> tuple[bytes, dict[str, Any], dict[str, Any]] | None:
    """Build, render and record one report: ``(bytes, record, report)``, or None when the
    case or alert is missing or out of scope. ``record`` is ``record_export``'s answer
    (sha256, audit seq …); the bytes returned are exactly the ones hashed."""
    if format not in MEDIA_TYPES:
        raise ReportError(f"unknown report format {format!r}: use html or pdf")
    report = build_report(connection, scope=scope, exporter=exporter, case_id=case_id,
                          alert_id=alert_id, lang=lang)
    if report is None:
        return None
    html = render_report_html(report, timezone)
    data = html.encode("utf-8") if format == "html" else render_pdf(html)
    record = record_export(connection, data, format=format, subject=report["subject"],
                           kind=report["kind"], exporter=exporter["username"],
                           audit_head=report["audit_head"], origin=origin)
    return data, record, report
