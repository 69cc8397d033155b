"""Entity resolution: named features, their weights, blocking, and matches on real data."""
from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import pytest

from ingest import resolve
from ingest.ocds import read_ocds
from ingest.resolve import (COMPANY_FEATURES, PERSON_FEATURES, candidate_pairs, core_org_name,
                            find_matches, organisation_key, score_companies, score_people)

EXAMPLES = Path(__file__).parents[2].parent / "shared" / "data" / "ocds-real-examples"


def test_every_feature_is_named_and_explained():
    """A feature's name is its id in ``reasons`` and its docstring the published explanation."""
    for feature, weight in PERSON_FEATURES + COMPANY_FEATURES:
        assert feature is getattr(resolve, feature.__name__)
        assert (inspect.getdoc(feature) or "").endswith(".")
        assert -1.0 <= weight <= 1.0


@pytest.mark.parametrize("a, b, feature", [
    ("张伟", "张 伟", "name_exact"),
    ("張偉", "张伟", "name_variant_match"),
    ("张伟", "章伟", "name_pinyin_match"),
    ("Zhang Wei", "张伟", "name_pinyin_match"),
])
def test_name_features_are_tiered(a, b, feature):
    """Exactly one name feature fires, so a name never counts twice."""
    fired = [f.__name__ for f in (resolve.name_exact, resolve.name_variant_match,
                                  resolve.name_pinyin_match) if f({"name": a}, {"name": b})]
    assert fired == [feature]


def test_org_names_compare_without_legal_form():
    assert core_org_name("北京华强贸易有限责任公司") == core_org_name("北京華強貿易股份有限公司")
    assert core_org_name("Acme Trading Co., Ltd.") == core_org_name("ACME TRADING LLC")
    assert core_org_name("Tesco") == "tesco"  # 'co' is only stripped as a separate word
    assert core_org_name("华强贸易北京分公司") != core_org_name("华强贸易北京")
    assert resolve.org_name_match({"name": "Acme Ltd"}, {"name": "ACME Inc."}) == 1.0


def test_other_features():
    assert resolve.phone_match({"phone": "+86 138-0013-8000"}, {"phone": "13800138000"}) == 1.0
    assert resolve.phone_match({"phone": "0755-88881234"}, {"phone": "+86 755 8888 1234"}) == 1.0
    assert resolve.phone_match({"phone": "12345"}, {"phone": "12345"}) == 0.0  # too short
    born = {"birth_date": dt.date(1980, 5, 1)}
    assert resolve.birth_date_match(born, {"birth_date": "1980-05-01"}) == 1.0
    assert resolve.birth_date_mismatch(born, {"birth_date": "1980-05-02"}) == 1.0
    near = resolve.address_similarity({"address": "北京市朝阳区建国路1号院3号楼"},
                                      {"address": "北京市朝陽區建國路1號院"})
    assert 0.5 < near < 1.0
    assert resolve.address_similarity({"address": "上海"}, {}) == 0.0
    assert resolve.id_number_mismatch({"id_number": "11010519491231002X"},
                                      {"id_number": "110105194912310021"}) == 0.0  # 2nd invalid
    assert resolve.identifier_match({"identifiers": ["AB-123"]}, {"identifier": "ab123"}) == 1.0


def test_scores_need_more_than_a_name():
    name_only = score_people({"name": "张伟"}, {"name": "张伟"})
    assert name_only.score < 0.8 and name_only.reasons == ["name_exact=1.00"]
    with_birth = score_people({"name": "张伟", "birth_date": "1980-05-01"},
                              {"name": "張偉", "birth_date": "1980-05-01"})
    assert with_birth.score >= 0.8
    assert with_birth.reasons == ["name_variant_match=1.00", "birth_date_match=1.00"]
    different = score_people({"name": "张伟", "birth_date": "1980-05-01", "phone": "13800138000"},
                             {"name": "张伟", "birth_date": "1990-01-01", "phone": "13800138000"})
    assert different.score < 0.8 and "birth_date_mismatch=1.00" in different.reasons
    everything = score_companies(
        {"name": "华强贸易有限公司", "phone": "010-12345678", "email": "a@hq.cn", "address": "建国路1号"},
        {"name": "华强贸易有限公司", "phone": "01012345678", "email": "A@hq.cn", "address": "建国路1号"})
    assert everything.score == 1.0  # clamped
    assert score_companies({"name": "甲公司", "credit_code": "91110000600037341L"},
                           {"name": "甲公司", "credit_code": "91350100M000100Y43"}).score == 0.0


def test_blocking_is_sub_quadratic_and_keeps_homophones():
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    people = [{"id_number": f"p{i}", "name": surnames[i % 32] + "某" + str(i)} for i in range(3200)]
    pairs = list(candidate_pairs(people, people))
    assert len(pairs) < 3200 * 3200 / 20
    assert len(pairs) == len(set(pairs)) and all(i < j for i, j in pairs)
    left = [{"id_number": "a", "name": "章伟"}, {"id_number": "b", "name": "Zhang Wei"}]
    right = [{"id_number": "c", "name": "张伟"}, {"id_number": "d", "name": "李娜"}]
    assert set(candidate_pairs(left, right)) == {(0, 0), (1, 0)}


def test_find_matches_links_keyless_records_with_reasons():
    keyless = [{"id_number": "ftm:1", "name": "張偉", "birth_date": "1980-05-01",
                "phone": "13800138000"},
               {"id_number": "ftm:2", "name": "李娜"}]
    candidates = [{"id_number": "11010519491231002X", "name": "张伟", "birth_date": "1980-05-01"},
                  {"id_number": "110105194912310040", "name": "李娜", "phone": "13911112222"},
                  *keyless]
    matches = find_matches(keyless, candidates)
    assert matches == [("ftm:1", "11010519491231002X", 0.8,
                        ["name_variant_match=1.00", "birth_date_match=1.00"])]


def test_organisation_keys_for_foreign_and_keyless_parties():
    assert organisation_key("gb-coh", "01234567", scope="s") == ("GB-COH-01234567", "gb-coh")
    assert organisation_key("NGA-BRBDA", "NGA-BRBDA-866594103", scope="s")[0] == \
        "NGA-BRBDA-866594103"
    assert organisation_key("", "", scope="ocds-x", name="Acme Ltd") == (
        "ocds-party:ocds-x:acme ltd", "ocds-name")
    assert organisation_key("", "", scope="x") is None


@pytest.mark.skipif(not EXAMPLES.exists(), reason=f"{EXAMPLES} not present")
def test_real_keyless_suppliers_find_their_namesakes():
    """Mexico's airport publisher gives suppliers no party id: one firm, many synthetic keys."""
    result = read_ocds(EXAMPLES / "mexico")
    companies = [{**r.values, **r.extra} for r in result.records["companies"]]
    keyless = [c for c in companies if c.get("keyless")]
    matches = find_matches(keyless, companies)
    assert matches and all(0.8 <= score <= 1.0 and reasons for _, _, score, reasons in matches)
    assert len({frozenset(m[:2]) for m in matches}) == len(matches)
    assert any("name_exact=1.00" in reasons for *_, reasons in matches)
