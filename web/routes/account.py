"""My account (我的账号): change my password, and my API tokens (create, revoke).

A password change asks for the current one (throttled like a sign-in, so a stolen session
cannot guess it), ends every session of the user and opens a fresh one for this browser.
A new token's secret is shown once, in the answer to the form, never in a URL.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from analytics.accounts import (AccountError, check_password_policy, create_token,
                                list_tokens, revoke_token, set_password, verify_password)
from analytics.sessions import open_session
from analytics.throttle import account_key, release_attempt, reserve_attempt
from web.context import RequestContext, client_address, current, session_cookie_name
from web.security import set_cookie
from web.templating import render

router = APIRouter(include_in_schema=False)
DONE = ("password", "revoked")


def account_page(ctx: RequestContext, status_code: int = 200, **values) -> Response:
    done = ctx.request.query_params.get("done")
    values.setdefault("message", None)
    values.setdefault("new_token", None)
    return render(ctx, "account.html", status_code=status_code,
                  tokens=list_tokens(ctx.connection, ctx.user.username),
                  done=done if done in DONE else None, **values)


@router.get("/account")
def show_account(ctx: RequestContext = Depends(current)) -> Response:
    return account_page(ctx)


@router.post("/account/password")
def change_password(current_password: str = Form(""), new_password: str = Form(""),
                    again: str = Form(""), ctx: RequestContext = Depends(current)) -> Response:
    settings, connection, user = ctx.settings, ctx.connection, ctx.user
    if ctx.via != "session":
        raise HTTPException(403)
    key = account_key(user.username)
    reservation = reserve_attempt(connection, {key: settings.login_max_per_account},
                                  settings.login_window_s)
    if not reservation.allowed:
        ctx.audit("user.passwd.throttled", [user.username])
        return account_page(ctx, 429, message=ctx.t("login.throttled",
                                                     seconds=reservation.retry_after_s))
    if verify_password(connection, user.username, current_password) is None:
        ctx.audit("user.passwd.failed", [user.username])
        return account_page(ctx, 400, message=ctx.t("account.wrong_current"))
    release_attempt(connection, reservation, clear=key)
    if new_password != again:
        return account_page(ctx, 400, message=ctx.t("account.mismatch"))
    try:
        check_password_policy(new_password, user.username)
    except AccountError:
        return account_page(ctx, 400, message=ctx.t("account.policy"))
    set_password(connection, user.username, new_password)   # ends every session
    ctx.audit("user.passwd", [user.username])
    cookie_value, _ = open_session(connection, user.username, address=client_address(
        ctx.request), absolute_s=settings.session_absolute_s)
    response = RedirectResponse("/account?done=password", status_code=303)
    set_cookie(response, settings, session_cookie_name(settings), cookie_value)
    return response


@router.post("/account/tokens")
def new_token(label: str = Form(""), ctx: RequestContext = Depends(current)) -> Response:
    if ctx.via != "session":
        raise HTTPException(403)
    label = label.strip()[:80]
    if not label:
        return account_page(ctx, 400, message=ctx.t("account.label_needed"))
    token = create_token(ctx.connection, ctx.user.username, label, ctx.settings.api_token_days)
    ctx.audit("token.create", [token.token_id], {"label": token.label})
    return account_page(ctx, 201, new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def drop_token(token_id: str, ctx: RequestContext = Depends(current)) -> Response:
    try:
        revoke_token(ctx.connection, token_id, ctx.user.username)
    except AccountError:
        raise HTTPException(404) from None
    ctx.audit("token.revoke", [token_id])
    return RedirectResponse("/account?done=revoked", status_code=303)
