"""User management (用户管理) for administrators: the accounts of their jurisdiction, and
disabling or enabling one. An account of a unit outside the administrator's subtree
answers 404 like a name that does not exist. Adding accounts and passwords stay on the
command line (``lianjian users``), where a password never passes through a web form of
someone else's.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from analytics.accounts import UnknownUser, disable_user, enable_user, list_users
from web.context import RequestContext, require
from web.templating import render

router = APIRouter(include_in_schema=False)
MANAGE = require("users.manage")


def set_disabled(ctx: RequestContext, username: str, disabled: bool) -> None:
    """Disable or enable an account of the jurisdiction, audited; 404 outside it."""
    if disabled and username == ctx.user.username:
        raise HTTPException(400, ctx.t("users.not_yourself"))
    try:
        (disable_user if disabled else enable_user)(ctx.connection, username, ctx.scope)
    except UnknownUser:
        raise HTTPException(404) from None
    ctx.audit("user.disable" if disabled else "user.enable", [username])


@router.get("/users")
def users_page(ctx: RequestContext = Depends(MANAGE)) -> Response:
    done = ctx.request.query_params.get("done")
    return render(ctx, "users.html", users=list_users(ctx.connection, ctx.scope)["items"],
                  done=done if done in ("disabled", "enabled") else None,
                  target=ctx.request.query_params.get("user", ""))


@router.post("/users/{username}/disable")
def disable(username: str, ctx: RequestContext = Depends(MANAGE)) -> Response:
    set_disabled(ctx, username, True)
    return RedirectResponse(f"/users?done=disabled&user={username}", status_code=303)


@router.post("/users/{username}/enable")
def enable(username: str, ctx: RequestContext = Depends(MANAGE)) -> Response:
    set_disabled(ctx, username, False)
    return RedirectResponse(f"/users?done=enabled&user={username}", status_code=303)
