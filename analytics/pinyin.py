"""Pinyin search of Chinese names, worked out at query time (no pinyin is stored).

An investigator types ``zhangjianguo`` or ``zhang jian`` for 张建国. The names are indexed
by the full-text index's CJK analyzer as character bigrams (张建, 建国), so a pinyin query
becomes the bigrams whose characters read as two adjacent syllables (张建, 章建, 彰剑…),
at most ``MAX_TERMS`` of them (Lucene's clause limit is 1,024); when every adjacent pair
has more, the characters of the least ambiguous syllable are searched as prefixes
(``张*``). The candidates are then checked in Python against every reading of every
character (``names_match``), so 单 matches both shan and dan.

Only the characters of GB 2312 (the 6,763 common ones) are expanded; a name written with
a rarer character is still found by its characters, not by its pinyin.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, pinyin

__all__ = ["MAX_TERMS", "is_pinyin", "syllables", "lucene_query", "names_match"]

MAX_TERMS = 1000
_PINYIN_TEXT = re.compile(r"^[a-zA-Z][a-zA-Z' ]*$")


@lru_cache(maxsize=1)
def _characters() -> dict[str, frozenset[str]]:
    """Syllable → the GB 2312 characters read so (every reading of each character)."""
    readings: dict[str, set[str]] = {}
    for code in range(0x4E00, 0x9FA6):
        char = chr(code)
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        for syllable in pinyin(char, style=Style.NORMAL, heteronym=True)[0]:
            readings.setdefault(syllable, set()).add(char)
    return {syllable: frozenset(chars) for syllable, chars in readings.items()}


def is_pinyin(text: str) -> bool:
    """Letters, spaces and apostrophes only: worth reading as pinyin.

    >>> is_pinyin("zhang jianguo"), is_pinyin("HT-2023"), is_pinyin("张三")
    (True, False, False)
    """
    return bool(_PINYIN_TEXT.match(text.strip()))


def syllables(text: str) -> list[str] | None:
    """Split pinyin into syllables, longest first; the last may be a prefix (typing).

    >>> syllables("zhangjianguo"), syllables("Zhang Jian'guo"), syllables("lis")
    (['zhang', 'jian', 'guo'], ['zhang', 'jian', 'guo'], ['li', 's'])
    >>> syllables("xyz") is None
    True
    """
    known = _characters()
    result: list[str] = []
    for word in re.split(r"[\s']+", text.strip().lower()):
        if not word:
            continue
        parts = _split(word, known)
        if parts is None:
            return None
        result += parts
    return result or None


def _split(word: str, known) -> list[str] | None:
    """Greedy longest syllable first, backtracking; a trailing prefix of a syllable is kept."""
    if not word:
        return []
    for end in range(min(6, len(word)), 0, -1):
        head = word[:end]
        if head in known:
            rest = _split(word[end:], known)
            if rest is not None:
                return [head, *rest]
    if any(syllable.startswith(word) for syllable in known):
        return [word]
    return None


def _chars(syllable: str, last: bool) -> frozenset[str]:
    known = _characters()
    if syllable in known:
        chars = set(known[syllable])
    else:
        chars = set()
    if last:  # still typing: any syllable it begins
        for other, others in known.items():
            if other.startswith(syllable):
                chars |= others
    return frozenset(chars)


def lucene_query(parts: list[str]) -> str | None:
    """A full-text query over name bigrams (or first characters) for these syllables.

    >>> query = lucene_query(["zhang", "san"])
    >>> "张三" in query.split(" OR "), len(query.split(" OR ")) <= MAX_TERMS
    (True, True)
    """
    sets = [_chars(part, index == len(parts) - 1) for index, part in enumerate(parts)]
    if not sets or not all(sets):
        return None
    if len(sets) >= 2:
        pairs = sorted(range(len(sets) - 1), key=lambda i: len(sets[i]) * len(sets[i + 1]))
        first = pairs[0]
        if len(sets[first]) * len(sets[first + 1]) <= MAX_TERMS:
            return " OR ".join(sorted(a + b for a in sets[first] for b in sets[first + 1]))
    fewest = min(sets, key=len)
    if len(fewest) > MAX_TERMS:
        return None
    return " OR ".join(f"{char}*" for char in sorted(fewest))


def names_match(name: str, parts: list[str]) -> str | None:
    """``"full"`` when the name reads exactly as the syllables, ``"part"`` when a run of
    its characters does, else None (the last syllable may be a prefix).

    >>> names_match("张建国", ["zhang", "jian", "guo"]), names_match("张建国", ["jian", "g"])
    ('full', 'part')
    >>> names_match("单丽", ["shan", "li"]), names_match("单丽", ["dan", "li"])
    ('full', 'full')
    """
    readings = [set(r) for r in pinyin(name, style=Style.NORMAL, heteronym=True)]
    if not readings:
        return None

    def fits(start: int) -> bool:
        for offset, part in enumerate(parts):
            reading = readings[start + offset]
            last = offset == len(parts) - 1
            if part not in reading and not (last and any(r.startswith(part) for r in reading)):
                return False
        return True

    for start in range(0, len(readings) - len(parts) + 1):
        if fits(start):
            return "full" if start == 0 and len(parts) == len(readings) else "part"
    return None
