"""Every failure answers with one message: a page for people, ``{"error": "..."}`` for the
API, never a traceback (that goes to the server log only).

Out-of-jurisdiction keys and keys that do not exist both answer 404 with the same words,
so a page cannot be used to learn what exists elsewhere.
"""
from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from graph.errors import LianjianError
from web.audit import AuditUnavailable
from web.context import (CsrfFailed, Forbidden, NotAuthenticated, current, identify,
                         session_cookie_name, translator)
from web.security import delete_cookie
from web.templating import render

__all__ = ["install_error_handlers", "wants_json", "error_response"]

log = logging.getLogger("lianjian.web")

STATUS_KEYS = {400: "error.bad_request", 401: "error.sign_in", 403: "error.forbidden",
               404: "error.not_found", 405: "error.method", 429: "error.throttled",
               500: "error.internal"}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/openapi.json"))


class _ErrorPage:
    """The context of an error page: language only, no user (no data is read to show it)."""

    user = None
    csrf_token = None

    def __init__(self, request: Request):
        self.request, self.t = request, translator(request)

    def can(self, permission: str) -> bool:
        return False


def error_response(request: Request, status: int, message: str | None = None,
                   headers: dict | None = None) -> Response:
    """One message as JSON for the API, as a page otherwise."""
    page = getattr(request.state, "context", None) or _ErrorPage(request)
    message = message or page.t(STATUS_KEYS.get(status, "error.internal"))
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    response = render(page, "error.html", status_code=status, status=status, message=message)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _signed_in_context(request: Request) -> None:
    """For a path no route serves: the signed-in user's context, so the 404 page keeps the
    header and navigation (nothing else is read; no session is nothing)."""
    if getattr(request.state, "context", None) is not None:
        return
    try:
        current(request, identify(request))
    except Exception:  # no session, ended, or the database is away: a plain page
        request.state.context = None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, error: NotAuthenticated) -> Response:
        if wants_json(request):
            response = error_response(request, 401, translator(request)(error.message_key),
                                      headers={"WWW-Authenticate": "Bearer"})
        else:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query = f"?next={quote(target, safe='')}" if request.method == "GET" else ""
            if error.message_key == "error.session_ended":
                query += ("&" if query else "?") + "ended=1"
            response = RedirectResponse("/login" + query, status_code=303)
        delete_cookie(response, request.app.state.settings,
                      session_cookie_name(request.app.state.settings))
        return response

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return error_response(request, 403)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
        return error_response(request, 403, translator(request)("error.csrf"))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 404 and not wants_json(request):
            await run_in_threadpool(_signed_in_context, request)
        message = error.detail if error.status_code not in STATUS_KEYS else None
        return error_response(request, error.status_code, message,
                              headers=getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:])
        detail = f"{where}: {first.get('msg', '')}" if where else first.get("msg", "")
        return error_response(request, 400 if not wants_json(request) else 422,
                              f"{translator(request)('error.bad_request')} ({detail})")

    @app.exception_handler(AuditUnavailable)
    async def audit_unavailable(request: Request, error: AuditUnavailable) -> Response:
        log.error("refused, audit trail unavailable: %s", error)
        return error_response(request, 503, translator(request)("error.audit"))

    @app.exception_handler(LianjianError)
    async def known_error(request: Request, error: LianjianError) -> Response:
        return error_response(request, 400, str(error))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500)
