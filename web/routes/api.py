"""``/api/v1``: the JSON behind the pages, with the same sessions (or an API token), the
same jurisdiction, permissions and audit. Lists are paginated like every list of the
analytics API (``page`` from 1, ``page_size`` up to 100; the answer gives ``total`` and
``pages``); errors are ``{"error": "one message"}``.
"""
from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from analytics.accounts import create_token, list_tokens, list_users, revoke_token
from analytics.runs import list_loads, list_scans
from graph.errors import LianjianError
from web.context import Forbidden, RequestContext, current, require
from web.routes.users import set_disabled

T = TypeVar("T")


class ErrorBody(BaseModel):
    error: str = Field(description="One message saying what went wrong and what to do")


ERRORS = {status: {"model": ErrorBody, "description": text} for status, text in (
    (401, "No live session or token"), (403, "The role lacks the permission, or the CSRF "
                                             "token is missing or wrong"),
    (404, "No such record, or outside the jurisdiction (the two are not told apart)"),
    (422, "A parameter or body field is invalid"))}

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Items over all pages")
    page: int
    page_size: int
    pages: int = Field(description="Number of pages (at least 1)")


class UnitRef(BaseModel):
    unit_id: str
    name: str | None


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    unit: UnitRef
    jurisdiction_units: int = Field(description="Units the user sees: their own and below")
    via: str = Field(description="session or token")


class ScanRow(BaseModel):
    scan_id: str
    status: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_s: float | None
    rules: list[str] | None
    units: list[str] | None = Field(description="Units scanned (with sub-units); null = all")
    counts_visible: bool = Field(description="False when the scan covered units outside "
                                             "the reader's jurisdiction: totals withheld")
    new_alerts: int | None
    still_matching: int | None
    no_longer_matching: int | None
    alerts_in_scope: int = Field(description="Alerts of this scan within the jurisdiction")
    new_in_scope: int = Field(description="New alerts of this scan within the jurisdiction")


class LoadRow(BaseModel):
    run_id: str
    dataset: str | None
    status: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    duration_s: float | None
    rows_read: int | None
    rows_rejected: int | None
    rows_written: int | None


class TokenRow(BaseModel):
    token_id: str
    label: str | None
    created_at: dt.datetime | None
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewToken(BaseModel):
    label: str = Field(min_length=1, max_length=80)


class CreatedToken(TokenRow):
    secret: str = Field(description="Send as `Authorization: Bearer <secret>`; shown once")


PAGE = Query(1, ge=1, le=100_000, description="Page number, from 1")
PAGE_SIZE = Query(20, ge=1, le=100, description="Items per page (at most 100)")


@router.get("/me", response_model=Me, tags=["account"])
def me(ctx: RequestContext = Depends(current)) -> dict:
    """The signed-in user, their roles, permissions and jurisdiction."""
    user = ctx.user
    return {"username": user.username, "display_name": user.display_name,
            "roles": list(user.roles), "permissions": sorted(ctx.permissions),
            "unit": {"unit_id": user.unit_id, "name": ctx.unit_name},
            "jurisdiction_units": len(ctx.scope.unit_ids or ()), "via": ctx.via}


@router.get("/scans", response_model=Page[ScanRow], tags=["runs"])
def scans(page: int = PAGE, page_size: int = PAGE_SIZE,
          ctx: RequestContext = Depends(require("runs.read"))) -> dict:
    """Scans, newest first (totals only where every scanned unit lies in the jurisdiction;
    the counts within it always)."""
    return list_scans(ctx.connection, scope=ctx.scope, page=page, page_size=page_size)


@router.get("/loads", response_model=Page[LoadRow], tags=["runs"])
def loads(page: int = PAGE, page_size: int = PAGE_SIZE,
          ctx: RequestContext = Depends(require("runs.read"))) -> dict:
    """Loads, newest first, with their row counts (to readers whose jurisdiction covers
    every unit: loads are administration of the whole database)."""
    return list_loads(ctx.connection, scope=ctx.scope, page=page, page_size=page_size)


@router.get("/tokens", response_model=list[TokenRow], tags=["account"])
def tokens(ctx: RequestContext = Depends(require("tokens.own"))) -> list:
    """The user's own API tokens (never their secrets)."""
    return [token.__dict__ for token in list_tokens(ctx.connection, ctx.user.username)]


@router.post("/tokens", response_model=CreatedToken, status_code=201, tags=["account"])
def new_token(body: NewToken, ctx: RequestContext = Depends(require("tokens.own"))) -> dict:
    """A new token for the signed-in user (from a browser session only, CSRF header set)."""
    if ctx.via != "session":
        raise Forbidden("tokens.own")
    token = create_token(ctx.connection, ctx.user.username, body.label,
                         ctx.settings.api_token_days)
    ctx.audit("token.create", [token.token_id], {"label": token.label})
    return token.__dict__


@router.delete("/tokens/{token_id}", status_code=204, tags=["account"])
def drop_token(token_id: str, ctx: RequestContext = Depends(require("tokens.own"))) -> None:
    """Revoke one of the user's own tokens; another user's token is 404 like a missing one."""
    from starlette.exceptions import HTTPException

    try:
        revoke_token(ctx.connection, token_id, ctx.user.username)
    except LianjianError:
        raise HTTPException(404) from None
    ctx.audit("token.revoke", [token_id])


class UserRow(BaseModel):
    username: str
    display_name: str
    unit_id: str
    unit_name: str | None
    roles: list[str]
    disabled: bool
    created_at: dt.datetime | None
    last_login_at: dt.datetime | None


@router.get("/users", response_model=Page[UserRow], tags=["users"])
def users(page: int = PAGE, page_size: int = PAGE_SIZE,
          ctx: RequestContext = Depends(require("users.manage"))) -> dict:
    """Accounts of the administrator's jurisdiction, by user name."""
    return list_users(ctx.connection, ctx.scope, page=page, page_size=page_size)


@router.post("/users/{username}/disable", status_code=204, tags=["users"])
def disable_account(username: str,
                    ctx: RequestContext = Depends(require("users.manage"))) -> None:
    """Disable an account: its sessions end now, its tokens stop working (audited)."""
    set_disabled(ctx, username, True)


@router.post("/users/{username}/enable", status_code=204, tags=["users"])
def enable_account(username: str,
                   ctx: RequestContext = Depends(require("users.manage"))) -> None:
    """Enable a disabled account again (audited)."""
    set_disabled(ctx, username, False)
