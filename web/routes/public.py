"""The public channel (监督一点通): disclosure pages, complaints, tracking — no sign-in.

Everything here runs on ``web.context.visitor``: no workbench session is read or made, the
forms carry the pre-session CSRF token (double submit of the ``lianjian-pre`` cookie), and
nothing a citizen writes is shown to anyone but the holder of its tracking code.

A complaint is accepted only with a signed single-use form token that was open long
enough, a proof of work from the page's script, plain text within the size limits, and
within the per-address throttle (``analytics.throttle``, keyed by a digest of the
address). Failures re-show the form with what was typed and one sentence.
"""
from __future__ import annotations

import io
import re
import unicodedata

import segno
from fastapi import APIRouter, Depends, Form, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from analytics import public_forms as forms
from analytics.complaints import ComplaintError, complaint_for_citizen, file_complaint, rate
from analytics.disclosure import disclosure, public_unit, public_units
from analytics.throttle import reserve_attempt
from web.context import VisitorContext, client_address, pre_session_cookie_name, visitor
from web.security import set_cookie
from web.templating import render

router = APIRouter(prefix="/public", include_in_schema=False)

MAX_BODY = 64 * 1024           # a complaint form is a few kilobytes at most
SHORT_FIELD = 100
MIN_TEXT = 10
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|https?://|www\.", re.IGNORECASE)
FORM_ID = re.compile(r"^v1\.\d+\.[A-Z2-7]+\.[A-Za-z0-9_-]+$")


def page(ctx: VisitorContext, template: str, status_code: int = 200, **values) -> Response:
    """A public page; the pre-session cookie is set when this visit made its token."""
    response = render(ctx, template, status_code=status_code, **values)
    if ctx.new_pre_session:
        set_cookie(response, ctx.settings, pre_session_cookie_name(ctx.settings),
                   ctx.csrf_token)
    return response


def plain_text(value: str, limit: int) -> str:
    """A citizen's text as plain text: control characters gone, spaces trimmed, NFC.

    >>> plain_text(" a\\x00b\\r\\nc ", 10)
    'ab\\nc'
    """
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return text.strip()[:limit + 1]


def _public_unit(ctx: VisitorContext, unit_id: str) -> dict | None:
    return public_unit(ctx.connection, unit_id, ctx.settings.public_unit_levels)


def missing(ctx: VisitorContext) -> Response:
    """A citizen's 404: the public layout, a way back to the list (not the workbench's)."""
    return page(ctx, "public/missing.html", 404)


@router.get("")
def index(ctx: VisitorContext = Depends(visitor)) -> Response:
    units = public_units(ctx.connection, ctx.settings.public_unit_levels)
    groups: dict = {}
    for unit in units:
        groups.setdefault((unit["parent_id"], unit["parent_name"]), []).append(unit)
    return page(ctx, "public/index.html", groups=groups)


@router.get("/units/{unit_id}")
def unit_page(unit_id: str, ctx: VisitorContext = Depends(visitor)) -> Response:
    unit = _public_unit(ctx, unit_id)
    if unit is None:
        return missing(ctx)
    settings = ctx.settings
    shown = disclosure(ctx.connection, unit_id, fields=settings.public_fields,
                       days=settings.public_disclosure_days, limit=settings.public_rows_shown)
    return page(ctx, "public/unit.html", unit=unit, shown=shown)


@router.get("/units/{unit_id}/qr.svg")
def unit_qr(unit_id: str, request: Request, ctx: VisitorContext = Depends(visitor)) -> Response:
    """码上监督: the QR code of the unit's page, made here as SVG (for posters too)."""
    unit = _public_unit(ctx, unit_id)
    if unit is None:
        raise HTTPException(404)
    target = str(request.base_url).rstrip("/") + f"/public/units/{unit['unit_id']}"
    buffer = io.BytesIO()
    segno.make(target, error="m").save(buffer, kind="svg", scale=6, border=2,
                                       xmldecl=False, title=ctx.t("public.qr_title"))
    return Response(buffer.getvalue(), media_type="image/svg+xml")


def complaint_form(ctx: VisitorContext, status_code: int = 200, message: str | None = None,
                   **typed) -> Response:
    settings = ctx.settings
    token = forms.issue_form_token(forms.server_secret(ctx.connection))
    places = public_units(ctx.connection, settings.public_unit_levels)
    values = {"category": "", "place": "", "subject_text": "", "text": "", "contact": ""}
    values.update({name: value for name, value in typed.items() if value is not None})
    return page(ctx, "public/complaint_form.html", status_code, message=message,
                form_token=token, pow_bits=settings.complaint_pow_bits, places=places,
                categories=settings.complaint_categories, typed=values,
                max_chars=settings.complaint_max_chars)


@router.get("/complaints/new")
def new_complaint(request: Request, ctx: VisitorContext = Depends(visitor)) -> Response:
    place = request.query_params.get("place", "")
    return complaint_form(ctx, place=place[:64])


@router.post("/complaints")
def file(request: Request, category: str = Form(""), place: str = Form(""),
         subject_text: str = Form(""), text: str = Form(""), contact: str = Form(""),
         form_token: str = Form(""), proof: str = Form(""),
         ctx: VisitorContext = Depends(visitor)) -> Response:
    settings, connection = ctx.settings, ctx.connection
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise HTTPException(413)
    typed = {"category": category[:32], "place": place[:64],
             "subject_text": plain_text(subject_text, SHORT_FIELD),
             "text": plain_text(text, settings.complaint_max_chars),
             "contact": plain_text(contact, SHORT_FIELD)}

    def refuse(key: str, status: int = 400, **words) -> Response:
        return complaint_form(ctx, status, ctx.t(key, **words), **typed)

    if typed["category"] not in settings.complaint_categories:
        return refuse("public.err_category")
    if not 10 <= len(typed["text"]) <= settings.complaint_max_chars:
        return refuse("public.err_length", low=MIN_TEXT, high=settings.complaint_max_chars)
    if len(typed["subject_text"]) > SHORT_FIELD or len(typed["contact"]) > SHORT_FIELD:
        return refuse("public.err_short", high=SHORT_FIELD)
    if any(MARKUP.search(typed[name]) for name in ("text", "subject_text", "contact")):
        return refuse("public.err_markup")
    secret = forms.server_secret(connection)
    try:
        nonce = forms.verify_form_token(secret, form_token,
                                        min_fill_s=settings.complaint_min_fill_s,
                                        max_age_s=settings.complaint_form_max_age_s)
    except forms.FormRejected as rejected:
        return refuse(f"public.err_form_{rejected.reason}")
    if not forms.proof_holds(form_token, proof, settings.complaint_pow_bits):
        return refuse("public.err_form_proof")
    complaint_id = forms.complaint_id_for(nonce)
    code = forms.tracking_code(secret, nonce)
    key = "complaint:" + forms.address_digest(secret, client_address(request))
    reservation = reserve_attempt(connection, {key: settings.complaint_max_per_address},
                                  settings.complaint_window_s)
    if not reservation.allowed:
        response = refuse("public.err_throttled", 429,
                          minutes=max(1, reservation.retry_after_s // 60))
        response.headers["Retry-After"] = str(reservation.retry_after_s)
        return response
    try:
        filed = file_complaint(connection, complaint_id=complaint_id,
                               tracking_hash=forms.tracking_hash(code),
                               category=typed["category"], place_unit_id=typed["place"],
                               text=typed["text"], subject_text=typed["subject_text"],
                               contact=typed["contact"],
                               levels=settings.public_unit_levels)
    except ComplaintError:
        return refuse("public.err_place")
    return page(ctx, "public/filed.html", 201 if filed["created"] else 200, code=code,
                again=not filed["created"])


@router.get("/track")
def track_form(ctx: VisitorContext = Depends(visitor)) -> Response:
    return page(ctx, "public/track.html", complaint=None, message=None, code="")


def _tracked(ctx: VisitorContext, request: Request, code: str) -> tuple[dict | None, Response | None]:
    """The complaint of a typed code, after the look-up throttle; or the refusal page."""
    settings = ctx.settings
    secret = forms.server_secret(ctx.connection)
    key = "track:" + forms.address_digest(secret, client_address(request))
    reservation = reserve_attempt(ctx.connection, {key: settings.tracking_max_per_address},
                                  settings.tracking_window_s)
    if not reservation.allowed:
        message = ctx.t("public.err_throttled",
                        minutes=max(1, reservation.retry_after_s // 60))
        response = page(ctx, "public/track.html", 429, complaint=None, message=message,
                        code="")
        response.headers["Retry-After"] = str(reservation.retry_after_s)
        return None, response
    found = complaint_for_citizen(ctx.connection, forms.tracking_hash(code))
    if found is None:
        return None, page(ctx, "public/track.html", 404, complaint=None,
                          message=ctx.t("public.not_found"), code="")
    return found, None


@router.post("/track")
def track(request: Request, code: str = Form(""),
          ctx: VisitorContext = Depends(visitor)) -> Response:
    found, refusal = _tracked(ctx, request, code[:40])
    if refusal:
        return refusal
    return page(ctx, "public/track.html", complaint=found, message=None,
                code=forms.normalise_code(code))


@router.post("/track/rate")
def rate_answer(request: Request, code: str = Form(""), rating: int = Form(0),
                comment: str = Form(""), ctx: VisitorContext = Depends(visitor)) -> Response:
    found, refusal = _tracked(ctx, request, code[:40])
    if refusal:
        return refusal
    message = None
    try:
        rate(ctx.connection, forms.tracking_hash(code), rating=rating,
             comment=plain_text(comment, SHORT_FIELD * 3)[:SHORT_FIELD * 3] or None)
        found = complaint_for_citizen(ctx.connection, forms.tracking_hash(code))
    except ComplaintError:
        message = ctx.t("public.err_rate")
    return page(ctx, "public/track.html", 400 if message else 200, complaint=found,
                message=message, code=forms.normalise_code(code))
