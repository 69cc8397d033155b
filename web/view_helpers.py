"""Small functions the data templates call: names of rules, statuses and outcomes from where
they are defined (the rule files, ``analytics.workflow``), property names from the model with
a catalog fallback, links between pages, and money.

Registered once as Jinja globals (``GLOBALS``), so no template restates a label and no route
has to pass them.
"""
from __future__ import annotations

from typing import Any

from analytics.profiles import RELATION_ZH
from analytics.rule_facts import rule_names
from analytics.workflow import OUTCOMES, STATUSES
from graph.model import load_model
from web.reads import alert_href, entity_href, page_links, portrait_href, profile_href, query_link

__all__ = ["GLOBALS", "rule_name", "status_name", "outcome_name", "field_name", "money",
           "money_short", "relation_name", "coded", "tie_field_name", "summary"]


def rule_name(t: Any, rule_id: str | None) -> str:
    """The rule's name in the reader's language (the rule file's), else its id.

    >>> from web.i18n import Translator
    >>> rule_name(Translator("zh"), "bid_rigging"), rule_name(Translator("zh"), "gone")
    ('围标串标', 'gone')
    """
    zh, en = rule_names(rule_id) if rule_id else (None, None)
    return (zh if t.lang == "zh" else en) or str(rule_id or "")


def status_name(t: Any, status: str | None) -> str:
    """预警 / 分办 / 核查 / 处置 (``analytics.workflow.STATUSES``)."""
    names = STATUSES.get(status or "new")
    return names[t.lang] if names else str(status)


def outcome_name(t: Any, outcome: str | None) -> str:
    """属实 … 并案 (``analytics.workflow.OUTCOMES``); the catalog's word for ``pending``."""
    if not outcome:
        return ""
    names = OUTCOMES.get(outcome)
    return names[t.lang] if names else t.term("outcome", outcome)


def field_name(t: Any, label: str, prop: str) -> str:
    """A property's name from the model, else the catalog's ``field.<prop>``, else itself.

    >>> from web.i18n import Translator
    >>> field_name(Translator("zh"), "Person", "name"), field_name(Translator("zh"), "X", "y")
    ('姓名', 'y')
    """
    nodes = load_model().nodes
    spec = nodes[label].properties.get(prop) if label in nodes else None
    if spec is not None:
        return spec.zh if t.lang == "zh" else spec.en
    return t.term("field", prop)


def relation_name(t: Any, relation: str | None) -> str:
    """A relation as the profile says it (``self``, ``spouse's sibling``), in Chinese from
    ``analytics.profiles.RELATION_ZH``.

    >>> from web.i18n import Translator
    >>> relation_name(Translator("zh"), "spouse's sibling"), relation_name(Translator("zh"), "self")
    ('配偶的兄弟姐妹', '本人')
    """
    if not relation:
        return ""
    if t.lang != "zh":
        return "self" if relation == "self" else relation
    return "的".join(RELATION_ZH.get(part, part) for part in relation.split("'s "))


# Facts and tie properties whose values are codes with a word in the catalog.
CODED = {"holder_role": "company_role", "role": "company_role", "program": "program",
         "method": "method", "category": "category", "level": "level", "kind": "unit_kind",
         "gender": "gender"}


def coded(t: Any, name: str, value: Any) -> Any:
    """The catalog's word for a coded value of a fact or a tie (``holder_role: manager`` →
    经理; a relation → its Chinese), anything else as it is.

    >>> from web.i18n import Translator
    >>> coded(Translator("zh"), "holder_role", "manager"), coded(Translator("zh"), "days", 3)
    ('经理', 3)
    """
    if isinstance(value, str):
        if name == "relation":
            return relation_name(t, value)
        if name in CODED:
            return t.term(CODED[name], value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(coded(t, name, item)) for item in value)
    if isinstance(value, bool):
        return t("data.yes") if value else t("data.no")
    return value


def tie_field_name(t: Any, rel_type: str, prop: str) -> str:
    """A relationship property's name from the model, else the catalog's ``field.<prop>``.

    >>> from web.i18n import Translator
    >>> tie_field_name(Translator("zh"), "HOLDS_ROLE", "role")
    '角色'
    """
    name = t.tie_field(rel_type, prop)
    return t.term("field", prop) if name == prop else name


def money(value: Any) -> str:
    """An amount in yuan with two decimals and separators.

    >>> money(1234567.5), money(None)
    ('1,234,567.50', '—')
    """
    if value is None:
        return "—"
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value)


def money_short(t: Any, value: Any) -> str:
    """A large amount rounded for a headline: 亿/万元 in Chinese, million/billion in English
    (the exact figure stays in the tables).

    >>> from web.i18n import Translator
    >>> money_short(Translator("zh"), 17892169740.69), money_short(Translator("en"), 2.5e6)
    ('178.92 亿元', '2.50 million yuan')
    """
    if value is None:
        return "—"
    value = float(value)
    if t.lang == "zh":
        for size, word in ((1e8, "亿元"), (1e4, "万元")):
            if abs(value) >= size:
                return f"{value / size:,.2f} {word}"
        return f"{value:,.2f} 元"
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{value / size:,.2f} {word} yuan"
    return f"{value:,.2f} yuan"


def summary(t: Any, item: dict) -> str:
    """An alert's sentence in the reader's language (Chinese when there is no English)."""
    if t.lang == "en" and item.get("summary_en"):
        return item["summary_en"]
    return item.get("summary_zh") or item.get("summary_en") or ""


GLOBALS = {"rule_name": rule_name, "status_name": status_name, "outcome_name": outcome_name,
           "field_name": field_name, "money": money, "money_short": money_short,
           "relation_name": relation_name, "coded": coded, "tie_field_name": tie_field_name, "summary": summary,
           "entity_href": entity_href, "profile_href": profile_href,
           "portrait_href": portrait_href, "alert_href": alert_href,
           "query_link": query_link, "page_links": page_links}
