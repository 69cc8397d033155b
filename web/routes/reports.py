"""Evidence reports: export a case or an alert as HTML or PDF, and check a file.

``POST /reports/export`` (a form: kind, subject, format, lang) answers with the file as an
attachment; its SHA-256 is in the audit trail (``report.export``) before the first byte is
sent, and the ``X-Report-SHA256`` header repeats it. ``/reports/verify`` takes an upload
(at most ``MAX_UPLOAD`` bytes) and says whether it is exactly a file Lianjian exported, by
whom and when, or that it is not (altered, or never exported); every check is recorded
(``report.verify``). A case or alert out of the reader's scope answers 404.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from analytics.reports import MAX_UPLOAD, ReportError, verify_report
from web.context import RequestContext, require
from web.reports import MEDIA_TYPES, export_report, report_filename
from web.routes.cases import origin
from web.templating import render

router = APIRouter(include_in_schema=False)
EXPORT, VERIFY = require("reports.export"), require("reports.verify")
CHUNK = 1024 * 1024


@router.post("/reports/export")
def export(kind: str = Form(""), subject: str = Form(""), format: str = Form("pdf"),
           lang: str = Form(""), ctx: RequestContext = Depends(EXPORT)) -> Response:
    if kind not in ("case", "alert") or format not in MEDIA_TYPES or not subject.strip():
        raise HTTPException(400, ctx.t("reports.bad_request"))
    exported = export_report(
        ctx.connection, scope=ctx.scope, format=format, lang=lang if lang in ("zh", "en")
        else ctx.lang, exporter={"username": ctx.user.username,
                                 "display_name": ctx.user.display_name},
        timezone=ctx.settings.timezone, origin=origin(ctx),
        **({"case_id": subject.strip()} if kind == "case" else {"alert_id": subject.strip()}))
    if exported is None:
        raise HTTPException(404)
    data, record, report = exported
    name = report_filename(report, format)
    return Response(data, media_type=MEDIA_TYPES[format], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "X-Report-SHA256": record["sha256"]})


@router.get("/reports/verify")
def verify_page(ctx: RequestContext = Depends(VERIFY)) -> Response:
    return render(ctx, "reports/verify.html", result=None, limit=MAX_UPLOAD, message=None)


@router.post("/reports/verify")
async def verify_upload(file: UploadFile, ctx: RequestContext = Depends(VERIFY)) -> Response:
    data = bytearray()
    while chunk := await file.read(CHUNK):
        data += chunk
        if len(data) > MAX_UPLOAD:
            return render(ctx, "reports/verify.html", status_code=413, result=None,
                          limit=MAX_UPLOAD, message=ctx.t("reports.too_large",
                                                          mb=MAX_UPLOAD // CHUNK))
    try:
        result = await run_in_threadpool(verify_report, ctx.connection, bytes(data),
                                         actor=ctx.user.username, filename=file.filename,
                                         origin=origin(ctx))
    except ReportError as error:
        return render(ctx, "reports/verify.html", status_code=400, result=None,
                      limit=MAX_UPLOAD, message=str(error))
    return render(ctx, "reports/verify.html", result=result, limit=MAX_UPLOAD, message=None)
