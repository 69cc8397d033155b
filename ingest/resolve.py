"""Who is who: keys from identifiers, and scored similarity where there are none.

A party with an identifier gets a key and joins the graph by it (身份证号, 统一社会信用代码, or
an org-id code such as ``GB-COH-01234567`` for a foreign organisation). A party without one
(a bidder known by name, a relative without ID number, an OCDS or FtM party) keeps a
synthetic key, and is compared with others by small named features, nomenklatura style:
each feature's docstring is its published explanation, a weighted list turns them into a
score in [0, 1], and the loader writes ``POSSIBLY_SAME_AS {score, reasons}``. Nothing is
merged: an investigator decides.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterator


from ingest.identifiers import InvalidValue, normalize_credit_code, normalize_id_number

__all__ = [
    "Match", "PERSON_FEATURES", "COMPANY_FEATURES", "organisation_key", "normalize_name",
    "simplified", "core_org_name", "score_people", "score_companies", "candidate_pairs",
    "find_matches",
]

# Traditional and variant characters frequent in names, addresses and company names, with
# their simplified form. Small on purpose (no new dependency); extend when a miss is seen.
_VARIANT_PAIRS = """
張张 陳陈 劉刘 黃黄 趙赵 吳吴 孫孙 馬马 羅罗 鄭郑 謝谢 許许 韓韩 馮冯 鄧邓 蕭萧 蔣蒋 葉叶 蘇苏
呂吕 盧卢 鍾钟 譚谭 陸陆 賈贾 韋韦 鄒邹 閆闫 龍龙 賀贺 顧顾 龔龚 萬万 錢钱 嚴严 湯汤 歐欧 陽阳
鄔邬 單单 聶聂 楊杨 樓楼 偉伟 華华 國国 軍军 強强 傑杰 濤涛 紅红 麗丽 靜静 鳳凤 蘭兰 雲云
貴贵 東东 長长 興兴 義义 鵬鹏 輝辉 鋒锋 勝胜 飛飞 寶宝 慶庆 發发 祿禄 壽寿 瑩莹 瓊琼 嬌娇 艷艳
豔艳 榮荣 權权 賢贤 進进 愛爱 學学 來来 劍剑 鋼钢 鐵铁 銀银 廣广 曉晓 樹树 歡欢 軒轩 書书 夢梦
嶺岭 嵐岚 潔洁 瑋玮 綺绮 紹绍 維维 緯纬 穎颖 靈灵 鶴鹤 鷹鹰 麥麦 齊齐 寧宁 淨净 潤润 澤泽 漢汉
滿满 實实 賓宾 順顺 顏颜 風风 驍骁 黨党 區区 縣县 鄉乡 鎮镇 組组 號号 棟栋 層层 門门 園园 場场
廠厂 環环 灣湾 開开 橋桥 莊庄 壩坝 崗岗 灘滩 團团 責责 貿贸 業业 電电 氣气 機机 務务 諮咨 詢询
設设 計计 築筑 裝装 飾饰 運运 輸输 財财 產产 醫医 藥药 療疗 網网 絡络 訊讯 資资 經经 營营 銷销
專专 農农 礦矿 體体 術术 車车 鋁铝 應应 達达 聯联 創创 優优 億亿 鴻鸿 匯汇 際际 館馆 隊队 勞劳
為为 個个 們们 與与 時时 會会 動动 總总 現现 質质 護护 協协 廳厅 鄰邻 製制 標标 準准 豐丰 鳴鸣 紀纪
峯峰 綫线 線线 啓启 啟启 裏里 裡里 衆众 羣群 喆哲 淩凌 煇辉 珮佩 敍叙 敘叙 鎔镕 甯宁 堦阶 脩修
"""
_SIMPLIFY = str.maketrans({pair[0]: pair[1] for pair in _VARIANT_PAIRS.split()})
_PUNCTUATION = re.compile(r"[\W_]+")
_LATIN_SUFFIXES = sorted((tuple(s.split()) for s in (
    "limited", "ltd", "llc", "l l c", "inc", "incorporated", "corp", "corporation", "company",
    "co", "co ltd", "plc", "gmbh", "ag", "bv", "sa", "s a", "sa de cv", "s a de c v", "srl",
    "s r l", "sac", "saci", "ltda", "sas", "spa", "sro", "oy", "ab")), key=len, reverse=True)
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司")


@dataclass(frozen=True)
class Match:
    """A similarity score in [0, 1] and the features behind it (``"phone_match=1.00"``)."""

    score: float
    reasons: list[str] = field(default_factory=list)


def organisation_key(scheme: str, number: str, *, scope: str, local_id: str = "",
                     name: str = "") -> tuple[str, str] | None:
    """(key, id_scheme) for an organisation known by an identifier scheme and number.

    A valid 统一社会信用代码 is the key itself; another registered identifier becomes the
    org-id form ``SCHEME-NUMBER``; a free-text scheme (``Cédula de Ciudadanía``) becomes an
    ``X-`` slug of its first words. Without an identifier the key is synthetic:
    ``ocds-party:<scope>:<local id or folded name>``, and resolution has to link it.

    >>> organisation_key("GB-COH", "01234567", scope="ocds-b5fd17")
    ('GB-COH-01234567', 'GB-COH')
    >>> organisation_key("CN-USCC", "91110000600037341L", scope="x")
    ('91110000600037341L', 'CN-USCC')
    >>> organisation_key("Cédula de Ciudadanía", "80737007", scope="x")
    ('X-CEDULA-DE-CIUDADANIA-80737007', 'Cédula de Ciudadanía')
    >>> organisation_key("", "", scope="ocds-x", local_id="7")
    ('ocds-party:ocds-x:7', 'ocds-party')
    """
    chinese = not scheme or scheme.upper().startswith("CN")
    if number and chinese:
        try:
            return normalize_credit_code(number), "CN-USCC"
        except InvalidValue:
            pass
    if scheme and number and not chinese:
        if re.fullmatch(r"[A-Za-z0-9&._]+(-[A-Za-z0-9&._]+)*", scheme) and len(scheme) <= 24:
            prefix = scheme.upper()
        else:
            prefix = "X-" + "-".join(re.findall(r"[A-Za-z0-9]+", fold_accents(scheme))[:4]).upper()
        key = number if number.upper().startswith(prefix + "-") else f"{prefix}-{number}"
        return key, scheme
    if local_id:
        return f"ocds-party:{scope}:{local_id}", "ocds-party"
    if name:
        return f"ocds-party:{scope}:{fold_accents(name).casefold()}", "ocds-name"
    return None


def fold_accents(text: str) -> str:
    """Drop accents (Licitaţie → Licitatie) and keep CJK characters as they are."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_name(text: Any) -> str:
    """Width, case, accents, spaces and punctuation removed: the form names are compared in.

    >>> normalize_name(" Zhang  Wei "), normalize_name("买买提·艾力"), normalize_name("ＡＢＣ")
    ('zhangwei', '买买提艾力', 'abc')
    """
    text = fold_accents(unicodedata.normalize("NFKC", str(text or ""))).casefold()
    return _PUNCTUATION.sub("", text)


def simplified(text: str) -> str:
    """Traditional and variant characters mapped to simplified ones (張偉 → 张伟)."""
    return text.translate(_SIMPLIFY)


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin  # its dictionary costs 0.2 s to import: only when asked

    return tuple(lazy_pinyin(text))


def core_org_name(name: Any) -> str:
    """A company name without its legal form, so 华为技术有限公司 and 华为技术 compare equal.

    >>> core_org_name("Acme Trading Co., Ltd."), core_org_name("北京華為技術有限公司")
    ('acmetrading', '北京华为技术')
    """
    text = simplified(fold_accents(unicodedata.normalize("NFKC", str(name or ""))).casefold())
    tokens = _PUNCTUATION.sub(" ", text).split()
    while True:
        suffix = next((s for s in _LATIN_SUFFIXES
                       if len(tokens) > len(s) and tuple(tokens[-len(s):]) == s), None)
        if suffix is None:
            break
        tokens = tokens[:-len(suffix)]
    joined = "".join(tokens)
    for suffix in _CJK_SUFFIXES:
        if joined.endswith(suffix) and len(joined) > len(suffix) and not joined.endswith(
                "分" + suffix):
            return joined[: -len(suffix)]
    return joined


def _name_level(a: dict, b: dict) -> str | None:
    """How closely two names agree: exact, variant, pinyin or not at all."""
    left, right = normalize_name(a.get("name")), normalize_name(b.get("name"))
    if not left or not right:
        return None
    if left == right:
        return "exact"
    left, right = simplified(left), simplified(right)
    if left == right:
        return "variant"
    return "pinyin" if "".join(_pinyin(left)) == "".join(_pinyin(right)) else None


def name_exact(a: dict, b: dict) -> float:
    """Both names are the same once width, case, spaces and punctuation are normalised."""
    return float(_name_level(a, b) == "exact")


def name_variant_match(a: dict, b: dict) -> float:
    """The names are the same once traditional or variant characters are simplified (張偉, 张伟)."""
    return float(_name_level(a, b) == "variant")


def name_pinyin_match(a: dict, b: dict) -> float:
    """The names sound the same in toneless pinyin (张伟, 章伟, Zhang Wei): homophone or typo."""
    return float(_name_level(a, b) == "pinyin")


def org_name_match(a: dict, b: dict) -> float:
    """The company names differ only in legal form (有限公司, 有限责任公司, Ltd, LLC, Inc)."""
    left, right = core_org_name(a.get("name")), core_org_name(b.get("name"))
    return float(bool(left) and left == right and _name_level(a, b) != "exact")


_LEGAL_FORMS = ("有限公司", "有限责任公司", "股份有限公司", "合伙企业", "个体工商户", "合作社", "厂", "店")


def registered_name_match(a: dict, b: dict) -> float:
    """Both are the same full Chinese enterprise name with its legal form (…有限公司): a
    registration authority does not register one name twice, so it nearly identifies."""
    name = normalize_name(a.get("name"))
    return float(_name_level(a, b) == "exact" and bool(name) and ord(name[0]) > 0x2E80
                 and name.endswith(_LEGAL_FORMS))


def _date(value: Any) -> str:
    return str(value)[:10] if value else ""


def birth_date_match(a: dict, b: dict) -> float:
    """Both records give the same birth date."""
    return float(bool(_date(a.get("birth_date"))) and _date(a.get("birth_date")) == _date(
        b.get("birth_date")))


def birth_date_mismatch(a: dict, b: dict) -> float:
    """Both records give a birth date and the dates differ: likely two people."""
    left, right = _date(a.get("birth_date")), _date(b.get("birth_date"))
    return float(bool(left and right) and left != right)


def _phone(value: Any) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value or "")))
    digits = re.sub(r"^(00)?86(?=1\d{10}$|\d{10,11}$)", "", digits)
    return digits.lstrip("0") if len(digits.lstrip("0")) >= 7 else ""


def phone_match(a: dict, b: dict) -> float:
    """Both records give the same phone number (digits only; +86 and trunk 0 ignored)."""
    return float(bool(_phone(a.get("phone"))) and _phone(a.get("phone")) == _phone(b.get("phone")))


def email_match(a: dict, b: dict) -> float:
    """Both records give the same e-mail address."""
    left, right = (str(x.get("email") or "").strip().casefold() for x in (a, b))
    return float(bool(left) and left == right)


def _bigrams(text: Any) -> set[str]:
    text = simplified(normalize_name(text))
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def address_similarity(a: dict, b: dict) -> float:
    """Share of common character pairs in the two addresses (Jaccard of bigrams, 0 to 1)."""
    left, right = _bigrams(a.get("address")), _bigrams(b.get("address"))
    return len(left & right) / len(left | right) if left and right else 0.0


def _identifiers(record: dict) -> set[str]:
    values = record.get("identifiers") or []
    values = [values] if isinstance(values, str) else values
    return {normalize_name(v) for v in [*values, record.get("identifier")] if normalize_name(v)}


def identifier_match(a: dict, b: dict) -> float:
    """The records share another identifier: a registration, tax or passport number."""
    return float(bool(_identifiers(a) & _identifiers(b)))


def _valid(record: dict, column: str) -> str:
    try:
        value = str(record.get(column) or "")
        return (normalize_id_number(value)[0] if column == "id_number" else
                normalize_credit_code(value))
    except InvalidValue:
        return ""


def id_number_mismatch(a: dict, b: dict) -> float:
    """Both have a valid 身份证号 and the numbers differ: two different people."""
    left, right = _valid(a, "id_number"), _valid(b, "id_number")
    return float(bool(left and right) and left != right)


def credit_code_mismatch(a: dict, b: dict) -> float:
    """Both have a valid 统一社会信用代码 and the codes differ: two different companies."""
    left, right = _valid(a, "credit_code"), _valid(b, "credit_code")
    return float(bool(left and right) and left != right)


Feature = Callable[[dict, dict], float]
# Weights: a name alone never reaches the default threshold 0.8; a name and one more
# agreeing fact (birth date, phone, identifier) does. Mismatches of hard facts pull down.
PERSON_FEATURES: list[tuple[Feature, float]] = [
    (name_exact, 0.5), (name_variant_match, 0.45), (name_pinyin_match, 0.35),
    (birth_date_match, 0.35), (phone_match, 0.3), (identifier_match, 0.6),
    (address_similarity, 0.2), (birth_date_mismatch, -0.6), (id_number_mismatch, -1.0),
]
COMPANY_FEATURES: list[tuple[Feature, float]] = [
    (name_exact, 0.7), (registered_name_match, 0.15), (name_variant_match, 0.65),
    (org_name_match, 0.6),
    (identifier_match, 0.6), (phone_match, 0.2), (email_match, 0.2),
    (address_similarity, 0.2), (credit_code_mismatch, -1.0),
]


def _score(a: dict, b: dict, features: list[tuple[Feature, float]]) -> Match:
    values = [(feature.__name__, feature(a, b), weight) for feature, weight in features]
    total = sum(value * weight for _, value, weight in values)
    reasons = [f"{name}={value:.2f}" for name, value, _ in values if value]
    return Match(round(min(1.0, max(0.0, total)), 4), reasons)


def score_people(a: dict, b: dict) -> Match:
    """Score two persons (dicts of ``persons`` columns, optional ``identifiers`` list).

    >>> score_people({"name": "张伟", "birth_date": "1980-05-01"},
    ...              {"name": "章伟", "birth_date": "1980-05-01", "phone": "138 0013 8000"})
    Match(score=0.7, reasons=['name_pinyin_match=1.00', 'birth_date_match=1.00'])
    """
    return _score(a, b, PERSON_FEATURES)


def score_companies(a: dict, b: dict) -> Match:
    """Score two organisations (dicts of ``companies`` columns, optional ``identifiers``).

    >>> score_companies({"name": "深圳市华强贸易有限公司", "phone": "0755-8888 1234"},
    ...                 {"name": "深圳市華強貿易", "phone": "+86 755 88881234"}).score
    0.8
    """
    return _score(a, b, COMPANY_FEATURES)


def _kind(record: dict) -> str:
    return "company" if "credit_code" in record or "unit_id" in record else "person"


def _key(record: dict) -> str:
    return str(record.get("key") or record.get("id_number") or record.get("credit_code")
               or record.get("unit_id") or "")


def _blocks(record: dict) -> set[str]:
    """Blocking keys: records are compared only when they share one."""
    keys = {f"phone:{_phone(record.get('phone'))}"} if _phone(record.get("phone")) else set()
    keys |= {f"id:{value}" for value in _identifiers(record)}
    if _kind(record) == "company":
        core = core_org_name(record.get("name"))
        prefix = core[:2] if core and ord(core[0]) > 0x2E80 else core[:4]  # 2 CJK ~ 4 letters
        return keys | ({f"org:{prefix}"} if core else set())
    name = simplified(normalize_name(record.get("name")))
    syllables = _pinyin(name)
    if name and ord(name[0]) > 0x2E80:  # Chinese: surname pinyin + initial of the given name
        keys.add("name:" + syllables[0] + (syllables[1][:1] if len(syllables) > 1 else ""))
    elif name:  # romanised: every prefix a Chinese key could be (li + w ... zhuang + w)
        keys |= {f"name:{name[:n]}" for n in range(2, 8)}
    return keys


def candidate_pairs(left: list[dict], right: list[dict]) -> Iterator[tuple[int, int]]:
    """Index pairs (i, j) worth scoring: they share a block (pinyin surname and first letter
    of the given name, phone, identifier, or the first characters of a company's core name).

    Work grows with the sum of block sizes squared, not with len(left) * len(right). When
    ``left is right``, each unordered pair is yielded once.
    """
    index: dict[str, list[int]] = defaultdict(list)
    for j, record in enumerate(right):
        for block in _blocks(record):
            index[block].append(j)
    seen: set[tuple[int, int]] = set()
    for i, record in enumerate(left):
        for block in _blocks(record):
            for j in index.get(block, ()):
                pair = (min(i, j), max(i, j)) if left is right else (i, j)
                if (left is not right or i != j) and pair not in seen:
                    seen.add(pair)
                    yield pair


def find_matches(keyless: list[dict], candidates: list[dict], threshold: float = 0.8,
                 ) -> list[tuple[str, str, float, list[str]]]:
    """Pairs (keyless key, candidate key, score, reasons) scoring at least ``threshold``.

    Records are dicts of canonical columns (``persons`` or ``companies``), plus an optional
    ``key`` (default: ``id_number`` / ``credit_code``) and ``identifiers``. Best first.

    >>> find_matches([{"id_number": "ftm:1", "name": "張偉", "phone": "13800138000"}],
    ...              [{"id_number": "11010519491231002X", "name": "张伟", "phone": "13800138000"},
    ...               {"id_number": "110105194912310040", "name": "李娜"}], threshold=0.7)
    [('ftm:1', '11010519491231002X', 0.75, ['name_variant_match=1.00', 'phone_match=1.00'])]
    """
    results, seen = [], set()
    for i, j in candidate_pairs(keyless, candidates):
        a, b = keyless[i], candidates[j]
        pair = frozenset((_key(a), _key(b)))
        if len(pair) < 2 or pair in seen:  # the same record, or a pair met the other way round
            continue
        seen.add(pair)
        match = (score_companies if _kind(a) == "company" else score_people)(a, b)
        if match.score >= threshold:
            results.append((_key(a), _key(b), match.score, match.reasons))
    return sorted(results, key=lambda item: (-item[2], item[0], item[1]))
