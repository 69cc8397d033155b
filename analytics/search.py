"""Search (检索): one box for names, pinyin, identifiers and numbers, within a scope.

An investigator types what he has: a name in characters (张建国, or part of it: 建国, 张),
its pinyin (zhangjianguo, zhang jian), an ID number in any accepted spelling (15 digits,
lower-case x, full-width, spaced), a credit code, an account number, a contract or tender
id, or the first characters of one of those. ``search_entities`` asks, per label, the
unique key (exact, then as a prefix) and the model's full-text index, each filtered by the
reader's scope inside the query and all in one read transaction, and returns the hits
ranked and grouped by label.

Ranking (highest first): the exact key (1000); a key beginning with the text (500); a
name equal to the text (300), read exactly as the pinyin typed (200), beginning with the
text (150) or containing it (80); a pinyin match on part of the name (50); plus the
full-text score weighted by what the index holds (names ×10, contract titles ×5,
complaint texts ×2: a word in a long complaint says less than a name).
"""
from __future__ import annotations

import re
import unicodedata

from analytics import pinyin
from analytics.access import in_scope
from analytics.plain import plain
from analytics.queries import candidate_keys
from analytics.scope import Scope
from graph.model import load_model

__all__ = ["SEARCHABLE", "FULLTEXT", "search_entities", "lucene_text"]

_MODEL = load_model()
SEARCHABLE = tuple(label for label, node in _MODEL.nodes.items() if node.kind == "entity")
# Label -> name of its full-text index (graph.migrate names them <snake label>_fulltext).
FULLTEXT = {label: "".join("_" + c.lower() if c.isupper() else c for c in label).lstrip("_")
            + "_fulltext" for label, node in _MODEL.nodes.items() if node.fulltext}
PINYIN_LABELS = tuple(label for label in ("Person", "Company", "Unit") if label in FULLTEXT)
PINYIN_CANDIDATES = 2000
# Weight of a full-text score by what the index holds (scores of two indexes differ).
FULLTEXT_WEIGHT = {"Person": 10.0, "Company": 10.0, "Unit": 10.0, "Contract": 5.0,
                   "Complaint": 2.0}

# A few facts beside each hit, to tell two 张建国 apart.
_CONTEXT = {
    "Person": "{units: [(n)-[:HOLDS_POSITION]->(u:Unit) | u.name][..3], "
              "household_id: n.household_id}",
    "Company": "{established_date: n.established_date, address: n.address}",
    "Unit": "{level: n.level, parent: [(n)-[:PART_OF]->(p:Unit) | p.name][0]}",
    "Contract": "{signed_date: n.signed_date, amount: n.amount, "
                "buyer: [(n)-[:BUYER]->(u:Unit) | u.name][0]}",
    "Account": "{bank: n.bank, holder: [(n)-[:HELD_BY]->(h) | h.name][0]}",
    "Complaint": "{date: n.date, category: n.category}",
}


def _returns(label: str) -> str:
    node = _MODEL.node(label)
    return (f"n.`{node.key}` AS key, toString(n.`{node.caption}`) AS name, "
            f"{_CONTEXT.get(label, '{}')} AS context")


KEY_QUERIES = {label: f"""
CALL {{
  MATCH (n:`{label}`) WHERE n.`{node.key}` IN $keys AND {in_scope(label, 'n')}
  RETURN n, true AS exact
  UNION
  UNWIND $prefixes AS prefix
  MATCH (n:`{label}`) WHERE n.`{node.key}` STARTS WITH prefix AND NOT n.`{node.key}` IN $keys
    AND {in_scope(label, 'n')}
  RETURN n, false AS exact
}}
WITH n, exact ORDER BY exact DESC, n.`{node.key}` LIMIT $limit
RETURN exact, {_returns(label)}
""" for label, node in _MODEL.nodes.items() if label in SEARCHABLE}

FULLTEXT_QUERIES = {label: f"""
CALL db.index.fulltext.queryNodes('{index}', $lucene) YIELD node AS n, score
WITH n, score WHERE {in_scope(label, 'n')}
WITH n, score LIMIT $limit
RETURN score, {_returns(label)}
""" for label, index in FULLTEXT.items()}

_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def lucene_text(text: str) -> str | None:
    """The full-text query for what was typed: its words (CJK bigrams) with the whole as a
    phrase boosted; a single character matches any bigram holding it. Lucene's operators are
    escaped, so typed text never becomes query syntax.

    >>> lucene_text("张"), lucene_text("张建国"), lucene_text("A&B (HK)")
    ('张* OR *张', '"张建国"^3 OR 张建国', '"A\\\\&B \\\\(HK\\\\)"^3 OR A\\\\&B \\\\(HK\\\\)')
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    escaped = _LUCENE_SPECIAL.sub(r"\\\1", text)
    if len(text) == 1:  # a lone character is no bigram: any term that holds it
        return f"{escaped}* OR *{escaped}" if not _LUCENE_SPECIAL.match(text) else None
    return f'"{escaped}"^3 OR {escaped}'


def _item(label: str, row: dict, match: str, score: float) -> dict:
    node = _MODEL.node(label)
    return {"label": label, "label_zh": node.name_zh, "label_en": node.name_en,
            "key": row["key"], "name": row["name"], "match": match, "score": round(score, 3),
            "context": plain({k: v for k, v in (row["context"] or {}).items()
                              if v not in (None, [], "")})}


def _by_key(label, keys, prefixes, limit, scope) -> tuple:
    """The statement of a label's key search and how its rows become hits."""
    def hits(rows):
        return [_item(label, row, "key" if row["exact"] else "key_prefix",
                      1000.0 if row["exact"] else 500.0 - len(row["key"] or ""))
                for row in rows]
    return (KEY_QUERIES[label], {"keys": keys, "prefixes": prefixes, "limit": limit,
                                 **scope.parameters()}), hits


def _by_name(label, text, query, limit, scope) -> tuple:
    def hits(rows):
        return [_item(label, row, "name", _name_bonus(row["name"] or "", text)
                      + FULLTEXT_WEIGHT.get(label, 1.0) * row["score"]) for row in rows]
    return (FULLTEXT_QUERIES[label], {"lucene": query, "limit": limit,
                                      **scope.parameters()}), hits


def _name_bonus(name: str, text: str) -> float:
    """300 for the name itself, 150 for its beginning, 80 for a part of it, else 0.

    >>> _name_bonus("城关镇人民政府", "城关镇"), _name_bonus("张建国", "建国")
    (150.0, 80.0)
    """
    if name == text:
        return 300.0
    if name.startswith(text):
        return 150.0
    return 80.0 if text in name else 0.0


def _by_pinyin(label, parts, scope, notes) -> tuple | None:
    query = pinyin.lucene_query(parts)
    if query is None:
        return None

    def hits(rows):
        if len(rows) == PINYIN_CANDIDATES:
            notes.append(f"{label}: the pinyin matched at least {PINYIN_CANDIDATES} names; "
                         "only those were checked — type more of the name, or its characters")
        found = []
        for row in rows:
            fit = pinyin.names_match(row["name"] or "", parts)
            if fit:
                found.append(_item(label, row, "pinyin", 200.0 if fit == "full" else 50.0))
        return found
    return (FULLTEXT_QUERIES[label], {"lucene": query, "limit": PINYIN_CANDIDATES,
                                      **scope.parameters()}), hits


def search_entities(connection, text: str, *, scope: Scope, types=None,
                    limit: int = 10) -> dict:
    """Find entities by name, pinyin, identifier or number, ranked and grouped by label.

    Parameters
    ----------
    connection : graph.connection.Connection
    text : str
        What was typed (see the module docstring).
    scope : analytics.scope.Scope
        Only entities in the reader's scope are searched (filtered inside each query).
    types : iterable of str, optional
        Labels to search (``SEARCHABLE``: Person, Company, Unit, Contract, Tender, Account,
        Transaction, SubsidyPayment, Bid, Complaint); all by default.
    limit : int
        Most hits per label.

    Returns
    -------
    dict
        ``text``; ``results`` (every hit, best first: label, label_zh, label_en, key, name,
        ``match`` — key, key_prefix, name or pinyin —, ``score`` and ``context``, a few
        facts to tell namesakes apart); ``groups`` (per label, best group first: label,
        label_zh, label_en, ``items`` and ``more`` — more hits than ``limit`` exist);
        ``notes`` (what the search could not do in full, in words).

    Raises
    ------
    ValueError
        For empty text or a label that cannot be searched.
    """
    text = str(text or "").strip()
    if not text:
        raise ValueError("type a name, pinyin, identifier or number to search for")
    types = list(SEARCHABLE if types is None else types)
    unknown = sorted(set(types) - set(SEARCHABLE))
    if unknown:
        raise ValueError(f"cannot search {unknown}; choose among {', '.join(SEARCHABLE)}")
    keys = candidate_keys(text)
    compact = keys[min(2, len(keys) - 1)]
    prefixes = sorted({text.upper(), compact}) if len(compact) >= 4 and not _has_cjk(text) else []
    parts = pinyin.syllables(text) if pinyin.is_pinyin(text) else None
    query, notes = lucene_text(text), []
    asked = []     # (label, (query, parameters), rows -> hits), asked in one transaction
    for label in types:
        asked.append((label, *_by_key(label, keys, prefixes, limit + 1, scope)))
        if label in FULLTEXT and query:
            asked.append((label, *_by_name(label, text, query, limit + 1, scope)))
        pinyin_search = _by_pinyin(label, parts, scope, notes) \
            if label in PINYIN_LABELS and parts else None
        if pinyin_search:
            asked.append((label, *pinyin_search))
    answers = connection.read_many([statement for _, statement, _ in asked])
    found: dict[tuple[str, str], dict] = {}
    for (label, _, hits), rows in zip(asked, answers):
        for hit in hits(rows):
            key = (label, hit["key"])
            if key not in found or found[key]["score"] < hit["score"]:
                found[key] = hit
    groups: dict[str, list[dict]] = {}
    for hit in sorted(found.values(), key=lambda h: (-h["score"], h["label"], str(h["key"]))):
        groups.setdefault(hit["label"], []).append(hit)
    ordered = sorted(groups.items(), key=lambda item: -item[1][0]["score"])
    return {
        "text": text,
        "results": sorted((hit for _, hits in ordered for hit in hits[:limit]),
                          key=lambda h: (-h["score"], h["label"], str(h["key"]))),
        "groups": [{"label": label, "label_zh": hits[0]["label_zh"],
                    "label_en": hits[0]["label_en"], "items": hits[:limit],
                    "more": len(hits) > limit} for label, hits in ordered],
        "notes": notes,
    }


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)
