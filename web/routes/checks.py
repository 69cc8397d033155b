"""Business systems' API (嵌入式监督): pre-approval checks and external warnings.

Called with the API token of a service account of role ``system``, bound to the business
system's unit: ``Authorization: Bearer lj_…``. A row or warning whose unit lies outside
that unit's subtree answers **403** with one message (the issue's contract: a business
system must know it asked the wrong office, not guess at a missing record). A recorded
check outside it reads like a missing one (404). examples/check_client.py is a client a
business system can copy; docs/embedded.md describes the calls.
"""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from analytics import checks, warnings
from analytics.proposals import ProposalError
from web.context import RequestContext, require
from web.routes.api import ERRORS

router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["embedded"])
SUBMIT_CHECK = require("checks.submit")
SUBMIT_WARNING = require("warnings.submit")


class CheckRequest(BaseModel):
    kind: Literal["contract", "subsidy"] = Field(description="contract (contracts.csv row) "
                                                            "or subsidy (subsidies.csv row)")
    row: dict[str, Any] = Field(description="The row's columns as in input-format.md")


class Hit(BaseModel):
    rule_id: str
    name_zh: str
    name_en: str
    severity: str
    action: Literal["warn", "block"]
    summary_zh: str
    summary_en: str
    facts: dict[str, Any]
    entity_ids: list[str]
    evidence: list[dict[str, Any]] = Field(description="Nodes and ties of the hit, each "
                                                       "with its dataset, file and row")


class CheckAnswer(BaseModel):
    check_id: str
    kind: str
    result: Literal["pass", "warn", "block"]
    hits: list[Hit]
    rules: list[str] = Field(description="The rules the policy runs for this kind of row")
    unit_ids: list[str]
    at: str
    duration_ms: float


class OverrideRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class OverrideAnswer(BaseModel):
    check_id: str
    alert_id: str
    rule_id: str


class WarningRequest(BaseModel):
    source: str = Field(description="The business system, a-z 0-9 _ . - (e.g. caizheng)")
    rule: str = Field(description="The source's rule, a-z 0-9 _ . -")
    key: str = Field(description="The warning's id in the source (deduplication key)")
    entities: list[str] = Field(default_factory=list, description="Keys of the entities")
    text: str
    time: str = Field(description="ISO date-time with offset, when the source raised it")
    severity: Literal["low", "medium", "high", "critical"] = "medium"


class WarningAnswer(BaseModel):
    alert_id: str
    rule_id: str
    created: bool = Field(description="False: this source and key were received before")
    status: str
    unit_ids: list[str]
    unknown_entities: list[str]


def _forbidden(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=403)


@router.post("/checks", response_model=CheckAnswer)
def post_check(body: CheckRequest, ctx: RequestContext = Depends(SUBMIT_CHECK)) -> Any:
    """Check a proposed contract or subsidy payment as if loaded, without writing it:
    ``pass``, ``warn`` or ``block`` with every hit's explanation (recorded and audited)."""
    try:
        return checks.run_check(ctx.connection, body.kind, body.row,
                                caller=ctx.user.username, caller_unit_id=ctx.user.unit_id,
                                scope=ctx.scope, policy=ctx.settings.check_policy)
    except checks.OutsideJurisdiction as error:
        return _forbidden(str(error))
    except ProposalError as error:
        return JSONResponse({"error": str(error)}, status_code=422)


@router.get("/checks/{check_id}")
def read_check(check_id: str, ctx: RequestContext = Depends(SUBMIT_CHECK)) -> Any:
    """A recorded check of the caller's jurisdiction: row, result, hits, override."""
    found = checks.get_check(ctx.connection, check_id, ctx.scope)
    if found is None:
        raise HTTPException(404)
    return found


@router.post("/checks/{check_id}/override", response_model=OverrideAnswer, status_code=201)
def override(check_id: str, body: OverrideRequest,
             ctx: RequestContext = Depends(SUBMIT_CHECK)) -> Any:
    """The business system approves a blocked row anyway, with its reason: the block
    becomes an alert in the office's queue (once per check)."""
    try:
        return checks.override_check(ctx.connection, check_id, actor=ctx.user.username,
                                     reason=body.reason, scope=ctx.scope)
    except checks.CheckNotFound:
        raise HTTPException(404) from None
    except checks.CheckError as error:
        return JSONResponse({"error": str(error)}, status_code=409)


@router.post("/warnings", response_model=WarningAnswer, status_code=201)
def post_warning(body: WarningRequest, ctx: RequestContext = Depends(SUBMIT_WARNING)) -> Any:
    """A business system's own warning joins the alert queue, once per (source, key):
    201 when new, 200 when it was received before."""
    try:
        answer = warnings.receive_warning(ctx.connection, body.model_dump(),
                                          caller=ctx.user.username,
                                          caller_unit_id=ctx.user.unit_id, scope=ctx.scope)
    except warnings.OutsideJurisdiction as error:
        return _forbidden(str(error))
    except warnings.WarningError as error:
        return JSONResponse({"error": str(error)}, status_code=422)
    return JSONResponse(answer, status_code=201 if answer["created"] else 200)
