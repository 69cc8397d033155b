"""Fill a rule's explanation template from a hit, in Chinese or English.

The context holds, for each evidence role, the names of its nodes (``{official}``) and
their identifiers (``{official_id}``), then the hit's facts. Code words of the data (roles,
relations, programmes, categories) are translated, a kinship path reads as one relation
("配偶的兄弟姐妹", "spouse's sibling"), a shareholding chain as companies joined by arrows,
a list of shared details as one clause per group ("甲、乙电话相同（0571…）"), and a missing
value prints as "—" rather than failing, so a sentence is always produced. Lists of names
are in pinyin order, so the same hit always reads the same.
"""
from __future__ import annotations

import re
import string
from typing import Any

__all__ = ["render", "VOCABULARY"]

MISSING = "—"
# Folded YAML joins lines with a space; Chinese text has none between its characters.
CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
VOCABULARY: dict[str, dict[str, str]] = {
    "zh": {
        "shareholder": "股东", "legal_rep": "法定代表人", "director": "董事", "manager": "经理",
        "beneficial_owner": "实际受益人", "supervisor": "监事",
        "spouse": "配偶", "parent": "父母", "child": "子女", "sibling": "兄弟姐妹",
        "parent_in_law": "配偶的父母", "child_in_law": "子女的配偶",
        "sibling_in_law": "姻亲兄弟姐妹", "grandparent": "祖父母", "grandchild": "孙子女",
        "other": "其他亲属", "self": "本人", "phone": "电话", "address": "地址",
        "email": "邮箱", "household": "同户", "kinship": "亲属",
        "goods": "货物", "services": "服务", "works": "工程",
        "subsistence_allowance": "低保", "rain_dew": "雨露计划", "high_school_grant": "普高助学金",
        "housing_renovation": "危房改造", "farmland_subsidy": "耕地地力保护补贴",
        "winter_relief": "冬春救助", "startup_loan": "创业担保贷款",
        "migrant_transport": "外出务工交通补贴",
        "young": "新设企业承接大额合同", "official_contact": "与公职人员共用联系方式",
        "relative_contact": "与公职人员亲属共用联系方式",
        "deceased": "死亡后仍发放", "same_month": "同月重复发放", "pooled": "多人资金归集一户",
    },
    "en": {
        "legal_rep": "legal representative", "beneficial_owner": "beneficial owner",
        "parent_in_law": "parent-in-law", "child_in_law": "child-in-law",
        "sibling_in_law": "sibling-in-law", "other": "other relative", "self": "the same person",
        "household": "same household", "kinship": "kinship tie",
        "subsistence_allowance": "subsistence allowance", "rain_dew": "Rain and Dew grant",
        "high_school_grant": "high-school grant", "housing_renovation": "housing renovation",
        "farmland_subsidy": "farmland subsidy", "winter_relief": "winter relief",
        "startup_loan": "start-up loan", "migrant_transport": "migrant transport subsidy",
        "young": "young company with a large contract",
        "official_contact": "contact shared with an official",
        "relative_contact": "contact shared with an official's relative",
        "deceased": "paid after death", "same_month": "paid twice in a month",
        "pooled": "pooled account",
    },
}
SEPARATOR = {"zh": "、", "en": ", "}
PATH_JOINER = {"zh": "的", "en": "'s "}
CHAIN_JOINER = " → "
# One group of a list of shared details: {"link": "phone", "value": "…", "members": [...]}.
SHARED = {"zh": "{members}{link}相同（{value}）", "en": "{members} have the same {link} ({value})"}
GROUP_SEPARATOR = {"zh": "；", "en": "; "}
DISPLAY_BY_NAME = ("Person", "Company", "Unit")


def render(rule, evidence: list[dict], facts: dict[str, Any], language: str) -> str:
    """The explanation of a hit in ``language`` ('zh' or 'en').

    >>> from analytics.rules.rule import Rule
    >>> rule = Rule("r", "n", "名", "d", "描述", "low", 1, "g", "RETURN 1",
    ...             "{official}, {relation} {relative}: {amount:,.0f}",
    ...             "{official}之{relation}{relative}：{amount:,.0f}元")
    >>> evidence = [{"role": "official", "label": "Person", "id": "1", "name": "甲"},
    ...             {"role": "relative", "label": "Person", "id": "2", "name": "丙"}]
    >>> render(rule, evidence, {"relation": ["spouse", "sibling"], "amount": 1e6}, "zh")
    '甲之配偶的兄弟姐妹丙：1,000,000元'
    >>> render(rule, evidence, {"relation": ["spouse"]}, "en")
    '甲, spouse 丙: —'
    >>> shared = Rule("r", "n", "名", "d", "描述", "low", 1, "g", "RETURN 1",
    ...               "{sharing} via {chain}", "{sharing}，经{chain}")
    >>> facts = {"sharing": [{"link": "phone", "value": "0571", "members": ["甲", "乙"]},
    ...                      {"link": "legal_rep", "value": "张三", "members": ["丙", "丁"]}],
    ...          "chain": ["控股公司", "宏达"]}
    >>> render(shared, [], facts, "zh")
    '丙、丁法定代表人相同（张三）；甲、乙电话相同（0571），经控股公司→宏达'
    >>> for part in render(shared, [], facts, "en").split("; "):
    ...     print(part)
    丙 and 丁 have the same legal representative (张三)
    甲 and 乙 have the same phone (0571) via 控股公司 → 宏达
    """
    context = _context(evidence, facts, language)
    text = " ".join(_Formatter().vformat(rule.explanation(language, facts), (), context).split())
    return CJK_GAP.sub("", text) if language == "zh" else text


def _context(evidence: list[dict], facts: dict[str, Any], language: str) -> dict[str, str]:
    names: dict[str, list[str]] = {}
    ids: dict[str, list[str]] = {}
    for item in evidence:
        if "label" not in item:
            continue
        shown = item["name"] if item["label"] in DISPLAY_BY_NAME and item.get("name") \
            else item["id"]
        _add(names.setdefault(item["role"], []), str(shown))
        _add(ids.setdefault(item["role"] + "_id", []), str(item["id"]))
    context: dict[str, Any] = {role: SEPARATOR[language].join(_ordered(values))
                               for role, values in {**names, **ids}.items()}
    for key, value in facts.items():
        context[key] = _fact(key, value, language)
    return context


def _ordered(names: list[str]) -> list[str]:
    """Names in pinyin order, as a Chinese list is written, identifiers in their own order.

    The query returns the nodes of a role in no fixed order; sorted, a re-scan writes the
    same sentence.

    >>> _ordered(["乙", "甲", "K2", "K1"])
    ['K1', 'K2', '甲', '乙']
    """
    if len(names) < 2:
        return names
    from pypinyin import lazy_pinyin   # 0.3 s to import: only when there is a list to sort

    return sorted(names, key=lambda name: (lazy_pinyin(name), name))


def _add(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def _fact(key: str, value: Any, language: str) -> Any:
    words = VOCABULARY[language]
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            return GROUP_SEPARATOR[language].join(
                _ordered([_shared(item, language) for item in value]))
        translated = [words.get(item, item) if isinstance(item, str) else str(item)
                      for item in value]
        if key == "relation":
            return PATH_JOINER[language].join(translated)
        if key == "chain":
            return CHAIN_JOINER.join(translated)
        unique: list[str] = []
        for item in translated:
            _add(unique, str(item))
        return SEPARATOR[language].join(unique)
    if isinstance(value, str):
        return words.get(value, value)
    return value


def _shared(group: dict, language: str) -> str:
    """One group of members sharing a detail, as "甲、乙电话相同（0571…）".

    Members are in pinyin order and groups sorted (``_ordered``), so a re-scan writes the
    same sentence.
    """
    members = _ordered(sorted({str(member) for member in group.get("members") or []}))
    if language == "en" and len(members) > 1:
        listed = ", ".join(members[:-1]) + " and " + members[-1]
    else:
        listed = SEPARATOR[language].join(members)
    return SHARED[language].format(
        members=listed or MISSING, link=_fact("link", group.get("link"), language) or MISSING,
        value=MISSING if group.get("value") in (None, "") else group["value"])


class _Formatter(string.Formatter):
    """Missing fields print as "—"; a format spec that does not fit the value is dropped."""

    def get_value(self, key, args, kwargs):
        value = kwargs.get(key) if isinstance(key, str) else None
        return MISSING if value is None else value

    def format_field(self, value, format_spec):
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)
