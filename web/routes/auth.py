"""Sign-in and sign-out (登录/退出).

Sign-in: CSRF (pre-session token) → throttle reservation (account and address) → password
→ a new session (any old one ended: no fixation) → audit. Every outcome is audited: signed
in, wrong credentials, throttled. The page never says whether the user name exists.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from analytics.accounts import authenticate
from analytics.sessions import end_session, open_session, purge_expired
from analytics.throttle import (account_key, address_key, purge_idle, release_attempt,
                                reserve_attempt)
from web.context import (RequestContext, VisitorContext, client_address, current,
                         pre_session_cookie_name, session_cookie_name, visitor)
from web.security import delete_cookie, set_cookie
from web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//host`` or ``/\\host`` (open redirect).

    >>> safe_next("/alerts?x=1"), safe_next("//evil.example"), safe_next("https://x"), safe_next(None)
    ('/alerts?x=1', '/', '/', '/')
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def login_page(ctx: VisitorContext, status_code: int = 200, message: str | None = None,
               username: str = "", next_path: str = "/", headers: dict | None = None) -> Response:
    response = render(ctx, "login.html", status_code=status_code, message=message,
                      username=username, next_path=next_path,
                      ended=ctx.request.query_params.get("ended") == "1")
    if ctx.new_pre_session:
        set_cookie(response, ctx.settings, pre_session_cookie_name(ctx.settings),
                   ctx.csrf_token)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@router.get("/login")
def show_login(request: Request, ctx: VisitorContext = Depends(visitor)) -> Response:
    if ctx.identity.user is not None and ctx.identity.session is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response = login_page(ctx, next_path=safe_next(request.query_params.get("next")))
    if ctx.identity.dead_credential:
        delete_cookie(response, ctx.settings, session_cookie_name(ctx.settings))
    return response


@router.post("/login")
def sign_in(request: Request, username: str = Form(""), password: str = Form(""),
            next_path: str = Form("/", alias="next"),
            ctx: VisitorContext = Depends(visitor)) -> Response:
    settings, connection = ctx.settings, ctx.connection
    typed = username.strip()[:64]
    audit = ctx.audit_for(typed.lower() or "-")
    account, address = account_key(typed), address_key(client_address(request))
    reservation = reserve_attempt(connection, {account: settings.login_max_per_account,
                                               address: settings.login_max_per_address},
                                  settings.login_window_s)
    if not reservation.allowed:
        audit("session.login_throttled", parameters={"refused_by": list(reservation.refused_by),
                                             "retry_after_s": reservation.retry_after_s})
        return login_page(ctx, 429, ctx.t("login.throttled", seconds=reservation.retry_after_s),
                          typed, next_path, {"Retry-After": str(reservation.retry_after_s)})
    user = authenticate(connection, typed, password) if typed and password else None
    if user is None:
        audit("session.login_failed")
        return login_page(ctx, 401, ctx.t("login.failed"), typed, next_path)
    release_attempt(connection, reservation, clear=account)
    if ctx.identity.cookie_value:
        end_session(connection, ctx.identity.cookie_value)
    purge_expired(connection, settings.session_idle_s)
    purge_idle(connection, settings.login_window_s)
    opened = open_session(connection, user.username, address=client_address(request),
                          absolute_s=settings.session_absolute_s)
    if opened is None:  # disabled between the password check and now
        audit("session.login_failed")
        return login_page(ctx, 401, ctx.t("login.failed"), typed, next_path)
    cookie_value, _session = opened
    try:
        ctx.audit_for(user.username)("session.login")
    except Exception:
        end_session(connection, cookie_value)   # no access that the trail does not show
        raise
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_cookie(response, settings, session_cookie_name(settings), cookie_value)
    delete_cookie(response, settings, pre_session_cookie_name(settings))
    return response


@router.post("/logout")
def sign_out(ctx: RequestContext = Depends(current)) -> Response:
    settings = ctx.settings
    cookie_value = ctx.request.cookies.get(session_cookie_name(settings))
    if cookie_value:
        end_session(ctx.connection, cookie_value)
    ctx.audit("session.logout")
    response = RedirectResponse("/login", status_code=303)
    delete_cookie(response, settings, session_cookie_name(settings))
    return response
