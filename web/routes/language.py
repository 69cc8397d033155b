"""The language switch 中文/English: a cookie read by every page (no account setting)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.responses import RedirectResponse, Response

from web.context import LANGUAGE_COOKIE, VisitorContext, visitor
from web.i18n import choose_language
from web.routes.auth import safe_next
from web.security import set_cookie

router = APIRouter(include_in_schema=False)


@router.post("/language")
def switch_language(lang: str = Form(...), next_path: str = Form("/", alias="next"),
                    ctx: VisitorContext = Depends(visitor)) -> Response:
    """Signed in or not: the app-wide CSRF guard has checked the form's token already."""
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_cookie(response, ctx.settings, LANGUAGE_COOKIE, choose_language(lang),
               max_age=365 * 24 * 3600)
    return response
