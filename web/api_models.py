"""Response and request models of the data API (``/api/v1``), for OpenAPI at ``/docs``.

They document what ``analytics.api`` returns; they do not reshape it. Each model names the
fields a client can rely on and allows the rest (``extra="allow"``), so a field the API adds
later reaches the client instead of being dropped in silence.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SearchResult", "EntityCard", "Profile", "Portrait", "AlertList", "AlertDetail",
           "AssignBody", "NoteBody", "ProposeBody", "DisposeBody", "ReopenBody",
           "VerifyBody", "BulkAssignBody", "BulkAssignResult", "ActionResult", "AuditPage",
           "ChainState", "UnitRow"]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Source(Open):
    dataset: str | None = None
    file: str | None = None
    row: int | None = None
    run: str | None = Field(None, description="The load run that wrote it")


class SearchHit(Open):
    label: str = Field(description="Graph label: Person, Company, Unit, Contract, Account …")
    label_zh: str
    label_en: str
    key: str | None
    name: str | None
    match: str = Field(description="key, key_prefix, name or pinyin")
    score: float
    context: dict[str, Any] = Field(description="A few facts to tell namesakes apart")


class SearchGroup(Open):
    label: str
    label_zh: str
    label_en: str
    items: list[SearchHit]
    more: bool = Field(description="More hits than the limit exist: type more of it")


class SearchResult(Open):
    text: str
    results: list[SearchHit]
    groups: list[SearchGroup]
    notes: list[str] = Field(description="What the search could not do in full, in words")


class Fact(Open):
    property: str
    label_zh: str | None
    label_en: str | None
    value: Any
    sources: list[Source] = Field(description="Every source that gave this value")


class EntityRef(Open):
    label: str
    key: str | None
    name: str | None


class Neighbour(Open):
    type: str = Field(description="Relationship type")
    direction: str = Field(description="out: from the entity; in: towards it")
    node: EntityRef
    tie: dict[str, Any] = Field(description="Properties of the relationship")
    provenance: dict[str, Any]
    alerted: bool = Field(description="Named by an alert in the reader's jurisdiction")


class TieCount(Open):
    total: int
    returned: int
    not_returned: int = Field(description="Outside the jurisdiction, not valid at the date, "
                                          "or beyond the limit: counted, never named")


class Ties(Open):
    neighbours: list[Neighbour]
    counts: dict[str, TieCount]
    truncated: bool


class AlertRow(Open):
    alert_id: str
    rule_id: str | None
    severity: str | None
    status: str | None
    outcome: str | None = None
    summary_zh: str | None = None
    summary_en: str | None = None


class EntityCard(Open):
    entity: dict[str, Any] = Field(description="label, label_zh, label_en, key, name")
    facts: list[Fact]
    provenance: dict[str, Any]
    flags: dict[str, bool] = Field(description="stub: known only from a reference; "
                                               "keyless: known without an identifier")
    ties: Ties
    alerts: list[AlertRow]
    alerts_total: int
    at: str | None = Field(None, description="Ties valid on this day (ISO), or all")


class RiskItem(Open):
    points: float
    source: str = Field(description="An alert id, or the name of a signal")
    reason: str


class Risk(Open):
    total: float = Field(description="Exactly the sum of the items' points")
    items: list[RiskItem]


class Complaints(Open):
    events: list[dict[str, Any]]
    total: int
    withheld: int


class Profile(Open):
    person: dict[str, Any]
    as_of: str | None
    positions: list[dict[str, Any]]
    family: list[dict[str, Any]]
    companies: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    subsidies: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    related_alerts: list[dict[str, Any]]
    risk: Risk
    totals: dict[str, int]
    truncated: dict[str, bool]
    withheld: dict[str, int] = Field(description="Rows outside the jurisdiction per table: "
                                                 "a count, never a name")
    complaints: Complaints = Field(description="Complaints (信访举报) about the person")


class Portrait(Open):
    unit: dict[str, Any]
    totals: dict[str, Any]
    units: list[dict[str, Any]] = Field(description="Each unit, figures rolled up its subtree")
    alerts_total: int
    alerts_by_rule: list[dict[str, Any]]
    alerts_by_status: list[dict[str, Any]]
    alerts_by_outcome: list[dict[str, Any]]
    top_risks: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    contracts_by_method: list[dict[str, Any]]
    supplier_concentration: dict[str, Any]


class AlertItem(Open):
    alert_id: str
    rule_id: str | None
    severity: str | None
    status: str
    outcome: str | None
    assignee: str | None
    deadline: str | None
    overdue: bool | None
    first_seen: str | None
    summary_zh: str | None
    summary_en: str | None


class AlertList(Open):
    items: list[AlertItem]
    total: int
    page: int
    page_size: int
    pages: int
    new_since: str | None = Field(description="End of the reader's previous visit to the "
                                              "queue (the 'new since last visit' filter)")


class AlertDetail(Open):
    alert: dict[str, Any]
    evidence: list[dict[str, Any]] = Field(description="Evidence items, each with its source")
    facts: dict[str, Any]
    history: list[dict[str, Any]] = Field(description="Workflow events, oldest first")
    evidence_changes: list[dict[str, Any]]
    predecessors: list[dict[str, Any]]
    successors: list[dict[str, Any]]
    seen_before: list[dict[str, Any]] = Field(description="How the same rule was decided "
                                                          "for the same entities")
    actions: list[str] = Field(description="Actions the reader's role allows on it now")


class VerifyBody(BaseModel):
    note: str | None = Field(None, max_length=4000)
    expected_status: str | None = Field(None, description="Refused unless the alert is "
                                                          "still in this status")


class AssignBody(VerifyBody):
    assignee: str = Field(min_length=1, max_length=80)
    deadline: str | None = Field(None, description="YYYY-MM-DD; default by severity")


class NoteBody(BaseModel):
    note: str = Field(min_length=1, max_length=4000)


class ProposeBody(BaseModel):
    outcome: str = Field(description="confirmed, partly_confirmed, unfounded, referred, merged")
    reason: str = Field(min_length=1, max_length=4000)


class DisposeBody(VerifyBody):
    outcome: str
    reason: str | None = Field(None, max_length=4000)
    referred_to: str | None = Field(None, max_length=200)
    merged_into: str | None = Field(None, max_length=200)


class ReopenBody(VerifyBody):
    reason: str = Field(min_length=1, max_length=4000)


class BulkAssignBody(BaseModel):
    alert_ids: list[str] = Field(min_length=1, max_length=500)
    assignee: str = Field(min_length=1, max_length=80)
    deadline: str | None = None
    note: str | None = Field(None, max_length=4000)


class BulkAssignResult(Open):
    assigned: list[str]
    refused: dict[str, str] = Field(description="Alert id → one line saying why")


class ActionResult(Open):
    alert_id: str
    action: str
    from_status: str
    to_status: str
    actor: str
    audit_seq: int


class UnitRow(Open):
    unit_id: str
    name: str | None
    parent_unit_id: str | None
    depth: int


class AuditEvent(Open):
    seq: int
    at: str
    actor: str
    action: str
    targets: list[str]
    parameters: dict[str, Any]
    hash: str


class AuditPage(Open):
    items: list[AuditEvent]
    total: int
    page: int
    page_size: int
    pages: int


class ChainState(Open):
    ok: bool
    events: int
    head: dict[str, Any] | None
    first_bad_seq: int | None
    problem: str | None
